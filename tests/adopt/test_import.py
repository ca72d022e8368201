"""`jumpgate import`, proven end to end on the emulator.

An identity account and four target accounts are set up by hand with boto3, in a layout that
is not jumpgate's (one group per team listing role ARNs, roles named Admin / ReadOnly, a
wildcard-account grant, a time-bound group, a role trusting one user, a user's own policy, a
grant that starts at a date). Then `jumpgate import` → `jumpgate validate` and `render` on its
output → the output's effective access (`report.access.effective_access`) equals, as (person,
account, permissions, expiry), what the hand-made policies allow according to the independent
oracle (tests/iam_oracle.py) — except exactly the paths the import reports as unmappable.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from adopt_layout import (
    ACCOUNTS,
    DAN_POLICY,
    GROUPS,
    IDENTITY,
    MEMBERS,
    READONLY,
    reset,
    role_arn,
    roles,
    set_up,
)

from helpers import TODAY, run
from iam_oracle import can_assume_role
from jumpgate.report.access import effective_access
from jumpgate.validate.flow import validate
from localaws_helpers import REGION

NOON = f"{TODAY}T12:00:00Z"


def _permissions(managed: list[str] | tuple[str, ...], policy: Any) -> str:
    return json.dumps({"managed": sorted(managed), "policy": policy or None}, sort_keys=True)


Path4 = tuple[str, str, str, str | None]  # (person, account, permissions, last day or None)


def _oracle_allows(user: str, account: str, role: str, trust: str, now: str) -> bool:
    policies = [json.loads(GROUPS[g]) for g in MEMBERS[user]]
    policies += [json.loads(DAN_POLICY)] if user == "dan" else []
    return can_assume_role(
        policies,
        json.loads(trust),
        user_arn=f"arn:aws:iam::{IDENTITY}:user/{'ops/' if user == 'ben' else ''}{user}",
        role_arn=role_arn(account, role),
        mfa=True,
        mfa_age_seconds=0,
        now=now,
        session_name=user,
    )


def _oracle_paths() -> set[Path4]:
    """What the hand-made policies allow today, with MFA, by the independent oracle; the last
    day (UTC) each path works, found by asking the oracle at the end of later days."""
    found = set()
    for user in MEMBERS:
        for account, role, trust, managed, inline, _ in roles():
            if not _oracle_allows(user, account, role, trust, NOON):
                continue
            day, last = dt.date.fromisoformat(TODAY), None
            if not _oracle_allows(user, account, role, trust, "2126-01-01T00:00:00Z"):
                while _oracle_allows(user, account, role, trust, f"{day}T23:59:59Z"):
                    day += dt.timedelta(days=1)
                last = (day - dt.timedelta(days=1)).isoformat()
            found.add((user, account, _permissions(managed, inline), last))
    return found


def _imported_paths(root: Path) -> set[Path4]:
    result = validate(root, dt.date.fromisoformat(TODAY))
    assert result.ok
    levels = result.org.levels
    return {
        (
            p.person,
            p.account,
            _permissions(levels[p.level].managed_policies, levels[p.level].policy),
            p.expires,
        )
        for p in effective_access(result.org, result.expansion, dt.date.fromisoformat(TODAY))
    }


@pytest.fixture
def hand_made(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    reset(endpoint)
    set_up(endpoint)
    monkeypatch.setenv("JUMPGATE_LOCAL_ENDPOINT", endpoint)
    return endpoint


def _import(out: Path, *extra: str) -> tuple[int, str, str]:
    accounts = ",".join(f"{i}={n}" for i, n in ACCOUNTS.items())
    return run(
        "import",
        "--target",
        "local",
        "--identity-account",
        IDENTITY,
        "--accounts",
        accounts,
        "--name",
        "corp",
        "--region",
        REGION,
        "--today",
        TODAY,
        "--out",
        str(out),
        *extra,
    )


IDENT_ARN = f"arn:aws:iam::{IDENTITY}"
EXPECTED_NOTES = [
    ("condition", f"{IDENT_ARN}:group/Contractors (inline assume)"),
    ("deny", f"{IDENT_ARN}:group/DataTeam (inline assume)"),
    ("environment", "arn:aws:organizations::310000000011:account/shop-dev"),
    ("environment", "arn:aws:organizations::310000000012:account/shop-prod"),
    ("environment", "arn:aws:organizations::310000000021:account/data-dev"),
    ("environment", "arn:aws:organizations::310000000022:account/data-prod"),
    ("no-mfa", "arn:aws:iam::310000000021:role/Admin"),
    ("no-mfa", "arn:aws:iam::310000000021:role/ReadOnly"),
    ("session", "arn:aws:iam::310000000022:role/Auditor"),
    ("user-policy", f"{IDENT_ARN}:user/dan"),
    ("user-trust", "arn:aws:iam::310000000012:role/BreakGlass"),
    *[
        ("user-without-mfa", f"{IDENT_ARN}:user/{u}")
        for u in ("cyd", "dan", "eve", "finn", "ops/ben")
    ],
]
DATA_TEAM = """\
# yaml-language-server: $schema=../schemas/team.schema.json
# Imported by `jumpgate import`: review before the first deploy (docs/import.md).
team: data-team
people:
  cyd:
    name: cyd
    email: cyd@example.invalid
  finn:
    name: finn
    email: finn@example.invalid
access:
- who: all
  level: admin
  environments:
  - dev
- who:
  - cyd
  level: read-only
  environments:
  - prod
- who: all
  level: read-only
  accounts:
  - data-dev
  - shop-dev
  - shop-prod
