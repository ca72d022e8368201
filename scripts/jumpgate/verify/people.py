"""What else grants access in the identity account: a person's own policies (E919), old access
keys (W920), and users outside jumpgate's path whose policies allow assuming a jumpgate role
(E921). Read with the deployer's read-only rights; evaluated with `report.iam_eval`."""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import Any

from botocore.exceptions import ClientError

from jumpgate.core.findings import Finding
from jumpgate.core.rules import hint_of
from jumpgate.report.iam_eval import ALLOW, Unsupported, decide

KEY_MAX_AGE = dt.timedelta(days=90)  # CIS AWS Foundations Benchmark 1.14: rotate every 90 days


def _pages(client: Any, operation: str, key: str, **kwargs: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in client.get_paginator(operation).paginate(**kwargs):
        items.extend(page[key])
    return items


def _document(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        value = json.loads(urllib.parse.unquote(value))
    return value if isinstance(value, dict) else {}


def _managed(iam: Any, arn: str) -> dict[str, Any]:
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    found = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]
    return _document(found["Document"])


def own_policies(iam: Any, user: str) -> tuple[list[str], list[str]]:
    """(inline policy names, attached policy ARNs) of one user."""
    inline: list[Any] = _pages(iam, "list_user_policies", "PolicyNames", UserName=user)
    attached = _pages(iam, "list_attached_user_policies", "AttachedPolicies", UserName=user)
    return sorted(str(n) for n in inline), sorted(p["PolicyArn"] for p in attached)


def _user_documents(iam: Any, user: str) -> list[dict[str, Any]]:
    """Every identity policy that applies to a user: own and groups', inline and attached."""
    docs = []
    inline, attached = own_policies(iam, user)
    docs += [
        _document(iam.get_user_policy(UserName=user, PolicyName=n)["PolicyDocument"])
        for n in inline
    ]
    docs += [_managed(iam, arn) for arn in attached]
    for group in _pages(iam, "list_groups_for_user", "Groups", UserName=user):
        name = group["GroupName"]
        for policy in _pages(iam, "list_group_policies", "PolicyNames", GroupName=name):
            found = iam.get_group_policy(GroupName=name, PolicyName=policy)["PolicyDocument"]
            docs.append(_document(found))
        for item in _pages(iam, "list_attached_group_policies", "AttachedPolicies", GroupName=name):
            docs.append(_managed(iam, item["PolicyArn"]))
    return docs


def check_people(
    iam: Any,
    where: str,
    path: str,
    people: Iterable[str],
    role_arns: Mapping[str, Mapping[str, Any] | None],
    now: dt.datetime,
) -> list[Finding]:
    """`role_arns`: jumpgate's roles, each with its trust policy as deployed (None when its
    account could not be read: then the user's own policies alone decide, to report, not hide)."""
    out: list[Finding] = []
    declared = set(people)
    roles = dict(sorted(role_arns.items()))
    for user in _pages(iam, "list_users", "Users"):
        name = user["UserName"]
        at = f"{where}/user/{name}"
        if user["Path"].startswith(path):
            if name not in declared:
                continue  # E902 already
            inline, attached = own_policies(iam, name)
            if inline or attached:
                message = f"{name}: inline {inline or 'none'}, attached {attached or 'none'}"
                out.append(Finding(at, 0, 0, "E919", message, hint_of("E919")))
            for key in _pages(iam, "list_access_keys", "AccessKeyMetadata", UserName=name):
                age = now - key["CreateDate"]
                if key.get("Status") == "Active" and age > KEY_MAX_AGE:
                    message = f"{name}: access key {key['AccessKeyId']} is {age.days} days old"
                    out.append(Finding(at, 0, 0, "W920", message, hint_of("W920")))
            continue
        out += _outsider(iam, at, name, user["Arn"], roles, now)
    return out


def _outsider(
    iam: Any,
    at: str,
    name: str,
    arn: str,
    roles: Mapping[str, Mapping[str, Any] | None],
    now: dt.datetime,
) -> list[Finding]:
    """A user off jumpgate's path who could assume one of its roles: their own and their
    groups' policies allow it, and so does the role's trust as deployed (both sides, as AWS
    decides a cross-account AssumeRole)."""
    try:
        documents = _user_documents(iam, name)
    except ClientError as err:
        return [Finding(at, 0, 0, "E914", f"{name}: {err}", hint_of("E914"))]
    context = {
        "aws:currenttime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:multifactorauthpresent": "true",
        "aws:principalarn": arn,
        "aws:username": name,
    }
    caller_account = arn.split(":")[4]
    reached = []
    for role, trust in roles.items():
        request = {**context, "aws:resourceaccount": role.split(":")[4]}
        try:
            allowed = decide(documents, "sts:AssumeRole", role, request) == ALLOW and (
                trust is None
                or decide(
                    [trust], "sts:AssumeRole", role, request, principal_account=caller_account
                )
                == ALLOW
            )
        except Unsupported:
            allowed = True  # a policy the evaluator cannot read is reported, never trusted
        if allowed:
            reached.append(role)
    if not reached:
        return []
    more = f" and {len(reached) - 1} more" if len(reached) > 1 else ""
    message = f"{name} (path outside jumpgate's) may assume {reached[0]}{more}"
    return [Finding(at, 0, 0, "E921", message, hint_of("E921"))]
