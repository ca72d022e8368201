"""`jumpgate access` through the CLI: filters, formats, the JSON contract, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import REPO
from jumpgate.cli.main import main

DAY = ["--root", str(REPO), "--today", "2026-11-29"]
CONTRACT = [
    "person",
    "account",
    "account_id",
    "environment",
    "role",
    "role_arn",
    "level",
    "expires",
    "reason",
    "source",
]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["access", *DAY, *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_is_the_documented_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--format", "json")
    document = json.loads(out)
    assert code == 0 and document["version"] == 1
    assert all(list(p) == CONTRACT for p in document["paths"])
    assert len(document["paths"]) == 106


def test_environments_come_in_deploy_order_not_alphabetical(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run(capsys, "--format", "json", "--person", "alice")
    environments = [p["environment"] for p in json.loads(out)["paths"]]
    order = {"dev": 0, "sandbox": 1, "staging": 2, "prod": 3}
    assert environments == sorted(environments, key=order.__getitem__)
    assert environments[0] == "dev" and environments[-1] == "prod"


def test_text_for_one_team_in_prod(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--team", "crm", "--environment", "prod", "--person", "alice")
    assert code == 0
    assert out.splitlines() == [
        "alice  crm-prod (prod)  admin     until 2026-12-31  1 h sessions  teams/crm.yaml:35"
        "  INC-4711 data migration",
        "       crm-prod (prod)  readonly  standing          1 h sessions  teams/crm.yaml:29",
        "2 paths: 1 people into 1 accounts",
    ]


def test_an_expired_grant_is_not_a_path(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "access",
            "--root",
            str(REPO),
            "--today",
            "2027-01-01",
            "--format",
            "json",
            "--person",
            "alice",
            "--account",
            "crm-prod",
        ]
    )
    levels = [p["level"] for p in json.loads(capsys.readouterr().out)["paths"]]
    assert code == 0 and levels == ["readonly"]


def test_markdown_table(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "--format", "markdown", "--account", "crm-prod", "--person", "alice")
    assert out.splitlines()[2] == (
        "| alice | crm-prod | prod **(strict)** | admin | 2026-12-31 | INC-4711 data migration"
        " | `teams/crm.yaml:35` |"
    )


def test_html_page_is_written_self_contained(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    page = tmp_path / "access.html"
    code, out, err = run(capsys, "--format", "html", "--out", str(page))
    text = page.read_text(encoding="utf-8")
    assert code == 0 and out == "" and err == f"access: wrote {page} (106 paths)\n"
    assert text.startswith("<!DOCTYPE html>") and "http://" not in text and "https://" not in text


def test_unknown_filter_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--person", "nobody", "--team", "nope")
    assert (code, out) == (2, "")
    assert err == "jumpgate: error: unknown person 'nobody', team 'nope'\n"


def test_a_repository_with_errors_is_refused(org: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (org / "teams" / "crm.yaml").write_text("team: crm\npeople: [\n", encoding="utf-8")
    code = main(["access", "--root", str(org)])
    out, err = capsys.readouterr()
    assert code == 1 and "teams/crm.yaml:3:1: E002" in out
    assert "access: the repository has errors" in err
