"""The emulator's IAM enforcement from a person's seat: self-service under the force-MFA
baseline, STS identities, AWS's error wording, session limits, and the AWS CLI role profile
flow (docs/emulator.md, one test per group of cases)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from test_local_aws import TARGET, apply, group_params, role_params

from jumpgate.core import totp
from jumpgate.demo.journey import give_credentials, mfa_code
from jumpgate.emulator import control
from localaws_helpers import IDENTITY, REGION, cfn, reset, small_org

READONLY = f"arn:aws:iam::{TARGET}:role/jumpgate/jumpgate-readonly"
ANA = f"arn:aws:iam::{IDENTITY}:user/jumpgate/ana"


def _client(endpoint: str, service: str, creds: dict[str, str]) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=creds.get("AccessKeyId", creds.get("key")),
        aws_secret_access_key=creds.get("SecretAccessKey", creds.get("secret")),
        aws_session_token=creds.get("SessionToken"),
    )


@pytest.fixture
def person(tmp_path: Path, endpoint: str) -> Iterator[dict[str, str]]:
    """ana on /jumpgate/ in the baseline group and a group granted crm-dev readonly (8 h)."""
    reset(endpoint, small_org(tmp_path))
    client = cfn(endpoint, IDENTITY)
    base = {
        "EveryoneGroupName": "jumpgate-people",
        "ForceMfaPolicyName": "jumpgate-force-mfa",
        "Path": "/jumpgate/",
    }
    apply(client, "b", "identity-baseline.yaml", base, "CREATE")
    apply(client, "g", "identity-group.yaml", group_params("g1", READONLY), "CREATE")
    user = {
        "UserName": "ana",
        "Path": "/jumpgate/",
        "Groups": "jumpgate-people,g1",
        "FullName": "Ana",
        "Email": "ana@x.example",
        "Teams": "crm",
    }
    apply(client, "u", "identity-user.yaml", user, "CREATE")
    role = role_params(MaxSessionDuration="28800")
    apply(cfn(endpoint, TARGET), "r", "target-role.yaml", role, "CREATE")
    creds = give_credentials(endpoint, IDENTITY, REGION, "ana")
    control.enforce_iam(endpoint, True)
    try:
        yield creds
    finally:
        control.enforce_iam(endpoint, False)
        control.set_clock(endpoint, None)


def _mfa_session(endpoint: str, creds: dict[str, str]) -> dict[str, str]:
    sts = _client(endpoint, "sts", creds)
    code = mfa_code(endpoint, creds["seed"])
    got = sts.get_session_token(SerialNumber=creds["serial"], TokenCode=code)["Credentials"]
    return dict(got)


def test_self_service_under_the_force_mfa_baseline(endpoint: str, person: dict[str, str]) -> None:
    own = _client(endpoint, "iam", person)
    # Without MFA (long-term key): only what the baseline's NotAction leaves.
    assert [d["SerialNumber"] for d in own.list_mfa_devices()["MFADevices"]] == [person["serial"]]
    assert own.get_user()["User"]["Arn"] == ANA
    with pytest.raises(ClientError) as denied:
        own.list_access_keys()
    assert denied.value.response["Error"]["Message"] == (
        f"User: {ANA} is not authorized to perform: iam:ListAccessKeys on resource: {ANA} "
        "with an explicit deny in an identity-based policy"
    )
    own.change_password(OldPassword="Correct-Horse-42!", NewPassword="Another-Horse-43!")
    with pytest.raises(ClientError, match="old password is not correct"):
        own.change_password(OldPassword="Correct-Horse-42!", NewPassword="Third-Horse-44!!")
    # With an MFA session: own access keys; never another person's.
    mfa = _client(endpoint, "iam", _mfa_session(endpoint, person))
    made = mfa.create_access_key()["AccessKey"]
    assert made["UserName"] == "ana"
    listed = mfa.list_access_keys()["AccessKeyMetadata"]
    assert sorted(k["AccessKeyId"] for k in listed) == sorted([person["key"], made["AccessKeyId"]])
    with pytest.raises(ClientError, match="because no identity-based policy allows"):
        mfa.create_access_key(UserName="admin")


def test_sts_identities_and_session_limits(endpoint: str, person: dict[str, str]) -> None:
    session = _mfa_session(endpoint, person)
    sts = _client(endpoint, "sts", session)
    assert sts.get_caller_identity()["Arn"] == ANA
    with pytest.raises(ClientError, match="Cannot call GetSessionToken with session"):
        sts.get_session_token()
    assumed = sts.assume_role(
        RoleArn=READONLY, RoleSessionName="ana", SourceIdentity="ana", DurationSeconds=28800
    )
    assert assumed["SourceIdentity"] == "ana"
    role = _client(endpoint, "sts", assumed["Credentials"])
    assert role.get_caller_identity()["Arn"] == (
        f"arn:aws:sts::{TARGET}:assumed-role/jumpgate-readonly/ana"
    )
    with pytest.raises(ClientError, match="exceeds the MaxSessionDuration set for this role"):
        sts.assume_role(RoleArn=READONLY, RoleSessionName="ana", DurationSeconds=28801)
    with pytest.raises(ClientError) as other:
        sts.assume_role(RoleArn=READONLY, RoleSessionName="bob", DurationSeconds=900)
    assert other.value.response["Error"]["Message"] == (
        f"User: {ANA} is not authorized to perform: sts:AssumeRole on resource: {READONLY} "
        "because no resource-based policy allows the sts:AssumeRole action"
    )
    # Another person's name as SourceIdentity: the group policy's StringEqualsIfExists fails.
    with pytest.raises(ClientError, match="no identity-based policy allows the sts:AssumeRole"):
        sts.assume_role(RoleArn=READONLY, RoleSessionName="ana", SourceIdentity="bob")


def test_the_clock_expires_sessions_and_mfa_codes(endpoint: str, person: dict[str, str]) -> None:
    start = dt.datetime(2026, 11, 29, 12, tzinfo=dt.UTC)
    control.set_clock(endpoint, start)
    assert control.emulator_now(endpoint) == start
    session = _mfa_session(endpoint, person)
    sts = _client(endpoint, "sts", session)
    stale = totp.code(person["seed"], start - dt.timedelta(minutes=5))
    with pytest.raises(ClientError, match="invalid MFA one time pass code"):
        _client(endpoint, "sts", person).get_session_token(
            SerialNumber=person["serial"], TokenCode=stale
        )
    control.set_clock(endpoint, start + dt.timedelta(hours=12))  # the default 12 h are over
    with pytest.raises(ClientError, match="ExpiredToken"):
        sts.assume_role(RoleArn=READONLY, RoleSessionName="ana")


def test_the_aws_cli_role_profile_flow_is_refused_by_the_baseline(
    endpoint: str, person: dict[str, str]
) -> None:
    """source_profile + mfa_serial: the CLI calls AssumeRole with SerialNumber and TokenCode,
    signed with the long-term key. The trust policy sees the MFA; the caller's own identity
    policies are evaluated for a request made with long-term credentials, which carry no
    aws:MultiFactorAuthPresent, so the baseline's BoolIfExists Deny applies."""
    sts = _client(endpoint, "sts", person)
    with pytest.raises(ClientError) as denied:
        sts.assume_role(
            RoleArn=READONLY,
            RoleSessionName="ana",
            SerialNumber=person["serial"],
            TokenCode=mfa_code(endpoint, person["seed"]),
        )
    assert "with an explicit deny in an identity-based policy" in str(denied.value)


def test_local_aws_status_json_gives_the_administrator(tmp_path: Path) -> None:
    import json

    from localaws_helpers import jumpgate

    root = small_org(tmp_path)
    code, _, _ = jumpgate("local-aws", "up", "--root", str(root))
    try:
        assert code == 0
        code, out, _ = jumpgate("local-aws", "status", "--root", str(root), "--format", "json")
        status = json.loads(out)
        assert code == 0 and status["enforce"] is True
        assert sorted(status) == ["admin_credentials", "endpoint", "enforce"]
        admin = {
            "key": status["admin_credentials"]["access_key_id"],
            "secret": status["admin_credentials"]["secret_access_key"],
        }
        iam = _client(status["endpoint"], "iam", admin)
        assert iam.get_user()["User"]["Arn"] == f"arn:aws:iam::{IDENTITY}:user/admin"
        iam.create_user(UserName="newcomer", Path="/jumpgate/")
        nobody = _client(status["endpoint"], "iam", {"key": "AKIANOBODY0000000000", "secret": "x"})
        with pytest.raises(ClientError, match="InvalidClientTokenId"):
            nobody.list_users()
    finally:
        jumpgate("local-aws", "down", "--root", str(root))
