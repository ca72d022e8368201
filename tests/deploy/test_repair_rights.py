"""The deployers may make every call `deploy --repair` makes, on jumpgate's own resources only:
bootstrap.yaml's policies evaluated (as tests/templates/test_security_boundary.py does), for
the pre-approval deployer of a dev account and of the identity account, and the strict deployer
of a prod account and of the identity account."""

from __future__ import annotations

from pathlib import Path

import pytest

from jumpgate.report.iam_eval import ALLOW, DENY, decide
from templates.cfn_resolve import Role, Stack, load

BOOTSTRAP = Path(__file__).resolve().parents[2] / "cloudformation" / "pipeline" / "bootstrap.yaml"
IDENTITY, DEV, PROD = "100000000001", "105000000005", "107000000007"

AWS_MANAGED = "arn:aws:iam::aws:policy/ReadOnlyAccess"
FORCE_MFA = f"arn:aws:iam::{IDENTITY}:policy/jumpgate/jumpgate-force-mfa"
# verify/repairs.py: each repair's IAM call (its action), on a role of a target account
ROLE_REPAIRS = (
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
    "iam:AttachRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
)
GROUP_REPAIRS = (
    "iam:PutGroupPolicy",
    "iam:DeleteGroupPolicy",
    "iam:AttachGroupPolicy",
    "iam:DetachGroupPolicy",
    "iam:AddUserToGroup",
    "iam:RemoveUserFromGroup",
)
USER_REPAIRS = ("iam:TagUser", "iam:DeleteUserPolicy", "iam:DetachUserPolicy")
# a deleted role, group or user: its stack is deleted and created again
STACK_CALLS = (
    "cloudformation:DeleteStack",
    "cloudformation:CreateChangeSet",
    "cloudformation:ExecuteChangeSet",
    "cloudformation:DescribeStacks",
)


def deployer(account: str, key: str, strict: bool = False) -> Role:
    params = {"IdentityAccountId": IDENTITY, "Strict": str(strict).lower()}
    role = Stack(load(str(BOOTSTRAP)), params, account).role(key)
    assert role is not None
    return role


def can(role: Role, action: str, resource: str, **context: str) -> str:
    """The deployer's own policies' answer (context keys as iam_PolicyARN → iam:policyarn)."""
    ctx = {
        "aws:principalarn": role.arn,
        **{k.replace("_", ":").lower(): v for k, v in context.items()},
    }
    return decide(role.policies, action, resource, ctx)


@pytest.mark.parametrize(
    ("account", "key", "strict"),
    [(DEV, "DeployerRole", False), (PROD, "StrictDeployerRole", True)],
)
def test_target_deployers_may_repair_jumpgate_roles_only(
    account: str, key: str, strict: bool
) -> None:
    role = deployer(account, key, strict)
    mine = f"arn:aws:iam::{account}:role/jumpgate/jumpgate-admin"
    theirs = f"arn:aws:iam::{account}:role/app/admin"
    for action in ROLE_REPAIRS:
        assert can(role, action, mine, iam_PolicyARN=AWS_MANAGED) == ALLOW, action
        assert can(role, action, theirs, iam_PolicyARN=AWS_MANAGED) != ALLOW, action
        assert can(role, action, role.arn, iam_PolicyARN=AWS_MANAGED) == DENY, action
    stack = f"arn:aws:cloudformation:eu-west-1:{account}:stack/jumpgate-role-admin/1"
    other = f"arn:aws:cloudformation:eu-west-1:{account}:stack/app/1"
    for action in STACK_CALLS:
        assert can(role, action, stack) == ALLOW, action
        if action != "cloudformation:DescribeStacks":  # listing every stack needs "*"
            assert can(role, action, other) != ALLOW, action


@pytest.mark.parametrize("key", ["DeployerRole", "StrictDeployerRole"])
def test_identity_deployers_may_repair_jumpgate_people_and_groups_only(key: str) -> None:
    role = deployer(IDENTITY, key)
    group = f"arn:aws:iam::{IDENTITY}:group/jumpgate/jumpgate-crm-admin-dev-staging"
    for action in GROUP_REPAIRS:
        assert can(role, action, group, iam_PolicyARN=FORCE_MFA) == ALLOW, action
        elsewhere = f"arn:aws:iam::{IDENTITY}:group/ops/admins"
        assert can(role, action, elsewhere, iam_PolicyARN=FORCE_MFA) != ALLOW, action
    # never a managed policy but force-MFA on a group
    assert can(role, "iam:AttachGroupPolicy", group, iam_PolicyARN=AWS_MANAGED) != ALLOW
    # a user missing from the path is looked for on every path before its stack is recreated
    assert can(role, "iam:ListUsers", "*") == ALLOW
    for action in USER_REPAIRS:
        user = f"arn:aws:iam::{IDENTITY}:user/jumpgate/alice"
        assert can(role, action, user, iam_PolicyARN=AWS_MANAGED) == ALLOW, action
        outsider = f"arn:aws:iam::{IDENTITY}:user/ops/outsider"
        assert can(role, action, outsider, iam_PolicyARN=AWS_MANAGED) != ALLOW, action


def test_only_the_strict_deployer_may_repair_a_prod_reaching_group() -> None:
    """Widening repairs of a strict group wait for the approval; narrowing ones need not."""
    strict = f"arn:aws:iam::{IDENTITY}:group/jumpgate/strict/jumpgate-crm-readonly-dev-staging-prod"
    pre, post = deployer(IDENTITY, "DeployerRole"), deployer(IDENTITY, "StrictDeployerRole")
    for action in GROUP_REPAIRS:
        assert can(post, action, strict, iam_PolicyARN=FORCE_MFA) == ALLOW, action
        expected = ALLOW if action == "iam:RemoveUserFromGroup" else DENY
        assert can(pre, action, strict, iam_PolicyARN=FORCE_MFA) == expected, action
