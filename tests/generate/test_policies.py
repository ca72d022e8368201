"""Policy parity: the documents policies.py builds equal what cfn-policy-validator reads out of
the real templates with each stack's parameter file. This keeps templates and policies.py in
sync; the golden small organization adds the branches the example does not use
(RequireSourceIdentity, no RequireSessionName, no MFA age limit), and the example with 75 more
accounts the compact group policy form."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from helpers import GOLDEN_SMALL_ORG, REPO, TODAY, copy_org, manifest_stacks, parsed, run, write
from jumpgate.generate.policies import COMPACT, EXPLICIT, group_form, group_policy, trust_policy
from jumpgate.validate.flow import Result, validate
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
    assert group_form(group, "/jumpgate/") == EXPLICIT
    assert group_policy(group, "/jumpgate/") == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AssumeGrantedRolesWithMfa",
                "Effect": "Allow",
                "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
                "Resource": ["arn:aws:iam::107000000007:role/jumpgate/jumpgate-admin"],
                "Condition": {
                    "Bool": {"aws:MultiFactorAuthPresent": "true"},
                    "StringEqualsIfExists": {"sts:SourceIdentity": "${aws:username}"},
                    "DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"},
                },
            },
        ],
    }


@pytest.mark.parametrize("case", sorted(CASES))
def test_small_organizations_use_only_the_explicit_form(case: str) -> None:
    """The demo proves access under the emulator's IAM enforcement, which does not evaluate
    aws:ResourceAccount: it stays valid only while the example uses the explicit form."""
    result, _ = _result(case)
    forms = {group_form(g, result.org.path) for g in result.expansion.groups.values()}
    assert forms == {EXPLICIT}


def _large_grant_org(tmp_path: Path) -> Result:
    """The example with 75 more crm dev accounts: crm's admin and readonly grants (77 and 78
    roles) become compact; the rest stay explicit."""
    root = copy_org(REPO, tmp_path / "org")
    for n in range(75):
        write(
            root,
            f"accounts/crm-extra-{n:03}.yaml",
            f'id: "2000000{n:05}"\nenvironment: dev\nteam: crm\n',
        )
    code, _, err = run("render", "--root", str(root), "--today", TODAY)
    assert code == 0, err
    result = validate(root, dt.date.fromisoformat(TODAY))
    assert result.findings == []
    return result


def test_compact_group_policies_equal_the_template(tmp_path: Path) -> None:
    result = _large_grant_org(tmp_path)
    root = result.org.root
    stacks = _stacks(root, "identity-group")
    compact = [
        s
        for s in stacks
        if json.loads((root / s["parameter_file"]).read_text())["Parameters"]["AccountIds"]
    ]
    assert len(compact) == 2 and len(stacks) == len(result.expansion.groups)
    for stack in stacks:
        (group,) = parsed(root, stack)["Groups"]
        (policy,) = group["Policies"]
        built = group_policy(result.expansion.groups[group["GroupName"]], result.org.path)
        assert policy["Policy"] == built, stack["parameter_file"]
    group = result.expansion.groups["jumpgate-crm-admin-dev-staging"]
    assert group_form(group, "/jumpgate/") == COMPACT
    (statement,) = group_policy(group, "/jumpgate/")["Statement"]
    assert statement["Resource"] == "arn:aws:iam::*:role/jumpgate/jumpgate-admin"
    assert len(statement["Condition"]["StringEquals"]["aws:ResourceAccount"]) == 77


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
                    # prod: only people tagged with a strict group that reaches this role
                    "StringLike": {"aws:PrincipalTag/jumpgate:strict-groups": ["*:bca11707:*"]},
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
