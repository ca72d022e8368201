"""`jumpgate diff` through the CLI, in a scratch git repository made from the example: a user
edits a team file (or the organization), commits, and reads the access difference."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from helpers import REPO, TODAY, append, copy_org, replace
from jumpgate.cli.diff import main as hook_main
from jumpgate.cli.main import main

CRM_PROD_GRANT = "  - who: [alice]\n    level: admin\n    accounts: [crm-prod]\n"


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def commit(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "--no-verify", "-m", message)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = copy_org(REPO, tmp_path / "repo")
    git(root, "init", "-q", "-b", "main")
    commit(root, "the example organization")
    return root


def diff(root: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["diff", "--root", str(root), "--today", TODAY, *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_new_member_of_a_prod_grant_widens_strict_access(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    replace(
        repo, "teams/crm.yaml", CRM_PROD_GRANT, CRM_PROD_GRANT.replace("[alice]", "[alice, bob]")
    )
    commit(repo, "bob helps with the migration")
    code, out, err = diff(repo, "HEAD~1", "HEAD", capsys=capsys)
    assert (code, err) == (0, "")
    assert out == (
        "! bob gains admin on crm-prod (prod) until 2026-12-31 — INC-4711 data migration "
        "(teams/crm.yaml:35)  [WIDENS prod]\n"
        "1 change, 1 widens access into strict environments\n"
    )


def test_removing_a_member_narrows(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    replace(repo, "teams/bi.yaml", "who: [hana, ivan]", "who: [hana]")
    commit(repo, "ivan moves on")
    code, out, _ = diff(repo, "HEAD~1", "HEAD", capsys=capsys)
    assert code == 0
    assert out == (
        "  ivan loses admin on bi-dev (dev) (teams/bi.yaml:12)  [narrows]\n"
        "  ivan loses admin on bi-staging (staging) (teams/bi.yaml:12)  [narrows]\n"
        "2 changes, 0 widen access into strict environments\n"
    )


def test_a_later_expiry_widens_and_an_earlier_one_narrows(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    replace(repo, "teams/crm.yaml", "expires: 2026-12-31", "expires: 2027-01-10")
    commit(repo, "longer migration")
    replace(repo, "teams/crm.yaml", "expires: 2027-01-10", "expires: 2026-12-15")
    _, later, _ = diff(repo, "HEAD~1", "HEAD", capsys=capsys)
    _, earlier, _ = diff(repo, "HEAD", capsys=capsys)  # HEAD → the working tree
    assert later.splitlines()[0] == (
        "! alice: admin on crm-prod (prod) expiry extended from 2026-12-31 to 2027-01-10 "
        "(teams/crm.yaml:35)  [WIDENS prod]"
    )
    assert earlier.splitlines()[0] == (
        "  alice: admin on crm-prod (prod) expiry shortened from 2027-01-10 to 2026-12-15 "
        "(teams/crm.yaml:35)  [narrows]"
    )


def test_a_session_length_change_names_every_affected_path(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, before, _ = diff(repo, "HEAD", "HEAD", capsys=capsys)
    assert before == "no access changes\n"
    main(["access", "--root", str(repo), "--today", TODAY, "--format", "json"])
    paths = json.loads(capsys.readouterr().out)
    paths = paths["paths"] if isinstance(paths, dict) else paths
    prod = sorted(
        (p["person"], p["account"], p["level"]) for p in paths if p["environment"] == "prod"
    )
    replace(
        repo, "org/organization.yaml", "max_session_seconds: 3600 ", "max_session_seconds: 28800 "
    )
    commit(repo, "8 h sessions in prod")
    code, out, _ = diff(repo, "HEAD~1", "HEAD", "--format", "json", capsys=capsys)
    changes = json.loads(out)["changes"]
    assert code == 0 and {c["kind"] for c in changes} == {"session"}
    assert sorted((c["person"], c["account"], c["level"]) for c in changes) == prod
    assert all(c["widens_strict"] for c in changes)
    first = changes[0]
    assert first["sentence"] == (
        "alice: session length of admin on crm-prod (prod) changes from 1 h to 8 h"
    )
    assert (first["before"]["max_session_seconds"], first["after"]["max_session_seconds"]) == (
        3600,
        28800,
    )


def test_a_new_person(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    replace(
        repo,
        "teams/marketing.yaml",
        "  quinn: {name",
        "  zoe: {name: Zoe Adams, email: zoe@learnaws.example}\n  quinn: {name",
    )
    code, out, _ = diff(repo, capsys=capsys)  # default: merge-base with main → working tree
    assert code == 0
    assert out == (
        "! zoe gets access for the first time (2 accounts)  [WIDENS strict]\n"
        "  zoe gains poweruser on marketing-staging (staging), standing "
        "(teams/marketing.yaml:16)  [widens]\n"
        "! zoe gains readonly on marketing-prod (prod), standing (teams/marketing.yaml:19)"
        "  [WIDENS prod]\n"
        "3 changes, 2 widen access into strict environments\n"
    )


def test_default_base_is_the_merge_base_with_main(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git(repo, "checkout", "-q", "-b", "feature")
    replace(repo, "teams/bi.yaml", "who: [hana, ivan]", "who: [hana]")
    commit(repo, "ivan moves on")
    git(repo, "checkout", "-q", "main")
    append(repo, "teams/crm.yaml", "")  # main moves on without an access change
    replace(repo, "teams/crm.yaml", "Customer relationship management", "CRM")
    commit(repo, "describe crm")
    git(repo, "checkout", "-q", "feature")
    _, out, _ = diff(repo, capsys=capsys)
    assert out.splitlines()[-1] == "2 changes, 0 widen access into strict environments"
    assert out.startswith("  ivan loses admin on bi-dev (dev)")


def test_staged_compares_head_with_the_index_and_never_fails(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    replace(repo, "teams/bi.yaml", "who: [hana, ivan]", "who: [hana]")
    git(repo, "add", "teams/bi.yaml")
    replace(
        repo, "teams/crm.yaml", CRM_PROD_GRANT, CRM_PROD_GRANT.replace("[alice]", "[alice, bob]")
    )
    code = hook_main(["--root", str(repo), "--today", TODAY, "--staged"])  # unstaged crm: unseen
    out, _ = capsys.readouterr()
    assert code == 0
    assert out == (
        "  ivan loses admin on bi-dev (dev) (teams/bi.yaml:12)  [narrows]\n"
        "  ivan loses admin on bi-staging (staging) (teams/bi.yaml:12)  [narrows]\n"
        "2 changes, 0 widen access into strict environments\n"
    )
    outside = repo.parent / "not-a-repo"
    outside.mkdir()
    assert hook_main(["--root", str(outside), "--staged"]) == 0


def test_unknown_revision_and_no_repository_are_usage_errors(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert diff(repo, "no-such-rev", capsys=capsys) == (
        2,
        "",
        "jumpgate diff: error: unknown revision: no-such-rev\n",
    )
    outside = repo.parent / "plain"
    copy_org(REPO, outside)
    code, out, err = diff(outside, capsys=capsys)
    assert (code, out) == (2, "")
    assert err == f"jumpgate diff: error: {outside} is not in a git repository\n"


def test_json_contract(repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    replace(
        repo, "teams/crm.yaml", CRM_PROD_GRANT, CRM_PROD_GRANT.replace("[alice]", "[alice, bob]")
    )
    commit(repo, "bob helps")
    out_file = tmp_path / "diff.json"
    code, out, err = diff(
        repo, "HEAD~1", "HEAD", "--format", "json", "--out", str(out_file), capsys=capsys
    )
    assert (code, out) == (0, "")
    assert (
        err == f"diff: 1 change, 1 widens access into strict environments (written to {out_file})\n"
    )
    document = json.loads(out_file.read_text())
    assert list(document) == ["base", "head", "summary", "changes"]
    assert (document["base"], document["head"]) == ("HEAD~1", "HEAD")
    (change,) = document["changes"]
    assert list(change) == [
        "person", "kind", "account", "environment", "role", "level",
        "before", "after", "effect", "widens_strict", "sentence",
    ]  # fmt: skip
    assert change["before"] is None
    assert list(change["after"]) == [
        "person", "account", "account_id", "environment", "role", "role_arn", "level",
        "expires", "reason", "source", "strict", "max_session_seconds", "mfa_max_age_seconds",
    ]  # fmt: skip
    assert (change["kind"], change["effect"], change["widens_strict"]) == ("gains", "widens", True)


def test_markdown_for_a_pull_request(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    replace(
        repo, "teams/crm.yaml", CRM_PROD_GRANT, CRM_PROD_GRANT.replace("[alice]", "[alice, bob]")
    )
    commit(repo, "bob helps")
    _, out, _ = diff(repo, "HEAD~1", "HEAD", "--format", "markdown", capsys=capsys)
    assert out == (
        "### Access diff: HEAD~1 → HEAD\n\n"
        "**1 change, 1 widens access into strict environments**\n\n"
        "- **WIDENS prod**: bob gains admin on crm-prod (prod) until 2026-12-31 — INC-4711 data "
        "migration (teams/crm.yaml:35)\n"
    )
