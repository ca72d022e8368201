"""Realistic mode of the emulator: throttling, credential expiry, IAM propagation, latency and
transient stack failures, each as AWS answers them (no timed assertions: ordering only)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from jumpgate.emulator import control
from localaws_helpers import REGION, cfn, iam

ACCOUNT = "300000000003"
TEMPLATE = json.dumps(
    {"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}}}}
)


@pytest.fixture
def emu(endpoint: str) -> Iterator[str]:
    yield endpoint
    control.configure_realistic(endpoint, None)


def _error(call: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as caught:
        call()
    return dict(caught.value.response)


def test_an_empty_bucket_answers_throttling_that_botocore_retries(emu: str) -> None:
    control.configure_realistic(emu, {"rates": {"cloudformation-read": [0.5, 1.0]}})
    once = boto3.client(
        "cloudformation",
        endpoint_url=emu,
        region_name=REGION,
        aws_access_key_id="k",
        aws_secret_access_key="k",
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
    )
    once.describe_stacks()
    answer = _error(once.describe_stacks)
    assert answer["Error"] == {"Type": "Sender", "Code": "Throttling", "Message": "Rate exceeded"}
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 400
    patient = boto3.client(
        "cloudformation",
        endpoint_url=emu,
        region_name=REGION,
        aws_access_key_id="k",
        aws_secret_access_key="k",
        config=Config(retries={"max_attempts": 10, "mode": "standard"}),
    )
    assert patient.describe_stacks()["ResponseMetadata"]["RetryAttempts"] >= 1
    stats = control.realistic_state(emu)["stats"]
    assert stats["throttled:cloudformation-read"] >= 2


def test_assumed_credentials_expire_and_a_new_role_is_not_assumable_at_once(emu: str) -> None:
    control.configure_realistic(emu, {"credential_seconds": 1.0, "iam_propagation_seconds": 0.5})
    admin = iam(emu, ACCOUNT)
    admin.create_role(RoleName="fresh", AssumeRolePolicyDocument="{}")
    sts = control.admin_client(emu, "100000000001", "sts", REGION)
    arn = f"arn:aws:iam::{ACCOUNT}:role/fresh"
    denied = _error(lambda: sts.assume_role(RoleArn=arn, RoleSessionName="ss"))
    assert denied["Error"]["Code"] == "AccessDenied"
    time.sleep(0.6)
    creds = sts.assume_role(RoleArn=arn, RoleSessionName="ss")["Credentials"]
    assert 0 < (creds["Expiration"].timestamp() - time.time()) <= 1.5
    client = boto3.client(
        "cloudformation",
        endpoint_url=emu,
        region_name=REGION,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    client.describe_stacks()
    time.sleep(1.1)
    expired = _error(client.describe_stacks)
    assert expired["Error"]["Code"] == "ExpiredToken"
    assert expired["Error"]["Message"] == "The security token included in the request is expired"
    stats = control.realistic_state(emu)["stats"]
    assert (stats["expired"], stats["not-yet-assumable"]) == (1, 1)


def _change_set(client: Any, name: str) -> str:
    created = client.create_change_set(
        StackName=name,
        ChangeSetName="c1",
        ChangeSetType="CREATE",
        TemplateBody=TEMPLATE,
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    return str(created["Id"])


def _until_settled(call: Any, key: str) -> list[str]:
    seen = [call()[key]]
    while seen[-1].endswith("_IN_PROGRESS"):
        time.sleep(0.02)
        seen.append(call()[key])
    return seen


def test_change_sets_and_stacks_take_their_modelled_time(emu: str) -> None:
    control.configure_realistic(emu, {"time_scale": 0.05})
    client = cfn(emu, ACCOUNT)
    arn = _change_set(client, "slow")
    seen = _until_settled(lambda: client.describe_change_set(ChangeSetName=arn), "Status")
    assert seen[0] == "CREATE_IN_PROGRESS" and seen[-1] == "CREATE_COMPLETE"
    client.execute_change_set(ChangeSetName=arn)
    seen = _until_settled(
        lambda: client.describe_stacks(StackName="slow")["Stacks"][0], "StackStatus"
    )
    assert seen[0] == "CREATE_IN_PROGRESS" and seen[-1] == "CREATE_COMPLETE"


def test_a_transient_stack_failure_rolls_back_like_aws(emu: str) -> None:
    control.configure_realistic(emu, {"time_scale": 0.001, "fail_stacks": {"flaky": 1}})
    client = cfn(emu, ACCOUNT)
    arn = _change_set(client, "flaky")
    _until_settled(lambda: client.describe_change_set(ChangeSetName=arn), "Status")
    client.execute_change_set(ChangeSetName=arn)
    seen = _until_settled(
        lambda: client.describe_stacks(StackName="flaky")["Stacks"][0], "StackStatus"
    )
    assert seen[-1] == "ROLLBACK_COMPLETE"
    events = client.describe_stack_events(StackName="flaky")["StackEvents"]
    failed = [e for e in events if e["ResourceStatus"] == "CREATE_FAILED"]
    assert [e["LogicalResourceId"] for e in failed] == ["R"]
    assert failed[0]["ResourceStatusReason"].startswith("Rate exceeded (Service: Iam")
    assert control.realistic_state(emu)["stats"]["transient-stack"] == 1


def test_cloudformation_own_iam_calls_use_the_account_iam_rate(emu: str) -> None:
    """A stack of 40 users costs 40 IAM calls (CreateUser each) from the account's IAM bucket:
    the stack stays in progress while they are served, and the account's own IAM requests
    right after it are throttled (they queue behind CloudFormation's)."""
    control.configure_realistic(emu, {"time_scale": 0.05, "rates": {"iam-write": [1.0, 2.0]}})

    def client(service: str, attempts: int) -> Any:
        return boto3.client(
            service,
            endpoint_url=emu,
            region_name=REGION,
            aws_access_key_id="k",
            aws_secret_access_key="k",
            config=Config(retries={"total_max_attempts": attempts, "mode": "standard"}),
        )

    users = {
        f"U{n}": {"Type": "AWS::IAM::User", "Properties": {"UserName": f"batch-user-{n}"}}
        for n in range(40)
    }
    stacks = client("cloudformation", 10)
    created = stacks.create_change_set(
        StackName="batch",
        ChangeSetName="c1",
        ChangeSetType="CREATE",
        TemplateBody=json.dumps({"Resources": users}),
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    arn = created["Id"]
    _until_settled(lambda: stacks.describe_change_set(ChangeSetName=arn), "Status")
    stacks.execute_change_set(ChangeSetName=arn)
    answer = _error(lambda: client("iam", 1).create_group(GroupName="right-after"))
    assert answer["Error"]["Code"] == "Throttling"
    seen = _until_settled(
        lambda: stacks.describe_stacks(StackName="batch")["Stacks"][0], "StackStatus"
    )
    assert seen[0] == "CREATE_IN_PROGRESS" and seen[-1] == "CREATE_COMPLETE"
    assert control.realistic_state(emu)["stats"]["iam-write-by-cloudformation"] == 40


def test_iam_write_calls_of_a_stack_operation() -> None:
    from jumpgate.emulator.realistic_iam_cost import iam_write_calls

    user = {"Type": "AWS::IAM::User", "Properties": {"Groups": ["a", "b"], "UserName": "u"}}
    per_person = {"Type": "AWS::IAM::User", "Properties": {"Groups": {"Ref": "Groups"}}}
    role = {
        "Type": "AWS::IAM::Role",
        "Properties": {"Policies": [{}], "ManagedPolicyArns": ["x", "y"]},
    }
    bucket = {"Type": "AWS::S3::Bucket", "Properties": {}}
    new = {"Resources": {"U": user, "P": per_person, "R": role, "B": bucket}}
    assert iam_write_calls({}, new, {"Groups": "g1,g2,g3"}) == 3 + 4 + 4
    changed = {"Resources": {"U": {**user, "Properties": {"Groups": ["a"]}}, "R": role}}
    # U rewritten (1 + 1 group), P deleted (1 + 3 groups), R unchanged
    assert iam_write_calls(new, changed, {"Groups": "g1,g2,g3"}) == 2 + 4
