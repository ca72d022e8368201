"""One file against its JSON Schema: E101 with a short message at the offending key or value,
and E102 when a team file's name and content disagree."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import append, replace, validate_rows
from jumpgate.model.schema import SCHEMA_NAMES, schema_dir


@pytest.mark.parametrize(
    ("rel", "old", "new", "expected"),
    [
        pytest.param(
            "accounts/crm-dev.yaml",
            "team: crm",
            "team: crm\nowner: bob",
            [(5, 1, "unknown key ('owner' was unexpected)")],
            id="unknown-key-points-at-key",
        ),
        pytest.param(
            "accounts/crm-dev.yaml",
            "environment: dev\n",
            "",
            [(2, 1, "the file: 'environment' is a required property")],
            id="missing-required-key",
        ),
        pytest.param(
            "accounts/crm-dev.yaml",
            'id: "105000000005"',
            'id: "10500000000"',
            [(2, 5, "id: '10500000000' does not match '^[0-9]{12}$'")],
            id="account-id-11-digits",
        ),
        pytest.param(
            "teams/crm.yaml",
            "  bob: {name: Bob Chen, email: bob@learnaws.example}",
            "  bob: {name: Bob Chen, email: bob-at-learnaws.example}",
            [
                (
                    6,
                    32,
                    "people/bob/email: 'bob-at-learnaws.example' does not match "
                    "'^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\\\.[A-Za-z]{2,}$'",
                )
            ],
            id="bad-email",
        ),
        pytest.param(
            "teams/crm.yaml",
            "    level: exports\n",
            "    level: [exports]\n",
            [(33, 12, "access/2/level: expected string, got list")],
            id="level-is-a-list",
        ),
        pytest.param(
            "teams/crm.yaml",
            "  - who: [carol]\n",
            "  - who: carol\n",
            [(32, 10, "access/2/who: 'carol' is not valid under any of the given schemas")],
            id="who-is-neither-all-nor-a-list",
        ),
        pytest.param(
            "teams/crm.yaml",
            "    environments: [prod]\n",
            "",
            [(32, 5, "access/2: needs one of: environments, accounts")],
            id="grant-without-scope",
        ),
        pytest.param(
            "teams/crm.yaml",
            "    reason: INC-4711 data migration\n",
            "    reason: x\n",
            [(39, 13, "access/3/reason: 'x' is too short")],
            id="reason-too-short",
        ),
        pytest.param(
            "teams/crm.yaml",
            "          Action: s3:ListBucket\n",
            "",
            [
                (
                    17,
                    11,
                    "permission_sets/exports/policy/Statement/0: needs one of: Action, NotAction",
                )
            ],
            id="statement-without-action",
        ),
        pytest.param(
            "teams/crm.yaml",
            "          Effect: Allow\n          Action: s3:ListBucket\n",
            "          Effect: allow\n          Action: s3:ListBucket\n",
            [
                (
                    18,
                    19,
                    "permission_sets/exports/policy/Statement/0/Effect: "
                    "'allow' is not one of ['Allow', 'Deny']",
                )
            ],
            id="effect-lowercase",
        ),
        pytest.param(
            "teams/crm.yaml",
            '      Version: "2012-10-17"\n',
            '      Version: "2008-10-17"\n',
            [
                (
                    15,
                    16,
                    "permission_sets/exports/policy/Version: '2012-10-17' was expected",
                )
            ],
            id="old-policy-version",
        ),
        pytest.param(
            "teams/crm.yaml",
            "  carol: {name",
            "  Carol: {name",
            [(7, 3, "people: 'Carol' does not match '^[a-z0-9][a-z0-9._-]{0,47}$'")],
            id="user-name-uppercase-points-at-key",
        ),
        pytest.param(
            "org/organization.yaml",
            "    max_session_seconds: 3600       # 1 h",
            "    max_session_seconds: 600",
            [
                (
                    23,
                    26,
                    "environments/prod/max_session_seconds: 600 is less than the minimum of 3600",
                )
            ],
            id="session-below-one-hour",
        ),
        pytest.param(
            "org/organization.yaml",
            "  sandbox:\n",
            "  identity:\n",
            [(13, 3, "environments: 'identity' should not be valid under {'const': 'identity'}")],
            id="environment-named-identity",
        ),
        pytest.param(
            "org/organization.yaml",
            "    managed_policies: [arn:aws:iam::aws:policy/SecurityAudit]\n",
            "",
            [(48, 5, "levels/security-audit: needs one of: managed_policies, policy")],
            id="level-without-policies",
        ),
        pytest.param(
            "teams/crm.yaml",
            "permission_sets:\n  exports:\n",
            "permission_sets:\n  exports:\n    max_session_seconds: 3600.5\n",
            [(13, 26, "permission_sets/exports/max_session_seconds: expected integer, got float")],
            id="float-for-integer",
        ),
        pytest.param(
            "org/organization.yaml",
            "  readonly:\n",
            "  nothing:\n  readonly:\n",
            [(37, 11, "levels/nothing: expected object, got nothing")],
            id="null-value",
        ),
        pytest.param(
            "org/organization.yaml",
            "region: eu-west-1",
            "region: Europe",
            [(5, 9, "region: 'Europe' does not match '^[a-z]{2}(-[a-z]+)+-[0-9]$'")],
            id="bad-region",
        ),
    ],
)
def test_schema_violation(
    org: Path, rel: str, old: str, new: str, expected: list[tuple[int, int, str]]
) -> None:
    replace(org, rel, old, new)
    code, found = validate_rows(org)
    assert code == 1
    assert [f for f in found if f[0] == rel] == [
        (rel, line, column, "E101", message) for line, column, message in expected
    ]


def test_invalid_team_file_is_left_out_and_its_references_fail(org: Path) -> None:
    replace(org, "teams/crm.yaml", "description: Customer", "descripton: Customer")
    assert validate_rows(org) == (
        1,
        [
            ("accounts/crm-dev.yaml", 4, 7, "E204", "unknown team 'crm'"),
            ("accounts/crm-prod.yaml", 4, 7, "E204", "unknown team 'crm'"),
            ("accounts/crm-staging.yaml", 4, 7, "E204", "unknown team 'crm'"),
            ("teams/crm.yaml", 3, 1, "E101", "unknown key ('descripton' was unexpected)"),
        ],
    )


def test_team_file_named_after_another_team(org: Path) -> None:
    (org / "teams" / "marketing.yaml").rename(org / "teams" / "mkt.yaml")
    code, found = validate_rows(org)
    assert code == 1
    assert [f for f in found if f[3] == "E102"] == [
        (
            "teams/mkt.yaml",
            2,
            7,
            "E102",
            "declares team 'marketing' but the file is named 'mkt.yaml'",
        )
    ]


def test_e102_hint_names_the_right_file(org: Path) -> None:
    from helpers import validate_json

    (org / "teams" / "bi.yaml").rename(org / "teams" / "b-i.yaml")
    _, findings = validate_json(org)
    assert [f["hint"] for f in findings if f["rule"] == "E102"] == [
        "rename the file to teams/bi.yaml"
    ]


def test_two_errors_in_one_file_are_both_reported(org: Path) -> None:
    append(org, "accounts/crm-dev.yaml", "owner: bob\n")
    replace(org, "accounts/crm-dev.yaml", "environment: dev", "environment: Dev")
    code, found = validate_rows(org)
    assert code == 1
    assert [f for f in found if f[0] == "accounts/crm-dev.yaml"] == [
        (
            "accounts/crm-dev.yaml",
            3,
            14,
            "E101",
            "environment: 'Dev' does not match '^[a-z][a-z0-9-]{0,15}$'",
        ),
        ("accounts/crm-dev.yaml", 5, 1, "E101", "unknown key ('owner' was unexpected)"),
    ]


def test_schemas_are_valid_draft_2020_12() -> None:
    import json

    from jsonschema import Draft202012Validator

    for name in SCHEMA_NAMES:
        Draft202012Validator.check_schema(
            json.loads((schema_dir() / f"{name}.schema.json").read_text(encoding="utf-8"))
        )


def test_every_data_file_names_its_schema_for_editors() -> None:
    from helpers import REPO

    for pattern, schema in (
        ("accounts/*.yaml", "account"),
        ("teams/*.yaml", "team"),
        ("org/organization.yaml", "organization"),
        ("org/access-rules.yaml", "access-rules"),
    ):
        for path in sorted(REPO.glob(pattern)):
            first = path.read_text(encoding="utf-8").splitlines()[0]
            assert first == f"# yaml-language-server: $schema=../schemas/{schema}.schema.json", path
