"""Read the source of an import: the identity account's users and groups with every policy that
could allow `sts:AssumeRole`, and each target account's roles (trust and permissions).

Reads only (List*/Get*); any path. Managed policies attached to users or groups are read as
their default version, since an AWS-managed policy such as AdministratorAccess on a group also
allows `sts:AssumeRole` on every role that trusts the account.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from botocore.exceptions import BotoCoreError, ClientError

IamFor = Callable[[str], Any]  # account id -> an IAM client acting in that account


class SourceError(Exception):
    """An account cannot be read (exit 2)."""


@dataclass(frozen=True)
class Policy:
    """One identity policy document and where it came from (for the report)."""

    source: str  # "arn:...:group/Dev (inline assume)" or the managed policy's ARN on a user
    document: dict[str, Any]
    group: str | None  # the group's name; None for the user's own policies


@dataclass
class User:
    name: str
    arn: str
    groups: list[str]
    policies: list[Policy]  # the user's own (inline and attached)
    has_mfa: bool
    tags: dict[str, str]


@dataclass
class Role:
    account_id: str
    name: str
    arn: str
    trust: dict[str, Any]
    managed: list[str]  # AWS-managed policy ARNs
    inline: list[tuple[str, dict[str, Any]]]  # (label, document): inline and customer-managed
    boundary: str
    max_session: int


@dataclass
class Source:
    identity_id: str
    users: dict[str, User] = field(default_factory=dict)
    group_policies: dict[str, list[Policy]] = field(default_factory=dict)
    group_arns: dict[str, str] = field(default_factory=dict)
    roles: list[Role] = field(default_factory=list)


def document(value: Any) -> dict[str, Any]:
    """A policy document as IAM returns it: a dict, or URL-encoded JSON text."""
    parsed = json.loads(unquote(value)) if isinstance(value, str) else value
    return parsed if isinstance(parsed, dict) else {}


def _pages(client: Any, operation: str, key: str, **kwargs: Any) -> list[Any]:
    items: list[Any] = []
    for page in client.get_paginator(operation).paginate(**kwargs):
        items.extend(page[key])
    return items


class _Reader:
    def __init__(self, iam: Any) -> None:
        self.iam = iam
        self.managed: dict[str, dict[str, Any]] = {}

    def managed_document(self, arn: str) -> dict[str, Any]:
        if arn not in self.managed:
            version = self.iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
            found = self.iam.get_policy_version(PolicyArn=arn, VersionId=version)
            self.managed[arn] = document(found["PolicyVersion"]["Document"])
        return self.managed[arn]


def read_identity(iam: Any, identity_id: str, path: str) -> Source:
    source = Source(identity_id)
    reader = _Reader(iam)
    for group in _pages(iam, "list_groups", "Groups"):
        name = group["GroupName"]
        source.group_arns[name] = group["Arn"]
        policies = []
        for policy in _pages(iam, "list_group_policies", "PolicyNames", GroupName=name):
            got = iam.get_group_policy(GroupName=name, PolicyName=policy)["PolicyDocument"]
            policies.append(Policy(f"{group['Arn']} (inline {policy})", document(got), name))
        for attached in _pages(
            iam, "list_attached_group_policies", "AttachedPolicies", GroupName=name
        ):
            arn = attached["PolicyArn"]
            policies.append(Policy(f"{arn} on {group['Arn']}", reader.managed_document(arn), name))
        source.group_policies[name] = policies
    for user in _pages(iam, "list_users", "Users", PathPrefix=path):
        name = user["UserName"]
        own = []
        for policy in _pages(iam, "list_user_policies", "PolicyNames", UserName=name):
            got = iam.get_user_policy(UserName=name, PolicyName=policy)["PolicyDocument"]
            own.append(Policy(f"{user['Arn']} (inline {policy})", document(got), None))
        for attached in _pages(
            iam, "list_attached_user_policies", "AttachedPolicies", UserName=name
        ):
            arn = attached["PolicyArn"]
            own.append(Policy(f"{arn} on {user['Arn']}", reader.managed_document(arn), None))
        source.users[name] = User(
            name=name,
            arn=user["Arn"],
            groups=sorted(
                g["GroupName"] for g in _pages(iam, "list_groups_for_user", "Groups", UserName=name)
            ),
            policies=own,
            has_mfa=bool(_pages(iam, "list_mfa_devices", "MFADevices", UserName=name)),
            tags={t["Key"]: t["Value"] for t in iam.list_user_tags(UserName=name)["Tags"]},
        )
    return source


def read_roles(iam: Any, account_id: str) -> list[Role]:
    reader = _Reader(iam)
    roles = []
    for listed in _pages(iam, "list_roles", "Roles"):
        if listed["Path"].startswith("/aws-service-role/"):
            continue  # service-linked: never assumed by people
        name = listed["RoleName"]
        role = iam.get_role(RoleName=name)["Role"]
        inline = []
        for policy in _pages(iam, "list_role_policies", "PolicyNames", RoleName=name):
            got = iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"]
            inline.append((f"{role['Arn']} (inline {policy})", document(got)))
        managed = []
        for attached in _pages(
            iam, "list_attached_role_policies", "AttachedPolicies", RoleName=name
        ):
            arn = attached["PolicyArn"]
            if arn.split(":")[4] == "aws":
                managed.append(arn)
            else:  # a customer-managed policy exists per account: its document becomes the level's
                inline.append((arn, reader.managed_document(arn)))
        roles.append(
            Role(
                account_id=account_id,
                name=name,
                arn=role["Arn"],
                trust=document(role["AssumeRolePolicyDocument"]),
                managed=sorted(managed),
                inline=inline,
                boundary=(role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn", ""),
                max_session=int(role.get("MaxSessionDuration", 3600)),
            )
        )
    return roles


def read_source(iam_for: IamFor, identity_id: str, targets: dict[str, str], path: str) -> Source:
    """The identity account's users on `path` and its groups, every role of every target account
    (id -> name); SourceError names the account that cannot be read."""
    current = identity_id
    try:
        source = read_identity(iam_for(identity_id), identity_id, path)
        for account_id in sorted(targets):
            current = account_id
            source.roles += read_roles(iam_for(account_id), account_id)
    except (ClientError, BotoCoreError) as err:
        name = targets.get(current, "identity")
        raise SourceError(f"cannot read account {current} ({name}): {err}") from err
    return source
