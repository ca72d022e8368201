"""Offboarding: before a person's user stack is deleted, remove what they made themselves.

CloudFormation cannot delete a user who has an MFA device, access keys, a login profile,
SSH keys, signing certificates or service-specific credentials (and AWS may even drop the
user from the stack while it lives on with working credentials). Each is removed and reported.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError


def _missing(err: ClientError) -> bool:
    return err.response.get("Error", {}).get("Code") in ("NoSuchEntity", "NoSuchEntityException")


def offboard_user(iam: Any, user_name: str) -> list[str]:
    """Remove every credential the user holds; return what was removed, in words."""
    removed: list[str] = []
    try:
        iam.get_user(UserName=user_name)
    except ClientError as err:
        if _missing(err):
            return removed
        raise
    for key in iam.list_access_keys(UserName=user_name).get("AccessKeyMetadata", []):
        iam.delete_access_key(UserName=user_name, AccessKeyId=key["AccessKeyId"])
        removed.append(f"access key {key['AccessKeyId']}")
    for device in iam.list_mfa_devices(UserName=user_name).get("MFADevices", []):
        serial = device["SerialNumber"]
        iam.deactivate_mfa_device(UserName=user_name, SerialNumber=serial)
        if ":mfa/" in serial:
            try:
                iam.delete_virtual_mfa_device(SerialNumber=serial)
            except ClientError as err:
                if not _missing(err):
                    raise
        removed.append(f"MFA device {serial.rsplit('/', 1)[-1]}")
    try:
        iam.get_login_profile(UserName=user_name)
        iam.delete_login_profile(UserName=user_name)
        removed.append("console password")
    except ClientError as err:
        if not _missing(err):
            raise
    for key in iam.list_ssh_public_keys(UserName=user_name).get("SSHPublicKeys", []):
        iam.delete_ssh_public_key(UserName=user_name, SSHPublicKeyId=key["SSHPublicKeyId"])
        removed.append(f"SSH key {key['SSHPublicKeyId']}")
    for cert in iam.list_signing_certificates(UserName=user_name).get("Certificates", []):
        iam.delete_signing_certificate(UserName=user_name, CertificateId=cert["CertificateId"])
        removed.append(f"signing certificate {cert['CertificateId']}")
    try:
        creds = iam.list_service_specific_credentials(UserName=user_name)
    except (ClientError, BotoCoreError):  # not offered by every IAM endpoint (emulators)
        creds = {}
    for cred in creds.get("ServiceSpecificCredentials", []):
        iam.delete_service_specific_credential(
            UserName=user_name, ServiceSpecificCredentialId=cred["ServiceSpecificCredentialId"]
        )
        removed.append(f"{cred.get('ServiceName', 'service')} credential")
    return removed


def credentials_in_words(iam: Any, user: str) -> list[str]:
    """What offboarding the user would remove (a plan), each ending in "(to remove)"."""
    try:
        keys = iam.list_access_keys(UserName=user).get("AccessKeyMetadata", [])
        mfa = iam.list_mfa_devices(UserName=user).get("MFADevices", [])
    except ClientError:
        return []
    return [f"access key {k['AccessKeyId']} (to remove)" for k in keys] + [
        f"MFA device {d['SerialNumber'].rsplit('/', 1)[-1]} (to remove)" for d in mfa
    ]
