"""IAM as a faithful deploy of the example organization leaves it, built from the same
declarations verify compares with: the starting point of the drift tests that need no emulator
(each changes one thing and checks the exact finding)."""

from __future__ import annotations

import copy
import datetime as dt
import json
import urllib.parse
from typing import Any

from botocore.exceptions import ClientError

from helpers import REPO
from jumpgate.deploy.clients import Target
from jumpgate.generate.expand import everyone_group
from jumpgate.generate.expansion import Expansion
from jumpgate.generate.policies import group_policy, principal_tags, trust_policy
from jumpgate.model.organization import Organization
from jumpgate.validate.flow import validate
from jumpgate.verify.drift import GROUP_POLICY_NAME, Observed

TODAY = dt.date(2026, 11, 28)


def example() -> tuple[Organization, Expansion]:
    result = validate(REPO, TODAY)
    return result.org, result.expansion


def force_mfa_arn(org: Organization, exp: Expansion) -> str:
    assert exp.identity is not None
    return f"arn:aws:iam::{exp.identity.id}:policy{org.path}{org.prefix}-force-mfa"


def as_deployed(org: Organization, exp: Expansion) -> dict[str, Observed]:
    """Account name -> what read_identity / read_target would read after a clean deploy (copies:
    a test may change them)."""
    assert exp.identity is not None
    identity = Observed()
    everyone = everyone_group(org)
    for name, user in exp.users.items():
        tags = {
            **principal_tags(user),
            "jumpgate:name": user.name,
            "jumpgate:email": user.email,
            "jumpgate:teams": " ".join(sorted(user.teams)),
        }
        groups = sorted({everyone, *user.groups})
        identity.users[name] = {"path": org.path, "groups": groups, "tags": tags}
    identity.groups[everyone] = {"inline": {}, "managed": [force_mfa_arn(org, exp)]}
    for name, group in exp.groups.items():
        inline: dict[str, Any] = {GROUP_POLICY_NAME: group_policy(group, org.path)}
        identity.groups[name] = {"inline": inline, "managed": []}
    observed = {exp.identity.name: identity}
    for name in org.accounts:
        observed.setdefault(name, Observed())
    for (account_name, name), role in exp.roles.items():
        observed[account_name].roles[name] = {
            "path": org.path,
            "trust": trust_policy(role, exp.identity.id, org.path),
            "max_session": role.max_session_seconds,
            "boundary": role.permissions_boundary or "",
            "managed": sorted(role.level.managed_policies),
            "inline": {f"{name}-custom": copy.deepcopy(role.level.policy)}
            if role.level.policy
            else {},
        }
    return observed


class Pager:
    def __init__(self, method: Any) -> None:
        self.method = method

    def paginate(self, **kwargs: Any) -> list[dict[str, Any]]:
        """One item a page: a reader must gather every page (shared by the in-memory IAMs)."""
        found: dict[str, list[Any]] = self.method(**kwargs)
        ((key, items),) = found.items()
        return [{key: [item]} for item in items] or [{key: []}]


