"""The hand-made organization `jumpgate import` is proven on: IAM calls an administrator would
make, in a layout that is not jumpgate's (tests/adopt/test_import.py)."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from jumpgate.core import totp
from jumpgate.emulator import control
from localaws_helpers import REGION

IDENTITY = "310000000001"
ACCOUNTS = {
    "310000000011": "shop-dev",
    "310000000012": "shop-prod",
    "310000000021": "data-dev",
    "310000000022": "data-prod",
}
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
READONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
AUDIT_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "cloudtrail:LookupEvents", "Resource": "*"}],
}


def account_id(name: str) -> str:
    return next(i for i, n in ACCOUNTS.items() if n == name)


def role_arn(account: str, role: str) -> str:
    return f"arn:aws:iam::{account_id(account)}:role/{role}"


def _document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _assume(resources: list[str], **condition: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Resource": resources,
    }
    if condition:
        statement["Condition"] = condition
    return statement


MFA = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}


def _trust(principal: str, mfa: bool = True) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": "sts:AssumeRole",
    }
    if mfa:
        statement["Condition"] = MFA
    return _document(statement)


# The hand-made organization: IAM calls an administrator would make.
GROUPS = {
    "ShopEngineers": _document(
        _assume(
            [
                role_arn("shop-dev", "Admin"),
                role_arn("shop-dev", "ReadOnly"),
                role_arn("shop-prod", "ReadOnly"),
                "arn:aws:iam::*:role/BreakGlass",
            ]
        )
    ),
    "DataTeam": _document(
        _assume(["arn:aws:iam::*:role/ReadOnly", role_arn("data-dev", "Admin")]),
        {  # data-prod read-only only for people who are not contractors of the data team
            "Effect": "Deny",
            "Action": "sts:AssumeRole",
            "Resource": role_arn("data-prod", "ReadOnly"),
            "Condition": {"StringEquals": {"aws:username": "finn"}},
        },
    ),
    "Migration": _document(
        _assume(
            [role_arn("shop-prod", "Admin")],
            DateLessThan={"aws:CurrentTime": "2027-01-01T00:00:00Z"},
            **MFA,
        )
    ),
    "Contractors": _document(
        _assume(
            [role_arn("data-dev", "ReadOnly")],
            DateGreaterThan={"aws:CurrentTime": "2026-01-01T00:00:00Z"},
        )
    ),
}
MEMBERS = {
    "ana": ["ShopEngineers", "Migration"],
    "ben": ["ShopEngineers"],
    "cyd": ["DataTeam", "Migration"],
    "finn": ["DataTeam"],
    "eve": ["Contractors"],
    "dan": [],
}
DAN_POLICY = _document(_assume([role_arn("data-prod", "Auditor")]))


def roles() -> list[tuple[str, str, str, list[str], dict[str, Any] | None, int]]:
    """(account, role, trust, managed policies, inline policy, MaxSessionDuration)."""
    root = f"arn:aws:iam::{IDENTITY}:root"
    out = []
    for account in ACCOUNTS.values():
        session = 3600 if account.endswith("prod") else 43200
        mfa = account != "data-dev"  # data-dev's roles were made without an MFA condition
        out.append((account, "Admin", _trust(root, mfa), [ADMIN], None, session))
        out.append((account, "ReadOnly", _trust(root, mfa), [READONLY], None, session))
    ben = f"arn:aws:iam::{IDENTITY}:user/ops/ben"
    out.append(("shop-prod", "BreakGlass", _trust(ben), [ADMIN], None, 3600))
    out.append(("data-prod", "Auditor", _trust(root), [], AUDIT_POLICY, 7200))
    return out


def set_up(endpoint: str) -> None:
    identity = control.admin_client(endpoint, IDENTITY, "iam", REGION)
    for group, policy in GROUPS.items():
        identity.create_group(GroupName=group)
        identity.put_group_policy(GroupName=group, PolicyName="assume", PolicyDocument=policy)
    for user, groups in MEMBERS.items():
        identity.create_user(UserName=user, Path="/ops/" if user == "ben" else "/")
        for group in groups:
            identity.add_user_to_group(GroupName=group, UserName=user)
    identity.tag_user(
        UserName="ana",
        Tags=[{"Key": "Name", "Value": "Ana Lima"}, {"Key": "Email", "Value": "ana@corp.example"}],
    )
    identity.put_user_policy(UserName="dan", PolicyName="audit", PolicyDocument=DAN_POLICY)
    device = identity.create_virtual_mfa_device(VirtualMFADeviceName="ana")["VirtualMFADevice"]
    seed = device["Base32StringSeed"]
    seed = seed.decode() if isinstance(seed, bytes) else seed
    now = control.emulator_now(endpoint)  # the emulator checks real TOTP codes, as AWS does
    identity.enable_mfa_device(
        UserName="ana",
        SerialNumber=device["SerialNumber"],
        AuthenticationCode1=totp.code(seed, now, -1),
        AuthenticationCode2=totp.code(seed, now),
    )
    for account, role, trust, managed, inline, session in roles():
        iam = control.admin_client(endpoint, account_id(account), "iam", REGION)
        iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust, MaxSessionDuration=session)
        for arn in managed:
            iam.attach_role_policy(RoleName=role, PolicyArn=arn)
        if inline:
            iam.put_role_policy(
                RoleName=role, PolicyName="audit", PolicyDocument=json.dumps(inline)
            )


def reset(endpoint: str) -> None:
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=10):
        pass
