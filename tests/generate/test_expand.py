"""Expansion of the example organization: names, members, roles, stacks and their order."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from helpers import REPO, TODAY, replace
from jumpgate.generate.expand import expiry_instant, stack_slug, tag_value
from jumpgate.generate.expansion import Expansion
from jumpgate.validate.flow import Result, validate


@pytest.fixture(scope="module")
def example() -> Result:
    result = validate(REPO, dt.date.fromisoformat(TODAY))
    assert result.findings == []
    return result


@pytest.fixture(scope="module")
def exp(example: Result) -> Expansion:
    return example.expansion


def test_counts(exp: Expansion) -> None:
    assert (len(exp.users), len(exp.groups), len(exp.roles), len(exp.stacks)) == (23, 15, 27, 66)
    assert exp.identity is not None and exp.identity.name == "learnaws-identity"


def test_stages_follow_the_environments_and_sandbox_joins_dev(exp: Expansion) -> None:
    assert exp.stages == ["identity", "dev", "staging", "prod"]
    assert {s.stage for s in exp.stacks if s.account == "it-sandbox"} == {"dev"}


def test_deploy_order_baseline_groups_people_then_stages(exp: Expansion) -> None:
    kinds = [(s.stage, s.name.split("-")[1]) for s in exp.stacks]
    stages = [stage for stage, _ in kinds]
    assert stages == sorted(stages, key=exp.stages.index)
    assert kinds[0] == ("identity", "baseline")
    assert kinds[1:7] == [("identity", "group")] * 6
    assert {kind for stage, kind in kinds[7:] if stage != "prod"} == {"role"}
    # Behind the approval: the 9 groups that reach prod, and every person in one of them
    # (in the example, all 23 have prod read-only), then the prod roles.
    prod = [
        (s.account, kind)
        for s, (_, kind) in zip(exp.stacks, kinds, strict=True)
        if s.stage == "prod"
    ]
    assert prod[:9] == [("learnaws-identity", "group")] * 9
    assert prod[9:32] == [("learnaws-identity", "user")] * 23
    assert {kind for _, kind in prod[32:]} == {"role"}


def test_groups_reaching_prod_live_on_the_strict_path(exp: Expansion) -> None:
    paths = {
        s.parameters["GroupName"]: (s.stage, s.parameters["GroupPath"])
        for s in exp.stacks
        if "GroupPath" in s.parameters
    }
    assert paths["jumpgate-crm-admin-crm-prod"] == ("prod", "/jumpgate/strict/")
    assert paths["jumpgate-crm-readonly-dev-staging-prod"] == ("prod", "/jumpgate/strict/")
    assert paths["jumpgate-crm-admin-dev-staging"] == ("identity", "/jumpgate/")
    assert sum(path == "/jumpgate/strict/" for _, path in paths.values()) == 9


def test_group_names_and_members(exp: Expansion) -> None:
    crm_admin = exp.groups["jumpgate-crm-admin-dev-staging"]
    assert crm_admin.members == ("alice", "bob")
    assert [r.arn("/jumpgate/") for r in crm_admin.roles] == [
        "arn:aws:iam::105000000005:role/jumpgate/jumpgate-admin",
        "arn:aws:iam::106000000006:role/jumpgate/jumpgate-admin",
    ]
    assert crm_admin.expires_at is None
    # `group:` names the group; `who: all` is every person of the team, sorted.
    audit = exp.groups["jumpgate-it-security-audit-all-prod"]
    assert audit.members == ("emueller",)
    assert sorted(r.account for r in audit.roles) == [
        "bi-prod",
        "crm-prod",
        "it-prod",
        "marketing-prod",
    ]
    assert exp.groups["jumpgate-bi-readonly-dev-staging-prod"].members == (
        "hana",
        "ivan",
        "jade",
        "kofi",
        "lena",
        "mira",
    )


def test_cross_team_grant_reaches_the_named_account_only(exp: Expansion) -> None:
    group = exp.groups["jumpgate-bi-readonly-crm-prod"]
    assert [(r.account, r.name) for r in group.roles] == [("crm-prod", "jumpgate-readonly")]


def test_one_role_per_account_and_level_shared_by_grants(exp: Expansion) -> None:
    readonly = exp.roles[("crm-prod", "jumpgate-readonly")]
    users = [g for g in exp.groups.values() if readonly in g.roles]
    assert sorted(g.name for g in users) == [
        "jumpgate-bi-readonly-crm-prod",
        "jumpgate-crm-readonly-dev-staging-prod",
    ]


def test_roles_take_the_environment_session_and_mfa_age(exp: Expansion) -> None:
    prod = exp.roles[("crm-prod", "jumpgate-admin")]
    assert (prod.max_session_seconds, prod.mfa_max_age_seconds) == (3600, 3600)
    sandbox = exp.roles[("it-sandbox", "jumpgate-poweruser")]
    assert (sandbox.max_session_seconds, sandbox.mfa_max_age_seconds) == (43200, None)
    assert (sandbox.require_session_name, sandbox.require_source_identity) == (True, False)
    exports = exp.roles[("crm-prod", "jumpgate-crm-exports")]
    assert exports.level.team == "crm" and exports.level.managed_policies == ()


def test_time_bound_grant(exp: Expansion) -> None:
    group = exp.groups["jumpgate-crm-admin-crm-prod"]
    assert (group.members, group.expires_at) == (("alice",), "2027-01-01T00:00:00Z")


def test_person_in_two_teams_is_one_user(exp: Expansion) -> None:
    mira = exp.users["mira"]
    assert mira.teams == ["bi", "marketing"]
    assert sorted(mira.groups) == [
        "jumpgate-bi-readonly-crm-prod",
        "jumpgate-bi-readonly-dev-staging-prod",
        "jumpgate-marketing-poweruser-staging",
        "jumpgate-marketing-readonly-prod",
    ]
    stack = next(s for s in exp.stacks if s.name == "jumpgate-user-mira")
    assert stack.parameters["Teams"] == "bi marketing"
    assert stack.depends_on == (
        "jumpgate-baseline",
        "jumpgate-group-bi-readonly-crm-prod",
        "jumpgate-group-bi-readonly-dev-staging-prod",
        "jumpgate-group-marketing-poweruser-staging",
        "jumpgate-group-marketing-readonly-prod",
    )


def test_role_stack_parameters(exp: Expansion) -> None:
    stack = next(
        s for s in exp.stacks if s.account == "it-sandbox" and s.name == "jumpgate-role-poweruser"
    )
    assert stack.parameters == {
        "RoleName": "jumpgate-poweruser",
        "Path": "/jumpgate/",
        "IdentityAccountId": "100000000001",
        "PeoplePath": "/jumpgate/",
        "MaxSessionDuration": "43200",
        "MfaMaxAgeSeconds": "0",
        "RequireSessionName": "true",
        "RequireSourceIdentity": "false",
        "ManagedPolicyArns": "arn:aws:iam::aws:policy/PowerUserAccess",
        "PermissionsBoundary": "",
        "CustomPolicy": "",
        "TrustedStrictGroups": "",  # not a strict environment: the trust tests no tag
    }
    assert stack.template == "cloudformation/templates/target-role.yaml"
    assert stack.parameter_file == (
        "cloudformation/parameters/it-sandbox/jumpgate-role-poweruser.json"
    )
    assert (stack.region, stack.account_id, stack.stage) == ("eu-west-1", "114000000014", "dev")


def test_custom_policy_is_minified_json(exp: Expansion) -> None:
    stack = next(
        s for s in exp.stacks if s.account == "crm-prod" and s.name == "jumpgate-role-crm-exports"
    )
    assert stack.parameters["CustomPolicy"] == (
        '{"Version":"2012-10-17","Statement":[{"Sid":"ListExportBucket","Effect":"Allow",'
        '"Action":"s3:ListBucket","Resource":"arn:aws:s3:::learnaws-crm-exports"},'
        '{"Sid":"ReadWriteExports","Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],'
        '"Resource":"arn:aws:s3:::learnaws-crm-exports/*"}]}'
    )
    assert stack.parameters["ManagedPolicyArns"] == ""
    assert stack.tags == {
        "jumpgate:managed-by": "jumpgate",
        "jumpgate:organization": "learnaws",
        "jumpgate:level": "exports",
        "jumpgate:team": "crm",
    }


@pytest.mark.parametrize(
    ("expires", "instant"),
    [
        ("2026-12-31", "2027-01-01T00:00:00Z"),
        ("2028-02-28", "2028-02-29T00:00:00Z"),
        ("2027-02-28", "2027-03-01T00:00:00Z"),
        ("2026-11-30", "2026-12-01T00:00:00Z"),
    ],
)
def test_expiry_is_the_first_instant_after_the_last_day(expires: str, instant: str) -> None:
    assert expiry_instant(expires) == instant


def test_tag_value_and_stack_slug() -> None:
    assert tag_value("Zoë O'Brien, Jr.") == "Zoë O-Brien- Jr."
    assert tag_value("x" * 300) == "x" * 256
    assert stack_slug("jumpgate-user-j.doe_2") == "jumpgate-user-j-doe-2"


def test_a_grant_that_reaches_no_account_makes_no_group(org: Path) -> None:
    replace(
        org,
        "teams/crm.yaml",
        "    level: exports\n    environments: [prod]",
        "    level: exports\n    environments: [sandbox]",
    )
    result = validate(org, dt.date.fromisoformat(TODAY))
    assert [f.rule_id for f in result.findings] == ["W211"]
    assert not any("exports" in name for name in result.expansion.groups)
    assert ("crm-prod", "jumpgate-crm-exports") not in result.expansion.roles
    assert result.expansion.users["carol"].groups == ["jumpgate-crm-readonly-dev-staging-prod"]


def test_renaming_a_grant_group_keeps_users_and_roles(org: Path) -> None:
    before = validate(org, dt.date.fromisoformat(TODAY)).expansion
    replace(org, "teams/it.yaml", "group: security-audit-all-prod", "group: audit-prod")
    after = validate(org, dt.date.fromisoformat(TODAY)).expansion
    assert set(after.users) == set(before.users)
    assert set(after.roles) == set(before.roles)
    assert set(before.groups) - set(after.groups) == {"jumpgate-it-security-audit-all-prod"}
    assert set(after.groups) - set(before.groups) == {"jumpgate-it-audit-prod"}


def test_invalid_calendar_date_is_a_finding_not_a_crash(org: Path) -> None:
    replace(org, "teams/crm.yaml", "expires: 2026-12-31", "expires: '2026-02-30'")
    result = validate(org, dt.date.fromisoformat(TODAY))
    assert [(f.rule_id, f.message) for f in result.findings] == [
        ("E101", "expires: '2026-02-30' is not a valid date")
    ]
    assert result.expansion.groups["jumpgate-crm-admin-crm-prod"].expires_at is None
