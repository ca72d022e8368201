"""The local emulator and its adapter: every resource our templates declare is really made,
updates are applied, failures look like AWS's, and IAM enforcement understands MFA sessions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from jumpgate.core.aws import DEFAULT_STRICT_ROLE, LOCAL_KEY, LOCAL_STRICT_KEY
from jumpgate.demo.journey import give_credentials, mfa_code
from jumpgate.deploy.clients import Target
from jumpgate.deploy.stack import template_body
from jumpgate.emulator import control
from jumpgate.validate.flow import validate
from localaws_helpers import IDENTITY, REGION, cfn, iam, jumpgate, reset, small_org

TEMPLATES = Path(__file__).resolve().parents[2] / "cloudformation" / "templates"
TARGET = "105000000005"


@pytest.fixture
def emu(tmp_path: Path, endpoint: str) -> str:
    reset(endpoint, small_org(tmp_path))
    return endpoint


def apply(client: Any, name: str, template: str, params: dict[str, str], kind: str) -> str:
    """Create and execute a change set; return the final stack status."""
    created = client.create_change_set(
        StackName=name,
        ChangeSetName=f"cs-{kind.lower()}-{len(params)}",
        ChangeSetType=kind,
        TemplateBody=template_body(TEMPLATES / template),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in params.items()],
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    client.execute_change_set(ChangeSetName=created["Id"])
    return str(client.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"])


def group_params(
    name: str, roles: str, expires: str = "", role_name: str = "", account_ids: str = ""
) -> dict[str, str]:
    """identity-group.yaml's parameters: explicit form (roles), or compact (role_name and
    account_ids, roles empty)."""
    return {
        "GroupName": name,
        "Path": "/jumpgate/",
        "GroupPath": "/jumpgate/",
        "RoleArns": roles,
        "RoleName": role_name,
        "AccountIds": account_ids,
        "Expires": expires,
    }


def role_params(**overrides: str) -> dict[str, str]:
    params = {
        "RoleName": "jumpgate-readonly",
        "Path": "/jumpgate/",
        "IdentityAccountId": IDENTITY,
        "PeoplePath": "/jumpgate/",
        "MaxSessionDuration": "43200",
        "MfaMaxAgeSeconds": "0",
        "RequireSessionName": "true",
        "RequireSourceIdentity": "false",
        "ManagedPolicyArns": "arn:aws:iam::aws:policy/ReadOnlyAccess",
        "PermissionsBoundary": "",
        "CustomPolicy": "",
    }
    params.update(overrides)
    return params


def test_group_user_and_updates_are_real(emu: str) -> None:
    client, users = cfn(emu, IDENTITY), iam(emu, IDENTITY)
    base = {
        "EveryoneGroupName": "jumpgate-people",
        "ForceMfaPolicyName": "jumpgate-force-mfa",
        "Path": "/jumpgate/",
    }
    assert apply(client, "b", "identity-baseline.yaml", base, "CREATE") == "CREATE_COMPLETE"
    role = f"arn:aws:iam::{TARGET}:role/jumpgate/jumpgate-readonly"
    assert apply(client, "g", "identity-group.yaml", group_params("g1", role), "CREATE") == (
        "CREATE_COMPLETE"
    )
    attached = users.list_attached_group_policies(GroupName="jumpgate-people")["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["jumpgate-force-mfa"]
    policy = users.get_group_policy(GroupName="g1", PolicyName="assume-granted-roles")
    assert policy["PolicyDocument"]["Statement"][0]["Resource"] == [role]
    person = {
        "UserName": "ana",
        "Path": "/jumpgate/",
        "Groups": "jumpgate-people,g1",
        "FullName": "Ana",
        "Email": "ana@x.example",
        "Teams": "crm",
    }
    assert apply(client, "u", "identity-user.yaml", person, "CREATE") == "CREATE_COMPLETE"
    user_id = users.get_user(UserName="ana")["User"]["UserId"]
    groups = users.list_groups_for_user(UserName="ana")["Groups"]
    assert sorted(g["GroupName"] for g in groups) == ["g1", "jumpgate-people"]
    # Update: expiry on the group, the person leaves g1 and changes teams — in place.
    assert (
        apply(
            client,
            "g",
            "identity-group.yaml",
            group_params("g1", role, "2027-01-01T00:00:00Z"),
            "UPDATE",
        )
        == "UPDATE_COMPLETE"
    )
    policy = users.get_group_policy(GroupName="g1", PolicyName="assume-granted-roles")
    assert "DateLessThan" in json.dumps(policy["PolicyDocument"])
    person.update(Groups="jumpgate-people", Teams="crm bi")
    assert apply(client, "u", "identity-user.yaml", person, "UPDATE") == "UPDATE_COMPLETE"
    assert users.get_user(UserName="ana")["User"]["UserId"] == user_id  # not replaced
    groups = users.list_groups_for_user(UserName="ana")["Groups"]
    assert [g["GroupName"] for g in groups] == ["jumpgate-people"]
    tags = {t["Key"]: t["Value"] for t in users.list_user_tags(UserName="ana")["Tags"]}
    assert tags["jumpgate:teams"] == "crm bi"


def test_both_group_policy_forms_deploy_and_switch_in_place(emu: str) -> None:
    client, users = cfn(emu, IDENTITY), iam(emu, IDENTITY)
    compact = group_params(
        "g2", "", role_name="jumpgate-readonly", account_ids=f"{TARGET},106000000006"
    )
    assert apply(client, "g2", "identity-group.yaml", compact, "CREATE") == "CREATE_COMPLETE"
    policy = users.get_group_policy(GroupName="g2", PolicyName="assume-granted-roles")
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Resource"] == "arn:aws:iam::*:role/jumpgate/jumpgate-readonly"
    assert statement["Condition"]["StringEquals"] == {
        "aws:ResourceAccount": [TARGET, "106000000006"]
    }
    role = f"arn:aws:iam::{TARGET}:role/jumpgate/jumpgate-readonly"
    assert apply(client, "g2", "identity-group.yaml", group_params("g2", role), "UPDATE") == (
        "UPDATE_COMPLETE"
    )
    policy = users.get_group_policy(GroupName="g2", PolicyName="assume-granted-roles")
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Resource"] == [role]
    assert "StringEquals" not in statement["Condition"]


def test_role_updates_apply_and_change_sets_see_parameters(emu: str) -> None:
    client, roles = cfn(emu, TARGET), iam(emu, TARGET)
    custom = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
        }
    )
    assert apply(client, "r", "target-role.yaml", role_params(CustomPolicy=custom), "CREATE") == (
        "CREATE_COMPLETE"
    )
    got = roles.get_role(RoleName="jumpgate-readonly")["Role"]
    assert got["MaxSessionDuration"] == 43200
    assert None not in got["AssumeRolePolicyDocument"]["Statement"]
    assert roles.list_role_policies(RoleName="jumpgate-readonly")["PolicyNames"] == [
        "jumpgate-readonly-custom"
    ]
    changed = role_params(
        CustomPolicy=custom,
        MaxSessionDuration="3600",
        MfaMaxAgeSeconds="900",
        ManagedPolicyArns="arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
    )
    preview = client.create_change_set(
        StackName="r",
        ChangeSetName="preview",
        ChangeSetType="UPDATE",
        TemplateBody=template_body(TEMPLATES / "target-role.yaml"),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in changed.items()],
    )
    described = client.describe_change_set(ChangeSetName=preview["Id"])
    modified = {
        c["ResourceChange"]["LogicalResourceId"]: c["ResourceChange"] for c in described["Changes"]
    }
    assert modified["Role"]["Action"] == "Modify" and modified["Role"]["Replacement"] == "False"
    client.execute_change_set(ChangeSetName=preview["Id"])
    got = roles.get_role(RoleName="jumpgate-readonly")["Role"]
    assert got["MaxSessionDuration"] == 3600
    condition = got["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]
    assert str(condition["NumericLessThan"]["aws:MultiFactorAuthAge"]) == "900"
    attached = roles.list_attached_role_policies(RoleName="jumpgate-readonly")["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["ViewOnlyAccess"]
    assert roles.list_role_policies(RoleName="jumpgate-readonly")["PolicyNames"] == [
        "jumpgate-readonly-custom"
    ]
    # Same template and parameters again: AWS's no-op answer (a FAILED change set).
    again = client.create_change_set(
        StackName="r",
        ChangeSetName="again",
        ChangeSetType="UPDATE",
        TemplateBody=template_body(TEMPLATES / "target-role.yaml"),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in changed.items()],
    )
    described = client.describe_change_set(ChangeSetName=again["Id"])
    assert described["Status"] == "FAILED"
    assert "didn't contain changes" in described["StatusReason"]


def test_failure_rolls_back_and_protection_blocks_delete(emu: str) -> None:
    client = cfn(emu, TARGET)
    bad = role_params(ManagedPolicyArns="arn:aws:iam::aws:policy/NoSuchPolicy")
    assert apply(client, "r", "target-role.yaml", bad, "CREATE") == "ROLLBACK_COMPLETE"
    events = client.describe_stack_events(StackName="r")["StackEvents"]
    failed = [e for e in events if e["ResourceStatus"] == "CREATE_FAILED"]
    assert failed and "NoSuchPolicy" in failed[0]["ResourceStatusReason"]
    client.delete_stack(StackName="r")
    assert apply(client, "r", "target-role.yaml", role_params(), "CREATE") == "CREATE_COMPLETE"
    client.update_termination_protection(StackName="r", EnableTerminationProtection=True)
    with pytest.raises(ClientError, match="TerminationProtection"):
        client.delete_stack(StackName="r")


def test_mfa_sessions_under_iam_enforcement(emu: str) -> None:
    client, users = cfn(emu, IDENTITY), iam(emu, IDENTITY)
    base = {
        "EveryoneGroupName": "jumpgate-people",
        "ForceMfaPolicyName": "jumpgate-force-mfa",
        "Path": "/jumpgate/",
    }
    apply(client, "b", "identity-baseline.yaml", base, "CREATE")
    granted = f"arn:aws:iam::{TARGET}:role/jumpgate/jumpgate-readonly"
    other = f"arn:aws:iam::{TARGET}:role/jumpgate/jumpgate-admin"
    apply(client, "g", "identity-group.yaml", group_params("g1", granted), "CREATE")
    person = {
        "UserName": "ana",
        "Path": "/jumpgate/",
        "Groups": "jumpgate-people,g1",
        "FullName": "Ana",
        "Email": "ana@x.example",
        "Teams": "crm",
    }
    apply(client, "u", "identity-user.yaml", person, "CREATE")
    # Both roles exist (AWS denies AssumeRole of a role that does not).
    apply(cfn(emu, TARGET), "r", "target-role.yaml", role_params(), "CREATE")
    admin = role_params(RoleName="jumpgate-admin")
    apply(cfn(emu, TARGET), "r2", "target-role.yaml", admin, "CREATE")
    creds = give_credentials(emu, IDENTITY, REGION, "ana")
    sts = boto3.client(
        "sts",
        endpoint_url=emu,
        region_name=REGION,
        aws_access_key_id=creds["key"],
        aws_secret_access_key=creds["secret"],
    )
    control.enforce_iam(emu, True)
    try:
        with pytest.raises(ClientError, match="AccessDenied"):  # long-term key: no MFA
            sts.assume_role(RoleArn=granted, RoleSessionName="ana")
        plain = sts.get_session_token()["Credentials"]  # no MFA code: still no MFA
        no_mfa = boto3.client(
            "sts",
            endpoint_url=emu,
            region_name=REGION,
            aws_access_key_id=plain["AccessKeyId"],
            aws_secret_access_key=plain["SecretAccessKey"],
            aws_session_token=plain["SessionToken"],
        )
        with pytest.raises(ClientError, match="AccessDenied"):
            no_mfa.assume_role(RoleArn=granted, RoleSessionName="ana")
        with pytest.raises(ClientError, match="invalid MFA one time pass code"):
            sts.get_session_token(SerialNumber=creds["serial"], TokenCode="000000")
        code = mfa_code(emu, creds["seed"])
        c = sts.get_session_token(SerialNumber=creds["serial"], TokenCode=code)["Credentials"]
        mfa = boto3.client(
            "sts",
            endpoint_url=emu,
            region_name=REGION,
            aws_access_key_id=c["AccessKeyId"],
            aws_secret_access_key=c["SecretAccessKey"],
            aws_session_token=c["SessionToken"],
        )
        assumed = mfa.assume_role(RoleArn=granted, RoleSessionName="ana")
        assert assumed["AssumedRoleUser"]["Arn"].endswith("/ana")
        with pytest.raises(ClientError, match="AccessDenied"):
            mfa.assume_role(RoleArn=other, RoleSessionName="ana")
    finally:
        control.enforce_iam(emu, False)
    assert users.get_user(UserName="ana")


def test_local_aws_up_status_down(tmp_path: Path) -> None:
    root = small_org(tmp_path)
    code, out, _ = jumpgate("local-aws", "up", "--root", str(root))
    try:
        assert code == 0 and out.strip().startswith("http://127.0.0.1:")
        assert jumpgate("local-aws", "status", "--root", str(root))[0] == 0
        endpoint = out.strip()
        # The deployers bootstrap.yaml gives each kind of account: the identity account both,
        # crm-prod (strict) only the post-approval one, crm-dev only the pre-approval one.
        deployers = {
            name: sorted(
                r["RoleName"]
                for r in iam(endpoint, account_id).list_roles(PathPrefix="/jumpgate/")["Roles"]
            )
            for name, account_id in (
                ("identity", "100000000001"),
                ("crm-prod", "107000000007"),
                ("crm-dev", "105000000005"),
            )
        }
        assert deployers == {
            "identity": ["jumpgate-deployer", "jumpgate-strict-deployer"],
            "crm-prod": ["jumpgate-strict-deployer"],
            "crm-dev": ["jumpgate-deployer"],
        }
        assert jumpgate("local-aws", "up", "--root", str(root))[1].strip() == endpoint  # reused
    finally:
        assert jumpgate("local-aws", "down", "--root", str(root))[0] == 0
    assert jumpgate("local-aws", "status", "--root", str(root))[0] == 1
    assert not (root / ".jumpgate" / "local-aws.json").exists()


POLICY_TEMPLATE = {
    "Parameters": {"Bucket": {"Type": "String"}},
    "Resources": {
        "Policy": {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {
                "ManagedPolicyName": "jumpgate-test",
                "Path": "/jumpgate/",
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "s3:GetObject",
                            "Resource": {"Fn::Sub": "arn:aws:s3:::${Bucket}/*"},
                        }
                    ],
                },
            },
        }
    },
}


def test_managed_policy_document_update_is_applied(emu: str) -> None:
    client, users = cfn(emu, IDENTITY), iam(emu, IDENTITY)
    for kind, bucket in (("CREATE", "one"), ("UPDATE", "two")):
        made = client.create_change_set(
            StackName="p",
            ChangeSetName=f"cs-{bucket}",
            ChangeSetType=kind,
            TemplateBody=json.dumps(POLICY_TEMPLATE),
            Parameters=[{"ParameterKey": "Bucket", "ParameterValue": bucket}],
        )
        client.execute_change_set(ChangeSetName=made["Id"])
    arn = f"arn:aws:iam::{IDENTITY}:policy/jumpgate/jumpgate-test"
    version = users.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    document = users.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]
    assert "arn:aws:s3:::two/*" in json.dumps(document["Document"])


def test_a_condition_that_turns_false_removes_its_resource(emu: str) -> None:
    client, roles = cfn(emu, TARGET), iam(emu, TARGET)
    custom = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
        }
    )
    assert apply(client, "r", "target-role.yaml", role_params(CustomPolicy=custom), "CREATE") == (
        "CREATE_COMPLETE"
    )
    params = role_params(CustomPolicy="", ManagedPolicyArns="")
    assert apply(client, "r", "target-role.yaml", params, "UPDATE") == "UPDATE_COMPLETE"
    assert roles.list_role_policies(RoleName="jumpgate-readonly")["PolicyNames"] == []
    assert roles.list_attached_role_policies(RoleName="jumpgate-readonly")["AttachedPolicies"] == []
    params = role_params(CustomPolicy=custom)
    assert apply(client, "r", "target-role.yaml", params, "UPDATE") == "UPDATE_COMPLETE"
    assert roles.list_role_policies(RoleName="jumpgate-readonly")["PolicyNames"] == [
        "jumpgate-readonly-custom"
    ]


def test_bootstrap_creates_each_accounts_role_once_in_parallel(emu: str) -> None:
    accounts = {f"a{n:02d}": f"3000000000{n:02d}" for n in range(20)}
    new = control.bootstrap_accounts(emu, accounts, IDENTITY, REGION, workers=4)
    assert new == sorted(accounts)
    for account_id in ("300000000000", "300000000019"):
        client = iam(emu, account_id)
        role = client.get_role(RoleName="jumpgate-deployer")["Role"]
        assert f"arn:aws:iam::{IDENTITY}:root" in json.dumps(role["AssumeRolePolicyDocument"])
        attached = client.list_attached_role_policies(RoleName="jumpgate-deployer")
        # the deployer's rights: a managed policy on /jumpgate-bootstrap/ (bootstrap.yaml)
        assert [p["PolicyArn"] for p in attached["AttachedPolicies"]] == [
            f"arn:aws:iam::{account_id}:policy/jumpgate-bootstrap/jumpgate-deploy"
        ]
    assert control.bootstrap_accounts(emu, accounts, IDENTITY, REGION, workers=4) == []


def test_describe_stacks_reads_a_snapshot_and_finds_by_name_or_id() -> None:
    from collections import OrderedDict
    from types import SimpleNamespace

    from moto.cloudformation.exceptions import ValidationError

    from jumpgate.emulator import cfn_engine

    a = SimpleNamespace(name="a", stack_id="arn:a")
    b = SimpleNamespace(name="b", stack_id="arn:b")
    gone = SimpleNamespace(name="c", stack_id="arn:c")
    backend = SimpleNamespace(
        stacks=OrderedDict([("arn:a", a), ("arn:b", b)]), deleted_stacks={"arn:c": gone}
    )
    listed = cfn_engine._describe_stacks(backend, "")
    backend.stacks["arn:d"] = SimpleNamespace(name="d", stack_id="arn:d")
    assert listed == [a, b]  # a copy: later additions never break a reader
    assert cfn_engine._describe_stacks(backend, "b") == [b]
    assert cfn_engine._describe_stacks(backend, "arn:a") == [a]
    assert cfn_engine._describe_stacks(backend, "arn:c") == [gone]
    with pytest.raises(ValidationError):
        cfn_engine._describe_stacks(backend, "nope")


def test_each_side_of_the_approval_reaches_only_its_own_deployers(
    tmp_path: Path, endpoint: str
) -> None:
    """The operator keys act as the pipeline's two deploy roles: before the approval only the
    pre-approval deployers can be assumed (crm-prod has none, and its strict deployer is denied
    by the pre-approval role's own Deny), after it only the strict ones — as on AWS."""
    root = small_org(tmp_path)
    reset(endpoint, root)
    org = validate(root).org
    crm_prod, crm_dev = "107000000007", "105000000005"

    def assume(key: str, account_id: str, role: str) -> str:
        sts = boto3.client(
            "sts",
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id=key,
            aws_secret_access_key=key,
        )
        arn = f"arn:aws:iam::{account_id}:role/jumpgate/{role}"
        try:
            sts.assume_role(RoleArn=arn, RoleSessionName="jumpgate-deploy")
        except ClientError as err:
            return str(err.response["Error"]["Code"])
        return "ok"

    control.enforce_iam(endpoint, True)
    try:
        seen = {
            (side, account, role): assume(key, account_id, role)
            for side, key in (("pre", LOCAL_KEY), ("post", LOCAL_STRICT_KEY))
            for account, account_id in (
                ("identity", IDENTITY),
                ("crm-prod", crm_prod),
                ("crm-dev", crm_dev),
            )
            for role in ("jumpgate-deployer", "jumpgate-strict-deployer")
        }
        # The engine's choice per account and side, through the same Target the CLI builds.
        target = Target("local", REGION, endpoint=endpoint)
        target.split_by_approval(org, DEFAULT_STRICT_ROLE)
        before = {a: target.role_for(a) for a in (IDENTITY, crm_prod, crm_dev)}
        target.client(crm_prod, "iam").list_roles(PathPrefix="/jumpgate/")  # reachable
        target.enter_post_approval()
        after = {a: target.role_for(a) for a in (IDENTITY, crm_prod, crm_dev)}
        target.client(IDENTITY, "iam").list_roles(PathPrefix="/jumpgate/")
    finally:
        control.enforce_iam(endpoint, False)
    allowed = {where for where, answer in seen.items() if answer == "ok"}
    assert allowed == {
        ("pre", "identity", "jumpgate-deployer"),
        ("pre", "crm-dev", "jumpgate-deployer"),
        ("post", "identity", "jumpgate-strict-deployer"),
        ("post", "crm-prod", "jumpgate-strict-deployer"),
    }
    assert set(seen.values()) == {"ok", "AccessDenied"}
    assert before == {
        IDENTITY: "jumpgate/jumpgate-deployer",
        crm_prod: "jumpgate/jumpgate-strict-deployer",
        crm_dev: "jumpgate/jumpgate-deployer",
    }
    assert after[IDENTITY] == "jumpgate/jumpgate-strict-deployer"
