"""Policy parity: the documents policies.py builds equal what cfn-policy-validator reads out of
the real templates with each stack's parameter file. This keeps templates and policies.py in
sync; the golden small organization adds the branches the example does not use
(RequireSourceIdentity, no RequireSessionName, no MFA age limit)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from helpers import GOLDEN_SMALL_ORG, REPO, TODAY, manifest_stacks, parsed
from jumpgate.pipeline import Result, validate
from jumpgate.policies import group_policy, trust_policy
from refresh_golden import GOLDEN_TODAY

CASES = {
    "example": (REPO, REPO, dt.date.fromisoformat(TODAY)),
    "golden": (GOLDEN_SMALL_ORG.parent / "input", GOLDEN_SMALL_ORG, GOLDEN_TODAY),
}


def _result(case: str) -> tuple[Result, Path]:
    data, rendered, today = CASES[case]
    result = validate(data, today)
    assert result.findings == []
    return result, rendered


def _stacks(rendered: Path, template: str) -> list[dict[str, Any]]:
    return [s for s in manifest_stacks(rendered) if s["template"].endswith(f"/{template}.yaml")]


@pytest.mark.parametrize("case", sorted(CASES))
def test_group_policies_equal_the_template(case: str) -> None:
    result, rendered = _result(case)
    stacks = _stacks(rendered, "identity-group")
    assert len(stacks) == len(result.expansion.groups)
    for stack in stacks:
        (group,) = parsed(rendered, stack)["Groups"]
        (policy,) = group["Policies"]
        built = group_policy(result.expansion.groups[group["GroupName"]], result.org.path)
        assert policy["Policy"] == built, stack["parameter_file"]


@pytest.mark.parametrize("case", sorted(CASES))
def test_trust_policies_equal_the_template(case: str) -> None:
    result, rendered = _result(case)
    exp = result.expansion
    assert exp.identity is not None
    stacks = _stacks(rendered, "target-role")
    assert len(stacks) == len(exp.roles)
    for stack in stacks:
        (role,) = parsed(rendered, stack)["Roles"]
        built = trust_policy(
            exp.roles[(stack["account"], role["RoleName"])], exp.identity.id, result.org.path
        )
        assert role["TrustPolicy"] == built, stack["parameter_file"]


@pytest.mark.parametrize("case", sorted(CASES))
def test_role_policies_equal_the_level(case: str) -> None:
    result, rendered = _result(case)
    for stack in _stacks(rendered, "target-role"):
        (role,) = parsed(rendered, stack)["Roles"]
        level = result.expansion.roles[(stack["account"], role["RoleName"])].level
        assert [p["Name"] for p in role["Policies"] if p["IsAWSManagedPolicy"]] == [
            arn.rsplit("/", 1)[1] for arn in level.managed_policies
        ]
        custom = [p["Policy"] for p in role["Policies"] if not p["IsAWSManagedPolicy"]]
        assert custom == ([level.policy] if level.policy else []), stack["parameter_file"]


def test_the_parity_covers_every_trust_policy_shape() -> None:
    """Between them, the two organizations exercise every branch of trust_policy()."""
    shapes = set()
    for case in CASES:
        result, _ = _result(case)
        for role in result.expansion.roles.values():
            shapes.add(
                (
                    role.mfa_max_age_seconds is not None,
                    role.require_session_name,
                    role.require_source_identity,
                )
            )
    assert {s[0] for s in shapes} == {True, False}
    assert {s[1] for s in shapes} == {True, False}
    assert {s[2] for s in shapes} == {True, False}


def test_group_policy_of_a_time_bound_grant() -> None:
    result, _ = _result("example")
    group = result.expansion.groups["jumpgate-crm-admin-crm-prod"]
    assert group_policy(group, "/jumpgate/") == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AssumeGrantedRolesWithMfa",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": ["arn:aws:iam::107000000007:role/jumpgate/jumpgate-admin"],
                "Condition": {
                    "Bool": {"aws:MultiFactorAuthPresent": "true"},
                    "DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"},
                },
            },
            {
                "Sid": "SourceIdentityIsOwnUserName",
                "Effect": "Allow",
                "Action": "sts:SetSourceIdentity",
                "Resource": ["arn:aws:iam::107000000007:role/jumpgate/jumpgate-admin"],
                "Condition": {
                    "StringEquals": {"sts:SourceIdentity": "${aws:username}"},
                    "DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"},
                },
            },
        ],
    }


def test_trust_policy_requiring_source_identity() -> None:
    result, _ = _result("golden")
    exp = result.expansion
    assert exp.identity is not None
    role = exp.roles[("app-prod", "sc-admin")]
    people = "arn:aws:iam::300000000000:user/sc/*"
    root = "arn:aws:iam::300000000000:root"
    assert trust_policy(role, exp.identity.id, "/sc/") == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PeopleOfIdentityAccountWithMfa",
                "Effect": "Allow",
                "Principal": {"AWS": root},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "Bool": {"aws:MultiFactorAuthPresent": "true"},
                    "NumericLessThan": {"aws:MultiFactorAuthAge": "900"},
                    "StringEquals": {"sts:RoleSessionName": "${aws:username}"},
                    "ArnLike": {"aws:PrincipalArn": people},
                },
            },
            {
                "Sid": "SourceIdentityIsOwnUserName",
                "Effect": "Allow",
                "Principal": {"AWS": root},
                "Action": "sts:SetSourceIdentity",
                "Condition": {
                    "StringEquals": {"sts:SourceIdentity": "${aws:username}"},
                    "ArnLike": {"aws:PrincipalArn": people},
                },
            },
            {
                "Sid": "SourceIdentityRequired",
                "Effect": "Deny",
                "Principal": {"AWS": root},
                "Action": "sts:AssumeRole",
                "Condition": {"Null": {"sts:SourceIdentity": "true"}},
            },
        ],
    }