"""


def test_import_reproduces_the_hand_made_access(hand_made: str, tmp_path: Path) -> None:
    out = tmp_path / "imported"
    code, stdout, stderr = _import(out, "--format", "json")
    assert (code, stderr) == (0, "")
    report = json.loads(stdout)
    assert report["valid"] is True
    assert report["files"] == [
        "accounts/data-dev.yaml",
        "accounts/data-prod.yaml",
        "accounts/identity.yaml",
        "accounts/shop-dev.yaml",
        "accounts/shop-prod.yaml",
        "org/organization.yaml",
        "teams/contractors.yaml",
        "teams/data-team.yaml",
        "teams/migration.yaml",
        "teams/shop-engineers.yaml",
        "teams/ungrouped.yaml",
    ]
    assert [(n["kind"], n["arn"]) for n in report["unmapped"]] == EXPECTED_NOTES
    assert report["unmapped"][0]["message"] == "Allow with DateGreaterThan: left out"
    assert (out / "teams" / "data-team.yaml").read_text() == DATA_TEAM
    assert run("validate", "--root", str(out), "--today", TODAY)[0] == 0
    assert run("render", "--root", str(out), "--today", TODAY)[0] == 0
    assert (out / "cloudformation" / "manifest.json").is_file()

    # The proof: what the output grants is what the hand-made policies allow, minus exactly
    # what the report lists (eve's grant that starts at a date; jumpgate has no start dates).
    source = _oracle_paths()
    imported = _imported_paths(out)
    unmappable = {("eve", "data-dev", _permissions([READONLY], None), None)}
    assert unmappable <= source
    assert imported == source - unmappable
    assert {(p, a, e) for p, a, _, e in imported if e} == {
        ("ana", "shop-prod", "2026-12-31"),
        ("cyd", "shop-prod", "2026-12-31"),
    }
    assert len(imported) == 19, sorted(imported)
    assert {(p["person"], p["account"], p["level"], p["expires"]) for p in report["paths"]} == {
        (p, a, lvl, e) for p, a, lvl, e in _imported_levels(out)
    }


def _imported_levels(root: Path) -> set[tuple[str, str, str, str | None]]:
    result = validate(root, dt.date.fromisoformat(TODAY))
    paths = effective_access(result.org, result.expansion, dt.date.fromisoformat(TODAY))
    return {(p.person, p.account, p.level, p.expires) for p in paths}


def test_the_text_report_lists_what_cannot_be_mapped(hand_made: str, tmp_path: Path) -> None:
    code, stdout, stderr = _import(tmp_path / "out")
    assert (code, stderr) == (0, "")
    lines = stdout.splitlines()
    assert lines[0] == (
        f"import: wrote 11 files to {tmp_path / 'out'}: 5 accounts, 5 teams, 3 levels; "
        "19 paths (person → account → level)"
    )
    assert lines[1] == "16 item(s) not mapped as they are (docs/import.md):"
    assert lines[2] == (
        f"  condition: {IDENT_ARN}:group/Contractors (inline assume): "
        "Allow with DateGreaterThan: left out"
    )


def test_environments_and_accounts_from_a_folder(hand_made: str, tmp_path: Path) -> None:
    folder = tmp_path / "accounts"
    folder.mkdir()
    for account_id, name in ACCOUNTS.items():
        env = "production" if name.endswith("prod") else "development"
        (folder / f"{name}.yaml").write_text(f'id: "{account_id}"\nenvironment: {env}\n')
    out = tmp_path / "out"
    code, stdout, stderr = run(
        "import",
        "--target",
        "local",
        "--identity-account",
        IDENTITY,
        "--accounts-from",
        str(folder),
        "--environments",
        "data-dev=sandbox",
        "--region",
        REGION,
        "--today",
        TODAY,
        "--out",
        str(out),
        "--format",
        "json",
    )
    assert (code, stderr) == (0, "")
    assert "environment" not in {n["kind"] for n in json.loads(stdout)["unmapped"]}
    result = validate(out, dt.date.fromisoformat(TODAY))
    assert result.ok
    assert {a.name: a.environment for a in result.org.accounts.values()} == {
        "identity": "identity",
        "shop-dev": "development",
        "shop-prod": "production",
        "data-dev": "sandbox",
        "data-prod": "production",
    }


def test_cli_errors_are_one_clear_line(
    hand_made: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    # No target accounts, and the emulator has no AWS Organizations organization.
    code, stdout, stderr = run(
        "import", "--target", "local", "--identity-account", IDENTITY, "--out", str(out)
    )
    assert (code, stdout) == (2, "")
    assert stderr.startswith(
        "jumpgate: error: no target accounts: give --accounts ID=NAME,... or --accounts-from DIR"
    )
    assert len(stderr.splitlines()) == 1
    code, _, stderr = _import(out, "--accounts", "12=x")
    assert (code, stderr) == (2, "jumpgate: error: --accounts: '12' is not a 12-digit account id\n")
    # The emulator is not running.
    monkeypatch.delenv("JUMPGATE_LOCAL_ENDPOINT")
    code, _, stderr = _import(out)
    assert (code, stderr) == (
        2,
        "jumpgate: error: the local emulator is not running: run `jumpgate local-aws up`\n",
    )
    # Nothing answers at the endpoint.
    monkeypatch.setenv("JUMPGATE_LOCAL_ENDPOINT", "http://127.0.0.1:9")
    code, _, stderr = _import(out)
    assert code == 2
    assert stderr.startswith(f"jumpgate: error: cannot read account {IDENTITY} (identity): ")
    assert len(stderr.splitlines()) == 1
    assert not out.exists()
    # The output folder must be new.
    out.mkdir()
    (out / "x").write_text("")
    monkeypatch.setenv("JUMPGATE_LOCAL_ENDPOINT", hand_made)
    code, _, stderr = _import(out)
    assert (code, stderr) == (
        2,
        f"jumpgate: error: {out} is not an empty folder; choose a new one\n",
    )