class DeployedIAM:
    """One account's IAM serving an `Observed` the way the IAM API returns it: documents
    URL-encoded where IAM encodes them, paginated, filtered by path."""

    def __init__(self, account_id: str, seen: Observed) -> None:
        self.account_id = account_id
        self.seen = seen
        self.password: dict[str, Any] | None = None
        self.own: dict[str, dict[str, Any]] = {}  # user -> their own inline policies
        self.refuse: set[str] = set()  # operations that fail with AccessDenied
        self.group_paths: dict[str, str] = {}  # group -> path (default jumpgate's)

    def _check(self, operation: str) -> None:
        if operation in self.refuse:
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, operation)

    def get_paginator(self, operation: str) -> Pager:
        return Pager(getattr(self, operation))

    def list_users(self, PathPrefix: str = "/") -> dict[str, Any]:
        users = self.seen.users.items()
        return {
            "Users": [
                {
                    "UserName": name,
                    "Path": user["path"],
                    "Arn": f"arn:aws:iam::{self.account_id}:user{user['path']}{name}",
                }
                for name, user in users
                if user["path"].startswith(PathPrefix)
            ]
        }

    def list_groups_for_user(self, UserName: str) -> dict[str, Any]:
        groups = self.seen.users[UserName]["groups"]
        return {"Groups": [{"GroupName": g} for g in reversed(groups)]}

    def list_user_tags(self, UserName: str) -> dict[str, Any]:
        tags = self.seen.users[UserName]["tags"]
        return {"Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}

    def list_user_policies(self, UserName: str) -> dict[str, Any]:
        self._check("ListUserPolicies")
        return {"PolicyNames": list(self.own.get(UserName, {}))}

    def get_user_policy(self, UserName: str, PolicyName: str) -> dict[str, Any]:
        return {"PolicyDocument": self.own[UserName][PolicyName]}

    def list_attached_user_policies(self, UserName: str) -> dict[str, Any]:
        return {"AttachedPolicies": []}

    def list_access_keys(self, UserName: str) -> dict[str, Any]:
        return {"AccessKeyMetadata": []}

    def list_groups(self, PathPrefix: str) -> dict[str, Any]:
        paths = {g: self.group_paths.get(g, "/jumpgate/") for g in self.seen.groups}
        return {"Groups": [{"GroupName": g} for g, p in paths.items() if p.startswith(PathPrefix)]}

    def list_group_policies(self, GroupName: str) -> dict[str, Any]:
        return {"PolicyNames": list(self.seen.groups[GroupName]["inline"])}

    def get_group_policy(self, GroupName: str, PolicyName: str) -> dict[str, Any]:
        document = self.seen.groups[GroupName]["inline"][PolicyName]
        return {"PolicyDocument": urllib.parse.quote(json.dumps(document))}

    def list_attached_group_policies(self, GroupName: str) -> dict[str, Any]:
        managed = self.seen.groups[GroupName]["managed"]
        return {"AttachedPolicies": [{"PolicyArn": a} for a in reversed(managed)]}

    def list_roles(self, PathPrefix: str) -> dict[str, Any]:
        roles = self.seen.roles.items()
        return {
            "Roles": [{"RoleName": r} for r, role in roles if role["path"].startswith(PathPrefix)]
        }

    def get_role(self, RoleName: str) -> dict[str, Any]:
        role = self.seen.roles[RoleName]
        found = {"Path": role["path"], "AssumeRolePolicyDocument": role["trust"]}
        if role["max_session"] != 3600:  # IAM's default, which a role may leave out
            found["MaxSessionDuration"] = role["max_session"]
        if role["boundary"]:
            found["PermissionsBoundary"] = {"PermissionsBoundaryArn": role["boundary"]}
        return {"Role": found}

    def list_role_policies(self, RoleName: str) -> dict[str, Any]:
        return {"PolicyNames": list(self.seen.roles[RoleName]["inline"])}

    def get_role_policy(self, RoleName: str, PolicyName: str) -> dict[str, Any]:
        return {"PolicyDocument": self.seen.roles[RoleName]["inline"][PolicyName]}

    def list_attached_role_policies(self, RoleName: str) -> dict[str, Any]:
        managed = self.seen.roles[RoleName]["managed"]
        return {"AttachedPolicies": [{"PolicyArn": a} for a in managed]}

    def get_account_password_policy(self) -> dict[str, Any]:
        self._check("GetAccountPasswordPolicy")
        if self.password is None:
            raise ClientError({"Error": {"Code": "NoSuchEntity"}}, "GetAccountPasswordPolicy")
        return {"PasswordPolicy": self.password}


class DeployedTarget(Target):
    """Every account of the organization serving its part of `as_deployed`; `broken` accounts
    (by id) refuse every client."""

    def __init__(self, org: Organization, observed: dict[str, Observed]) -> None:
        super().__init__("local", "eu-west-1")
        self.iams = {a.id: DeployedIAM(a.id, observed[a.name]) for a in org.accounts.values()}
        self.broken: set[str] = set()

    def client(self, account_id: str, service: str) -> Any:
        assert service == "iam"
        if account_id in self.broken:
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "AssumeRole")
        return self.iams[account_id]
