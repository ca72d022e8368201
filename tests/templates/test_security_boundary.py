"""The security boundary of the pipeline templates, proven by evaluating their policies (the
templates resolved as CloudFormation would in one account, then jumpgate.report.iam_eval):
stage isolation around the prod approval, the deployers' least privilege, the SCP, the
approvers. Nothing here reads a policy as text."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from cfn_resolve import Role, Stack, load

from jumpgate.report.iam_eval import ALLOW, DENY, IMPLICIT, decide

ROOT = Path(__file__).resolve().parents[2]
PIPELINE = ROOT / "cloudformation" / "pipeline"
IDENTITY, DEV, PROD = "100000000001", "105000000005", "107000000007"
PRE = f"arn:aws:iam::{IDENTITY}:role/jumpgate-pipeline/jumpgate-pipeline-deploy"
POST = f"arn:aws:iam::{IDENTITY}:role/jumpgate-pipeline/jumpgate-pipeline-deploy-strict"
EXEC_ROLE = "stacksets-exec-0123456789abcdef0123456789abcdef"
APPROVER = f"arn:aws:iam::{IDENTITY}:user/jumpgate/alice"
FULL_ACCESS = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


@cache
def template(name: str) -> dict[str, Any]:
    return load(str(PIPELINE / name))


def bootstrap(account: str, strict: bool = False) -> Stack:
    params = {"IdentityAccountId": IDENTITY, "Strict": str(strict).lower()}
    return Stack(template("bootstrap.yaml"), params, account)


def pipeline() -> Stack:
    params = {
        "OrganizationId": "o-abcdefghij",
        "ConnectionArn": "arn:aws:codeconnections:eu-west-1:100000000001:connection/0a-1",
        "ApproverUserNames": "alice,bob",
    }
    return Stack(template("pipeline.yaml"), params, IDENTITY)


def pipeline_role(key: str) -> Role:
    role = pipeline().role(key)
    assert role is not None
    return role


def deployer(account: str, key: str, strict: bool = False) -> Role | None:
    return bootstrap(account, strict).role(key)


def can(role: Role, action: str, resource: str, **context: str) -> str:
    ctx = {
        "aws:principalarn": role.arn,
        **{k.replace("_", ":").lower(): v for k, v in context.items()},
    }
    return decide(role.policies, action, resource, ctx)


def trusts(role: Role, principal: str) -> str:
    ctx = {"aws:principalarn": principal}
    return decide([role.trust], "sts:AssumeRole", role.arn, ctx, principal_account=IDENTITY)


def strict_groups() -> list[str]:
    """Every group of the example organization that reaches prod, as its ARN."""
    manifest = json.loads((ROOT / "cloudformation" / "manifest.json").read_text())
    arns = []
    for stack in manifest["stacks"]:
        if stack["template"].endswith("identity-group.yaml"):
            values = json.loads((ROOT / stack["parameter_file"]).read_text())["Parameters"]
            if values["GroupPath"] == "/jumpgate/strict/":
                assert stack["stage"] == "prod", stack["name"]
                arns.append(f"arn:aws:iam::{IDENTITY}:group/jumpgate/strict/{values['GroupName']}")
    return arns


# ----------------------------------------------------------------------------- stage isolation


def test_each_side_of_the_approval_has_its_own_build_and_role() -> None:
    projects = pipeline().resources("AWS::CodeBuild::Project")
    roles = {k: p["ServiceRole"] for k, p in projects.items()}
    assert roles == {
        "ValidateProject": PRE.replace("-deploy", "-validate"),
        "DeployProject": PRE,
        "StrictDeployProject": POST,
    }
    (pipe,) = pipeline().resources("AWS::CodePipeline::Pipeline").values()
    used = {
        stage["Name"]: action["Configuration"].get("ProjectName")
        for stage in pipe["Stages"]
        for action in stage["Actions"]
        if action["ActionTypeId"]["Category"] == "Build"
    }
    assert used == {
        "Validate": "jumpgate-pipeline-validate",
        "Identity": "jumpgate-pipeline-deploy",
        "Dev": "jumpgate-pipeline-deploy",
        "Staging": "jumpgate-pipeline-deploy",
        "Prod": "jumpgate-pipeline-deploy-strict",
    }
    assert [s["Name"] for s in pipe["Stages"]][-2:] == ["ApproveProd", "Prod"]


def test_the_pre_approval_role_cannot_assume_a_prod_deployer() -> None:
    pre, post = pipeline_role("DeployRole"), pipeline_role("StrictDeployRole")
    strict_deployer = f"arn:aws:iam::{PROD}:role/jumpgate/jumpgate-strict-deployer"
    dev_deployer = f"arn:aws:iam::{DEV}:role/jumpgate/jumpgate-deployer"
    identity_strict = f"arn:aws:iam::{IDENTITY}:role/jumpgate/jumpgate-strict-deployer"
    assert can(pre, "sts:AssumeRole", dev_deployer) == ALLOW
    assert can(pre, "sts:AssumeRole", strict_deployer) == DENY
    assert can(pre, "sts:AssumeRole", identity_strict) == DENY
    assert can(post, "sts:AssumeRole", strict_deployer) == ALLOW
    assert can(post, "sts:AssumeRole", dev_deployer) == IMPLICIT
    # and from the other side: a prod account has only the strict deployer, trusting only
    # the post-approval role
    assert deployer(PROD, "DeployerRole", strict=True) is None
    prod = deployer(PROD, "StrictDeployerRole", strict=True)
    assert prod is not None
    assert trusts(prod, PRE) == IMPLICIT
    assert trusts(prod, POST) == ALLOW
    assert trusts(prod, f"arn:aws:iam::{IDENTITY}:user/jumpgate/alice") == IMPLICIT
    assert deployer(DEV, "StrictDeployerRole") is None
    dev = deployer(DEV, "DeployerRole")
    assert dev is not None and trusts(dev, PRE) == ALLOW and trusts(dev, POST) == IMPLICIT


MUTATIONS = (
    "iam:PutGroupPolicy",
    "iam:DeleteGroupPolicy",
    "iam:AttachGroupPolicy",
    "iam:DetachGroupPolicy",
    "iam:AddUserToGroup",
    "iam:CreateGroup",
    "iam:DeleteGroup",
    "iam:UpdateGroup",
)


def test_the_pre_approval_deployer_cannot_change_a_prod_reaching_group() -> None:
    pre = deployer(IDENTITY, "DeployerRole")
    post = deployer(IDENTITY, "StrictDeployerRole")
    assert pre is not None and post is not None
    assert trusts(pre, PRE) == ALLOW and trusts(pre, POST) == IMPLICIT
    assert trusts(post, POST) == ALLOW and trusts(post, PRE) == IMPLICIT
    groups = strict_groups()
    assert len(groups) == 9
    force_mfa = f"arn:aws:iam::{IDENTITY}:policy/jumpgate/jumpgate-force-mfa"
    for group in groups:
        for action in MUTATIONS:
            assert can(pre, action, group, iam_PolicyARN=force_mfa) == DENY, (action, group)
            assert can(post, action, group, iam_PolicyARN=force_mfa) == ALLOW, (action, group)
        # taking someone out of a prod group only narrows access: allowed before approval
        assert can(pre, "iam:RemoveUserFromGroup", group) == ALLOW
    dev_group = f"arn:aws:iam::{IDENTITY}:group/jumpgate/jumpgate-crm-admin-dev-staging"
    for action in MUTATIONS:
        assert can(pre, action, dev_group, iam_PolicyARN=force_mfa) == ALLOW, action


STRICT_TAG_CASES = ("jumpgate:strict-groups", "JUMPGATE:STRICT-GROUPS", "Jumpgate:Strict-Groups")


def tagging(role: Role, action: str, user: str, keys: tuple[str, ...]) -> str:
    """`action` on `user` with a request carrying these tag keys (aws:TagKeys, multivalued)."""
    context = {"aws:principalarn": role.arn, "aws:tagkeys": keys}
    return decide(role.policies, action, user, context)


def test_only_the_post_approval_deployer_may_tag_people_with_strict_groups() -> None:
    """Prod roles' trust admits only people whose jumpgate:strict-groups tag names a strict
    group reaching them: code before the approval can neither set that tag nor create a user
    with it (any case: IAM tag keys are case-insensitive); it may still remove it."""
    pre = deployer(IDENTITY, "DeployerRole")
    post = deployer(IDENTITY, "StrictDeployerRole")
    assert pre is not None and post is not None
    alice = f"arn:aws:iam::{IDENTITY}:user/jumpgate/alice"
    elsewhere = f"arn:aws:iam::{IDENTITY}:user/elsewhere/mallory"
    for key in STRICT_TAG_CASES:
        for action in ("iam:TagUser", "iam:CreateUser"):
            assert tagging(pre, action, alice, ("jumpgate:name", key)) == DENY, (action, key)
            assert tagging(pre, action, elsewhere, (key,)) == DENY, (action, key)
            assert tagging(post, action, alice, ("jumpgate:name", key)) == ALLOW, (action, key)
        assert tagging(pre, "iam:UntagUser", alice, (key,)) == ALLOW, key
    # every other tag, and a user without tags, as before
    for action in ("iam:TagUser", "iam:CreateUser"):
        assert tagging(pre, action, alice, ("jumpgate:name", "jumpgate:teams")) == ALLOW
        assert tagging(pre, action, alice, ()) == ALLOW
    assert decide(pre.policies, "iam:CreateUser", alice, {"aws:principalarn": pre.arn}) == ALLOW


# ----------------------------------------------------------------------------- least privilege


@pytest.mark.parametrize("key", ["DeployerRole", "StrictDeployerRole"])
def test_identity_deployers_are_least_privileged(key: str) -> None:
    role = deployer(IDENTITY, key)
    assert role is not None
    group = f"arn:aws:iam::{IDENTITY}:group/jumpgate/jumpgate-crm-admin-dev-staging"
    user = f"arn:aws:iam::{IDENTITY}:user/jumpgate/alice"
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    other = f"arn:aws:iam::{IDENTITY}:policy/jumpgate/something-else"
    assert can(role, "iam:AttachGroupPolicy", group, iam_PolicyARN=admin) == IMPLICIT
    assert can(role, "iam:AttachGroupPolicy", group, iam_PolicyARN=other) == IMPLICIT
    for action in ("iam:AttachUserPolicy", "iam:PutUserPolicy", "iam:CreateAccessKey"):
        assert can(role, action, user, iam_PolicyARN=admin) == IMPLICIT, action
    assert can(role, "iam:CreateLoginProfile", user) == IMPLICIT
    assert can(role, "iam:CreateUser", user) == ALLOW
    assert can(role, "iam:CreateUser", f"arn:aws:iam::{IDENTITY}:user/elsewhere/alice") == IMPLICIT
    # no role in the identity account: an admin role there would walk around everything
    assert can(role, "iam:CreateRole", f"arn:aws:iam::{IDENTITY}:role/jumpgate/x") == IMPLICIT
    # never itself, nor the policies it holds
    for action in ("iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:AttachRolePolicy"):
        assert can(role, action, role.arn, iam_PolicyARN=admin) != ALLOW, action
    for policy in ("jumpgate-deploy", "jumpgate-deploy-people"):
        arn = f"arn:aws:iam::{IDENTITY}:policy/jumpgate-bootstrap/{policy}"
        assert can(role, "iam:CreatePolicyVersion", arn) == IMPLICIT
    stack = f"arn:aws:cloudformation:eu-west-1:{IDENTITY}:stack/other-app/1"
    assert can(role, "cloudformation:UpdateStack", stack) == IMPLICIT


@pytest.mark.parametrize(
    ("account", "key", "strict"),
    [
        (IDENTITY, "DeployerRole", False),
        (IDENTITY, "StrictDeployerRole", False),
        (DEV, "DeployerRole", False),
        (PROD, "StrictDeployerRole", True),
    ],
)
def test_deployers_cannot_assume_any_role(account: str, key: str, strict: bool) -> None:
    """A role the deployer may change (role/jumpgate/*) could be made to trust it: it must
    never be able to assume one (the gate's E710 holds it to this)."""
    role = deployer(account, key, strict)
    assert role is not None
    targets = [
        f"arn:aws:iam::{account}:role/jumpgate/jumpgate-admin",
        f"arn:aws:iam::{account}:role/jumpgate/jumpgate-deployer",
        f"arn:aws:iam::{PROD}:role/jumpgate/jumpgate-strict-deployer",
        f"arn:aws:iam::{DEV}:role/app/anything",
        "arn:aws:iam::999999999999:role/outside",
    ]
    for action in ("sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity"):
        for target in targets:
            assert can(role, action, target) == DENY, (action, target)


def test_target_deployers_manage_roles_on_jumpgate_path_only() -> None:
    role = deployer(PROD, "StrictDeployerRole", strict=True)
    assert role is not None
    mine = f"arn:aws:iam::{PROD}:role/jumpgate/jumpgate-admin"
    assert can(role, "iam:CreateRole", mine) == ALLOW
    assert can(role, "iam:CreateRole", f"arn:aws:iam::{PROD}:role/app/admin") == IMPLICIT
    customer = f"arn:aws:iam::{PROD}:policy/team/anything"
    assert can(role, "iam:AttachRolePolicy", mine, iam_PolicyARN=customer) == IMPLICIT
    assert can(role, "iam:UpdateAssumeRolePolicy", role.arn) == DENY
    assert can(role, "iam:CreateUser", f"arn:aws:iam::{PROD}:user/jumpgate/x") == IMPLICIT


# ----------------------------------------------------------------------------- SCP


def scp(prefix: str = "jumpgate", partition: str = "aws", approvers: int = 2) -> dict[str, Any]:
    users = ",".join(
        f"arn:{partition}:iam::{IDENTITY}:user/{prefix}/approver{i:02}" for i in range(approvers)
    )
    params = {
        "Prefix": prefix,
        "StackSetExecutionRoleName": EXEC_ROLE,
        "ApproverArns": APPROVER if approvers == 2 else users,
        "TargetIds": "r-abcd",
    }
    stack = Stack(template("scp.yaml"), params, "000000000000", partition=partition)
    (policy,) = stack.resources("AWS::Organizations::Policy").values()
    document: dict[str, Any] = policy["Content"]
    return document


def under_scp(principal: str, action: str, resource: str) -> str:
    """An account admin's request (AdministratorAccess-like policy) under the SCP."""
    ctx = {"aws:principalarn": principal}
    return decide([FULL_ACCESS, scp()], action, resource, ctx)


ADMIN = f"arn:aws:iam::{PROD}:role/AccountAdmin"


def test_scp_has_no_wildcard_exemption_an_admin_can_create() -> None:
    # An admin may make a role named like the StackSets one, but it is not exempt.
    target = f"arn:aws:iam::{PROD}:role/jumpgate/jumpgate-admin"
    for name in ("stacksets-exec-mine", "stacksets-exec-0123456789abcdef0123456789abcdee"):
        lookalike = f"arn:aws:iam::{PROD}:role/{name}"
        assert under_scp(lookalike, "iam:UpdateAssumeRolePolicy", target) == DENY
        assert (
            under_scp(lookalike, "iam:CreateRole", f"arn:aws:iam::{PROD}:role/jumpgate/x") == DENY
        )
    # and the real one cannot be made, nor remade, by anyone else
    assert under_scp(ADMIN, "iam:CreateRole", f"arn:aws:iam::{PROD}:role/{EXEC_ROLE}") == DENY


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("iam:UpdateAssumeRolePolicy", f"arn:aws:iam::{PROD}:role/jumpgate/jumpgate-admin"),
        ("iam:AttachRolePolicy", f"arn:aws:iam::{PROD}:role/jumpgate/jumpgate-readonly"),
        ("iam:DeleteRole", f"arn:aws:iam::{PROD}:role/jumpgate/jumpgate-strict-deployer"),
        ("iam:CreateRole", f"arn:aws:iam::{PROD}:role/jumpgate/jumpgate-deployer"),
        ("iam:CreatePolicyVersion", f"arn:aws:iam::{IDENTITY}:policy/jumpgate/jumpgate-force-mfa"),
        (
            "iam:CreatePolicyVersion",
            f"arn:aws:iam::{IDENTITY}:policy/jumpgate-bootstrap/jumpgate-deploy",
        ),
        (
            "iam:AddUserToGroup",
            f"arn:aws:iam::{IDENTITY}:group/jumpgate/strict/jumpgate-crm-admin-crm-prod",
        ),
        (
            "iam:AddUserToGroup",
            f"arn:aws:iam::{IDENTITY}:group/jumpgate/jumpgate-crm-admin-dev-staging",
        ),
        (
            "iam:AddUserToGroup",
            f"arn:aws:iam::{IDENTITY}:group/jumpgate-pipeline/jumpgate-pipeline-approvers",
        ),
        ("iam:PutGroupPolicy", f"arn:aws:iam::{IDENTITY}:group/jumpgate/jumpgate-people"),
        ("iam:AttachUserPolicy", f"arn:aws:iam::{IDENTITY}:user/jumpgate/alice"),
        ("iam:CreateUser", f"arn:aws:iam::{IDENTITY}:user/jumpgate/mallory"),
        (
            "iam:PutRolePolicy",
            f"arn:aws:iam::{IDENTITY}:role/jumpgate-pipeline/jumpgate-pipeline-deploy",
        ),
        ("iam:UpdateAssumeRolePolicy", POST),
        (
            "codepipeline:UpdatePipeline",
            f"arn:aws:codepipeline:eu-west-1:{IDENTITY}:jumpgate-pipeline",
        ),
        (
            "codebuild:UpdateProject",
            f"arn:aws:codebuild:eu-west-1:{IDENTITY}:project/jumpgate-pipeline-deploy",
        ),
        (
            "codepipeline:PutApprovalResult",
            f"arn:aws:codepipeline:eu-west-1:{IDENTITY}:jumpgate-pipeline/ApproveProd/ApproveProd",
        ),
    ],
)
def test_scp_denies_account_admins(action: str, resource: str) -> None:
    for admin in (
        ADMIN,
        f"arn:aws:iam::{IDENTITY}:user/admin",
        f"arn:aws:iam::{IDENTITY}:user/jumpgate/bob",
    ):
        assert under_scp(admin, action, resource) == DENY, admin


def test_scp_lets_the_deployers_and_the_approvers_work() -> None:
    role = f"arn:aws:iam::{PROD}:role/jumpgate/jumpgate-admin"
    for name in ("jumpgate-deployer", "jumpgate-strict-deployer", EXEC_ROLE):
        principal = f"arn:aws:iam::{PROD}:role/{'jumpgate/' if 'jumpgate' in name else ''}{name}"
        assert under_scp(principal, "iam:UpdateAssumeRolePolicy", role) == ALLOW
        group = f"arn:aws:iam::{IDENTITY}:group/jumpgate/strict/jumpgate-crm-admin-crm-prod"
        assert under_scp(principal, "iam:AddUserToGroup", group) == ALLOW
    approval = (
        f"arn:aws:codepipeline:eu-west-1:{IDENTITY}:jumpgate-pipeline/ApproveProd/ApproveProd"
    )
    assert under_scp(APPROVER, "codepipeline:PutApprovalResult", approval) == ALLOW
    # nothing else is touched
    assert under_scp(ADMIN, "iam:CreateRole", f"arn:aws:iam::{PROD}:role/app/service") == ALLOW


@pytest.mark.parametrize("prefix", ["jumpgate", "p" * 16])
def test_scp_fits_with_ten_approvers(prefix: str) -> None:
    minified = json.dumps(scp(prefix, "aws-us-gov", approvers=10), separators=(",", ":"))
    assert len(minified.encode()) <= 5120  # docs/facts.md: SCP document size


# ----------------------------------------------------------------------------- approval


def test_only_named_approvers_with_mfa_may_approve() -> None:
    stack = pipeline()
    (membership,) = stack.resources("AWS::IAM::UserToGroupAddition").values()
    assert membership == {"GroupName": "jumpgate-pipeline-approvers", "Users": ["alice", "bob"]}
    policies = stack.group_policies("ApproversGroup")
    approval = (
        f"arn:aws:codepipeline:eu-west-1:{IDENTITY}:jumpgate-pipeline/ApproveProd/ApproveProd"
    )
    mfa = {"aws:multifactorauthpresent": "true"}
    assert decide(policies, "codepipeline:PutApprovalResult", approval, mfa) == ALLOW
    assert decide(policies, "codepipeline:PutApprovalResult", approval, {}) == IMPLICIT
    other = f"arn:aws:codepipeline:eu-west-1:{IDENTITY}:other-pipeline/ApproveProd/ApproveProd"
    assert decide(policies, "codepipeline:PutApprovalResult", other, mfa) == IMPLICIT
    for key in ("PipelineRole", "ValidateRole", "DeployRole", "StrictDeployRole"):
        role = pipeline_role(key)
        assert can(role, "codepipeline:PutApprovalResult", approval) == IMPLICIT, key


def test_prod_deploys_exactly_the_approved_commit_of_the_branch() -> None:
    (pipe,) = pipeline().resources("AWS::CodePipeline::Pipeline").values()
    (prod,) = [s for s in pipe["Stages"] if s["Name"] == "Prod"]
    variables = json.loads(prod["Actions"][0]["Configuration"]["EnvironmentVariables"])
    assert {
        "name": "APPROVED_COMMIT",
        "value": "#{SourceVariables.CommitId}",
        "type": "PLAINTEXT",
    } in variables
    spec = (ROOT / "buildspecs" / "deploy.yml").read_text(encoding="utf-8")
    assert "git merge-base --is-ancestor HEAD FETCH_HEAD" in spec
    assert '"$(git rev-parse HEAD)" != "$APPROVED_COMMIT"' in spec
