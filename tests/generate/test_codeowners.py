"""CODEOWNERS is rendered: a grant into another team's account makes that team a required
reviewer of the grantee's team file, and `render --check` fails until the file says so."""

from __future__ import annotations

from pathlib import Path

from helpers import REPO, run


def owners(root: Path) -> dict[str, list[str]]:
    lines = (root / ".github" / "CODEOWNERS").read_text(encoding="utf-8").splitlines()
    return {p: rest for p, *rest in (line.split() for line in lines if not line.startswith("#"))}


def test_committed_codeowners_is_the_rendered_one() -> None:
    assert run("render", "--check", "--root", str(REPO))[0] == 0
    found = owners(REPO)
    assert found["/teams/crm.yaml"] == ["@learnaws/crm"]
    # bi reads crm-prod: crm reviews bi's file; it audits every prod account
    assert found["/teams/bi.yaml"] == ["@learnaws/bi", "@learnaws/crm"]
    assert found["/teams/it.yaml"][0] == "@learnaws/it" and len(found["/teams/it.yaml"]) == 4
    assert found["/accounts/crm-prod.yaml"] == ["@learnaws/crm"]


def test_a_cross_team_grant_needs_the_owning_team_as_reviewer(org: Path) -> None:
    marketing = org / "teams" / "marketing.yaml"
    marketing.write_text(
        marketing.read_text(encoding="utf-8")
        + "  - who: [quinn]\n    level: readonly\n    accounts: [crm-prod]\n",
        encoding="utf-8",
    )
    code, out, err = run("render", "--check", "--root", str(org))
    assert code == 1
    assert ".github/CODEOWNERS:7:1: E601 differs from what the team files render" in out + err
    assert run("render", "--root", str(org))[0] == 0
    assert owners(org)["/teams/marketing.yaml"] == ["@learnaws/marketing", "@learnaws/crm"]
