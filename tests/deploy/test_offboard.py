"""Offboarding (deploy/offboard.py) on in-memory IAM (fake_aws.py): every kind of credential a
person made is removed and named, and only "already gone" is tolerated. The engine calls it
before a person's stack is deleted (test_guards.py); test_engine.py does it on the emulator."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from fake_aws import FakeTarget, client_error

from helpers import REPO
from jumpgate.deploy.offboard import offboard_user

IDENTITY = "100000000001"


def test_offboarding_removes_every_kind_of_credential_and_says_which() -> None:
    target = FakeTarget(REPO)
    target.leaver(
        "ann",
        keys=["AKIA1"],
        mfa=["arn:aws:iam::1:mfa/people/ann", "GAHT12345678"],
        password=True,
        ssh=["APKA1"],
        certificates=["CERT1"],
        service=[("ACCA1", "codecommit.amazonaws.com"), ("ACCA2", "")],
    )
    iam = target.iam(IDENTITY)
    assert offboard_user(iam, "ann") == [
        "access key AKIA1",
        "MFA device ann",
        "MFA device GAHT12345678",
        "console password",
        "SSH key APKA1",
        "signing certificate CERT1",
        "codecommit.amazonaws.com credential",
        "service credential",
    ]
    assert target.log == [
        "iam delete_access_key ann AKIA1",
        "iam deactivate_mfa_device ann arn:aws:iam::1:mfa/people/ann",
        "iam delete_virtual_mfa_device arn:aws:iam::1:mfa/people/ann",
        "iam deactivate_mfa_device ann GAHT12345678",  # a hardware device: not deleted
        "iam delete_login_profile ann",
        "iam delete_ssh_public_key ann APKA1",
        "iam delete_signing_certificate ann CERT1",
        "iam delete_service_specific_credential ann ACCA1",
        "iam delete_service_specific_credential ann ACCA2",
    ]


def test_offboarding_a_user_who_is_gone_removes_nothing() -> None:
    target = FakeTarget(REPO)
    assert offboard_user(target.iam(IDENTITY), "nobody") == []
    assert target.log == []


@pytest.mark.parametrize(
    ("operation", "code", "removed"),
    [
        ("DeleteVirtualMFADevice", "NoSuchEntity", ["MFA device ann", "s credential"]),
        ("DeleteVirtualMFADevice", "NoSuchEntityException", ["MFA device ann", "s credential"]),
        ("ListServiceSpecificCredentials", "NotImplemented", ["MFA device ann"]),
        ("DeleteVirtualMFADevice", "AccessDenied", None),
        ("GetUser", "AccessDenied", None),
        ("GetLoginProfile", "AccessDenied", None),
    ],
)
def test_offboarding_tolerates_only_what_is_already_gone(
    operation: str, code: str, removed: list[str] | None
) -> None:
    target = FakeTarget(REPO)
    target.leaver("ann", mfa=["arn:aws:iam::1:mfa/ann"], service=[("ACCA1", "s")])
    iam = target.iam(IDENTITY)
    iam.fail[operation] = client_error(code, operation)
    if removed is None:
        with pytest.raises(Exception, match=code):
            offboard_user(iam, "ann")
    else:
        assert offboard_user(iam, "ann") == removed


def test_an_error_without_a_code_is_not_taken_for_a_missing_user() -> None:
    target = FakeTarget(REPO)
    target.leaver("ann")
    iam = target.iam(IDENTITY)
    iam.fail["GetUser"] = ClientError({}, "GetUser")
    with pytest.raises(ClientError):
        offboard_user(iam, "ann")
