"""Code that runs before the prod approval cannot open a path into prod (issue 11), on the
emulator with IAM enforcement on.

The example is deployed with `jumpgate pipeline --approve`. Then, as the pre-approval deployer
(assumed the way the engine assumes it), the attack of the issue: an inline policy naming a
prod role on a NON-strict group, which IAM lets that deployer write. Its members still cannot
assume the prod role: its trust admits only people whose `jumpgate:strict-groups` tag names a
strict group that reaches it, and that deployer can neither set the tag nor create a user with
it. A trust without that condition (the mutation) lets the attack through: the condition is
what stops it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from test_differential import NOON, Person, _assumes, enforced_pipeline

from iam_oracle import can_assume_role
from jumpgate.demo.journey import give_credentials
from jumpgate.deploy.clients import Target
from jumpgate.generate.policies import trust_policy
from jumpgate.report.access import effective_access
from jumpgate.validate.flow import validate
from localaws_helpers import IDENTITY, REGION, iam

CRM_PROD = "107000000007"
PROD_ADMIN = f"arn:aws:iam::{CRM_PROD}:role/jumpgate/jumpgate-admin"
NON_STRICT_GROUP = "jumpgate-it-poweruser-sandbox"  # kobi's; it reaches it-sandbox only
TAG = "jumpgate:strict-groups"
ATTACK = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
            "Resource": PROD_ADMIN,
        }
    ],
}


@pytest.fixture(scope="module")
def deployed(endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with enforced_pipeline(endpoint, tmp_path_factory.mktemp("stage-isolation")) as root:
        yield root


def pre_approval_iam(endpoint: str) -> Any:
    """The identity account's IAM as the engine sees it: the operator key stands for the
    pipeline's pre-approval deploy role, which assumes jumpgate-deployer."""
    return Target("local", REGION, endpoint=endpoint).client(IDENTITY, "iam")


def prod_roles(root: Path, person: Person) -> set[str]:
    """The strict roles the emulator lets this person assume (real STS calls)."""
    result = validate(root)
    sts = person.mfa_session(NOON)
    found = set()
    for role in result.expansion.roles.values():
        env = result.org.environments[result.org.accounts[role.account].environment]
        arn = role.arn(result.org.path)
        if env.strict and _assumes(sts, arn, person.name, person.name, 3600) == "allowed":
            found.add(arn)
    return found


def modelled_prod_roles(root: Path, name: str) -> set[str]:
    result = validate(root)
    paths = effective_access(result.org, result.expansion, NOON.date(), people_only={name})
    return {p.role_arn for p in paths if p.strict}


def denied(sts: Any, name: str) -> str:
    try:
        sts.assume_role(RoleArn=PROD_ADMIN, RoleSessionName=name, SourceIdentity=name)
    except ClientError as err:
        return str(err.response["Error"]["Message"])
    return "allowed"


