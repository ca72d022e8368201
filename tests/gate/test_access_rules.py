"""Access rules (org/access-rules.yaml) through `jumpgate check`: each kind's violation, made
by editing a team file of the example as a user would, is reported at the grant that causes it
(file:line:col of its `access[i]` entry) with the exact message; a wrong rules file is reported
in the rules file; no rules file means no rules. Every kind has a failing case here, so
dropping any kind's check fails a test."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from helpers import TODAY, append, replace, run
from jumpgate.report import access as access_model

RULES = "org/access-rules.yaml"
Row = tuple[str, int, int, str, str]


def check(root: Path, *extra: str) -> tuple[int, list[dict[str, Any]]]:
    code, out, _ = run("check", "--root", str(root), "--today", TODAY, "--format", "json", *extra)
    findings: list[dict[str, Any]] = json.loads(out)
    return code, findings


def rule_rows(root: Path, prefix: str = "E45") -> tuple[int, list[Row]]:
    """`jumpgate check --format json`: exit code and the access rules' findings as rows."""
    code, findings = check(root)
    return code, [
        (f["path"], f["line"], f["column"], f["rule"], f["message"])
        for f in findings
        if f["rule"].startswith(prefix)
    ]


def test_the_example_organization_keeps_its_access_rules(org: Path) -> None:
    assert (org / RULES).is_file()
    assert check(org) == (0, [])


def test_owners_only_reports_cross_team_admin_at_the_grant(org: Path) -> None:
    append(org, "teams/bi.yaml", "  - who: [hana]\n    level: admin\n    accounts: [crm-dev]\n")
    code, found = check(org)
    assert code == 1
    assert found == [
        {
            "path": "teams/bi.yaml",
            "line": 22,
            "column": 5,
            "rule": "E451",
            "severity": "error",
            "message": "access rule 'admin-own-team-only': admin in crm-dev (team crm) for hana, "
            "not of the owning team",
            "hint": "grant it only to the owning team's people, or list the person in the rule's "
            "`except` (rule's reason: A team administers its own accounts; no cross-team admin.)",
        }
    ]


def test_owners_only_except_lists_accepted_people(org: Path) -> None:
    append(org, "teams/bi.yaml", "  - who: [hana]\n    level: admin\n    accounts: [crm-dev]\n")
    replace(org, RULES, "levels: [admin]\n\n", "levels: [admin]\n      except: [hana]\n\n")
    assert rule_rows(org) == (0, [])


def test_no_standing_reports_a_grant_that_lost_its_expiry(org: Path) -> None:
    replace(org, "teams/crm.yaml", "    expires: 2026-12-31\n", "")
    code, found = rule_rows(org)
    assert code == 1
    assert found == [
        (
            "teams/crm.yaml",
            35,
            5,
            "E452",
            "access rule 'no-standing-elevated-prod': standing admin (no expiry) in crm-prod "
            "for alice",
        )
    ]


def test_no_standing_ignores_an_expired_grant(org: Path) -> None:
    """The model evaluates the expiry condition: access that IAM already denies is no path."""
    replace(org, "teams/crm.yaml", "expires: 2026-12-31", "expires: 2026-11-01")
    assert rule_rows(org) == (0, [])


def test_required_reports_a_missing_prod_account_at_the_rule_and_the_team(org: Path) -> None:
    replace(org, "teams/it.yaml", "[it-prod, crm-prod, bi-prod, marketing-prod]", "[it-prod]")
    code, found = rule_rows(org)
    message = (
        "access rule 'security-audit-every-prod': no one of team it holds security-audit in "
        "bi-prod, crm-prod, marketing-prod"
    )
    assert code == 1
    assert found == [
        (RULES, 17, 5, "E453", message),
        ("teams/it.yaml", 12, 1, "E453", message),
    ]


def test_max_people_reports_every_grant_into_the_crowded_account(org: Path) -> None:
    replace(org, "teams/crm.yaml", "  - who: [alice]\n", "  - who: [alice, bob, carol, dmitri]\n")
    code, found = rule_rows(org)
    assert code == 1
    assert found == [
        (
            "teams/crm.yaml",
            35,
            5,
            "E454",
            "access rule 'few-prod-admins': 4 people hold admin in crm-prod "
            "(alice, bob, carol, dmitri), at most 3",
        )
    ]


def test_restricted_reports_an_outsider_reaching_the_account(org: Path) -> None:
    append(org, "teams/bi.yaml", "  - who: [hana]\n    level: readonly\n    accounts: [it-prod]\n")
    code, found = rule_rows(org)
    assert code == 1
    assert found == [
        (
            "teams/bi.yaml",
            22,
            5,
            "E455",
            "access rule 'it-prod-it-only': it-prod reached as readonly by hana, outside team it",
        )
    ]


def test_a_finding_keeps_the_exact_column_of_a_flow_style_grant(org: Path) -> None:
    append(org, "teams/bi.yaml", "  - {who: [hana], level: readonly, accounts: [it-prod]}\n")
    code, found = rule_rows(org)
    assert (code, [row[:4] for row in found]) == (1, [("teams/bi.yaml", 22, 5, "E455")])


@pytest.mark.parametrize(
    ("old", "new", "line", "column", "message"),
    [
        ("levels: [admin]\n\n", "levels: [root]\n\n", 9, 16, "unknown level 'root'"),
        ("team: it\n      level", "team: sec\n      level", 20, 13, "unknown team 'sec'"),
        ("level: security-audit", "level: crm/nope", 21, 14, "unknown level 'crm/nope'"),
        (
            "[prod]\n\n  - id: security",
            "[live]\n\n  - id: security",
            15,
            22,
            "unknown environment 'live'",
        ),
        ("accounts: [it-prod]", "accounts: [it-live]", 35, 18, "unknown account 'it-live'"),
    ],
)
def test_a_rule_naming_something_unknown_is_reported_in_the_rules_file(
    org: Path, old: str, new: str, line: int, column: int, message: str
) -> None:
    replace(org, RULES, old, new)
    code, found = rule_rows(org)
    rule_id = {9: "admin-own-team-only", 15: "no-standing-elevated-prod", 35: "it-prod-it-only"}
    name = rule_id.get(line, "security-audit-every-prod")
    assert (code, found) == (1, [(RULES, line, column, "E450", f"access rule {name!r}: {message}")])


def test_an_unknown_person_in_except_is_reported(org: Path) -> None:
    replace(
        org,
        RULES,
        "      accounts: [it-prod]\n",
        "      accounts: [it-prod]\n      except: [zed]\n",
    )
    assert rule_rows(org) == (
        1,
        [(RULES, 36, 16, "E450", "access rule 'it-prod-it-only': unknown person 'zed'")],
    )


def test_a_duplicate_rule_id_is_reported(org: Path) -> None:
    replace(org, RULES, "id: it-prod-it-only", "id: few-prod-admins")
    assert rule_rows(org) == (
        1,
        [(RULES, 31, 9, "E456", "access rule id 'few-prod-admins' is also used on line 24")],
    )


def test_a_schema_error_in_the_rules_file_is_reported_at_its_value(org: Path) -> None:
    replace(org, RULES, "max: 3", "max: three")
    assert rule_rows(org, "E") == (
        1,
        [(RULES, 28, 12, "E101", "rules/3/max_people/max: expected integer, got string")],
    )


def test_a_rule_of_no_known_kind_is_a_schema_error(org: Path) -> None:
    replace(org, RULES, "    restricted:\n", "    forbidden:\n")
    assert rule_rows(org, "E") == (
        1,
        [
            (
                RULES,
                31,
                5,
                "E101",
                "rules/4: needs one of: owners_only, no_standing, required, max_people, restricted",
            ),
            (RULES, 33, 5, "E101", "unknown key ('forbidden' was unexpected)"),
        ],
    )


def test_no_rules_file_means_no_rules_and_no_model(
    org: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (org / RULES).unlink()
    append(org, "teams/bi.yaml", "  - who: [hana]\n    level: readonly\n    accounts: [it-prod]\n")

    def not_needed(*args: object) -> list[object]:
        raise AssertionError("the access model is computed without access rules")

    monkeypatch.setattr("jumpgate.gate.access_rules.view.effective_access", not_needed)
    assert check(org) == (0, [])


def test_the_model_is_computed_once_for_all_rules(
    org: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = access_model.effective_access

    def counted(*args: Any) -> list[access_model.AccessPath]:
        calls.append(1)
        return real(*args)

    monkeypatch.setattr("jumpgate.gate.access_rules.view.effective_access", counted)
    assert check(org) == (0, [])
    assert calls == [1]


def test_access_rules_are_skipped_while_a_data_file_is_left_out(org: Path) -> None:
    """A team file with a schema error is not in the model: rules would only report what it
    lacks (here: security-audit in every prod account), so the file's own finding stands alone."""
    replace(org, "teams/it.yaml", "team: it\n", "team: it\nbogus: 1\n")
    code, found = check(org)
    assert code == 1
    assert {f["rule"] for f in found} == {"E101", "E204"}


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("text", "teams/bi.yaml:22:5: E455 access rule 'it-prod-it-only': it-prod reached"),
        ("junit", "E455"),
        ("sarif", '"ruleId": "E455"'),
    ],
)
def test_every_format_reports_access_rules(org: Path, fmt: str, expected: str) -> None:
    append(org, "teams/bi.yaml", "  - who: [hana]\n    level: readonly\n    accounts: [it-prod]\n")
    code, out, _ = run("check", "--root", str(org), "--today", TODAY, "--format", fmt)
    assert code == 1
    assert expected in out


def test_access_rule_findings_cannot_be_suppressed(org: Path) -> None:
    """Suppressions accept policy findings (E7xx/W7xx, the schema's pattern) in a team's own
    file; an organization rule's exceptions belong in org/access-rules.yaml (`except:`)."""
    append(
        org,
        "teams/bi.yaml",
        "  - who: [hana]\n    level: readonly\n    accounts: [it-prod]\n"
        "    suppress:\n      - {rule: E455, reason: yearly audit of it-prod}\n",
    )
    code, found = rule_rows(org, "E1")
    assert (code, found) == (
        1,
        [
            (
                "teams/bi.yaml",
                26,
                16,
                "E101",
                "access/3/suppress/0/rule: 'E455' does not match '^[EWI]7[0-9]{2}$'",
            )
        ],
    )