def test_a_pre_approval_policy_on_a_non_strict_group_opens_no_path_into_prod(
    deployed: Path, endpoint: str
) -> None:
    root = deployed
    admin = iam(endpoint, IDENTITY)
    kobi = Person(endpoint, "kobi", give_credentials(endpoint, IDENTITY, REGION, "kobi"))
    alice = Person(endpoint, "alice", give_credentials(endpoint, IDENTITY, REGION, "alice"))
    before = {"kobi": prod_roles(root, kobi), "alice": prod_roles(root, alice)}
    assert (
        before["kobi"]
        == modelled_prod_roles(root, "kobi")
        == {
            "arn:aws:iam::104000000004:role/jumpgate/jumpgate-readonly"  # it-prod
        }
    )
    assert before["alice"] == modelled_prod_roles(root, "alice")
    assert PROD_ADMIN in before["alice"] and PROD_ADMIN not in before["kobi"]

    # The attack, as code before the approval runs it: IAM lets that deployer write it.
    deployer = pre_approval_iam(endpoint)
    deployer.put_group_policy(
        GroupName=NON_STRICT_GROUP, PolicyName="sneaky", PolicyDocument=json.dumps(ATTACK)
    )
    # ... and a person of its own on the people path, in that group, without the tag.
    deployer.create_user(UserName="mallory", Path="/jumpgate/")
    deployer.add_user_to_group(GroupName=NON_STRICT_GROUP, UserName="mallory")
    mallory = Person(endpoint, "mallory", give_credentials(endpoint, IDENTITY, REGION, "mallory"))

    # The tag is what the trust tests, and that deployer can neither set it nor create with it.
    alice_tag = {t["Key"]: t["Value"] for t in admin.list_user_tags(UserName="alice")["Tags"]}
    for key in (TAG, TAG.upper()):
        tags = [{"Key": key, "Value": alice_tag[TAG]}]
        with pytest.raises(ClientError, match="explicit deny in an identity-based policy"):
            deployer.tag_user(UserName="mallory", Tags=tags)
        with pytest.raises(ClientError, match="explicit deny in an identity-based policy"):
            deployer.create_user(UserName="mallory2", Path="/jumpgate/", Tags=tags)
    deployer.untag_user(UserName="kobi", TagKeys=["jumpgate:no-such-tag"])  # removing: allowed

    why = "because no resource-based policy allows the sts:AssumeRole action"
    for person in (kobi, mallory):
        user = f"arn:aws:iam::{IDENTITY}:user/jumpgate/{person.name}"
        assert denied(person.mfa_session(NOON), person.name) == (
            f"User: {user} is not authorized to perform: sts:AssumeRole on resource: "
            f"{PROD_ADMIN} {why}"
        )
    assert prod_roles(root, kobi) == before["kobi"]
    assert prod_roles(root, alice) == before["alice"]  # approved strict groups: unchanged
    assert prod_roles(root, mallory) == set()

    # The oracle over what IAM holds now agrees, and without the trust's tag condition
    # (the mutation: a copy of the rendered trust without it) the attack goes through: the
    # condition is what stops it.
    deployed_trust = iam(endpoint, CRM_PROD).get_role(RoleName="jumpgate-admin")["Role"]
    document = deployed_trust["AssumeRolePolicyDocument"]
    document = json.loads(document) if isinstance(document, str) else document
    result = validate(root)
    rendered = trust_policy(
        result.expansion.roles[("crm-prod", "jumpgate-admin")], IDENTITY, result.org.path
    )
    stripped = copy.deepcopy(rendered)
    assert stripped["Statement"][0]["Condition"].pop("StringLike") == {
        f"aws:PrincipalTag/{TAG}": ["*:b3d699a3:*"]  # jumpgate-crm-admin-crm-prod's id
    }
    kobi_tags = {t["Key"]: t["Value"] for t in admin.list_user_tags(UserName="kobi")["Tags"]}
    request = {
        "user_arn": f"arn:aws:iam::{IDENTITY}:user/jumpgate/kobi",
        "role_arn": PROD_ADMIN,
        "mfa": True,
        "mfa_age_seconds": 0,
        "now": "2026-11-29T12:00:00Z",
        "session_name": "kobi",
        "source_identity": "kobi",
        "principal_tags": kobi_tags,
    }
    assert not can_assume_role([ATTACK], document, **request)
    assert can_assume_role([ATTACK], stripped, **request)
    assert can_assume_role([ATTACK], document, **{**request, "principal_tags": alice_tag})

    prod_admin = iam(endpoint, CRM_PROD)
    prod_admin.update_assume_role_policy(
        RoleName="jumpgate-admin", PolicyDocument=json.dumps(stripped)
    )
    try:
        assert denied(kobi.mfa_session(NOON), "kobi") == "allowed"
        assert denied(mallory.mfa_session(NOON), "mallory") == "allowed"
    finally:
        prod_admin.update_assume_role_policy(
            RoleName="jumpgate-admin", PolicyDocument=json.dumps(rendered)
        )
    assert denied(kobi.mfa_session(NOON), "kobi") != "allowed"
