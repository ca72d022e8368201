"""One request's authorization, by AWS's policy evaluation logic, with the project's evaluator.

`jumpgate.core.iam_eval` decides each policy (explicit Deny, else Allow, else implicit deny);
this module builds what it is given: the resource the action is on, the request context, and
which policies take part (identity policies, the permissions boundary, and for `sts:AssumeRole`
the role's trust policy). A statement the evaluator does not understand never allows, and a
Deny it does not understand denies: the emulator may be stricter than AWS, never more lenient.
Sources for every rule: docs/emulator.md.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from moto.cloudformation.models import cloudformation_backends
from moto.core.exceptions import AccessDeniedError, _RESTError
from moto.iam.models import iam_backends

from jumpgate.core.iam_eval import (
    ALLOW,
    DENY,
    IMPLICIT,
    Context,
    Unsupported,
    decide_prepared,
    prepare,
)
from jumpgate.emulator import clock
from jumpgate.emulator.principals import Caller

# IAM actions on the caller's own user when UserName is left out (IAM API Reference: "If you do
# not specify a user name, IAM determines the user name implicitly based on the AWS access key
# ID signing the request").
SELF_ACTIONS = frozenset(
    {
        "iam:ChangePassword",
        "iam:CreateAccessKey",
        "iam:DeleteAccessKey",
        "iam:GetUser",
        "iam:ListAccessKeys",
        "iam:ListMFADevices",
        "iam:UpdateAccessKey",
        "iam:GetLoginProfile",
        "iam:ListGroupsForUser",
    }
)


class Denied(AccessDeniedError):
    """AWS's wording: who, what, on which resource, and why."""

    def __init__(self, caller_arn: str, action: str, resource: str, why: str) -> None:
        message = f"User: {caller_arn} is not authorized to perform: {action}"
        if resource != "*":
            message += f" on resource: {resource}"
        _RESTError.__init__(self, "AccessDenied", f"{message} {why}".strip())


def _statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    found = policy.get("Statement", [])
    return found if isinstance(found, list) else [found]


def evaluate(
    policies: list[dict[str, Any]],
    action: str,
    resource: str,
    context: Context,
    principal_account: str = "",
) -> str:
    """ALLOW, DENY or IMPLICIT over `policies`, statement by statement (see module doc)."""
    allowed = False
    for policy in policies:
        for statement in _statements(policy):
            try:
                prepared = prepare(
                    [{"Statement": [statement]}],
                    action,
                    resource,
                    context,
                    principal_account=principal_account,
                )
                verdict = decide_prepared(prepared, context)
            except (Unsupported, ValueError, TypeError, AttributeError):
                verdict = DENY if statement.get("Effect") == "Deny" else IMPLICIT
            if verdict == DENY:
                return DENY
            allowed = allowed or verdict == ALLOW
    return ALLOW if allowed else IMPLICIT


def _iam(account_id: str) -> Any:
    return iam_backends[account_id]["aws"]


def _user_arn(account_id: str, name: str, path: str | None = None) -> str:
    user = _iam(account_id).users.get(name)
    if user is not None:
        return str(user.arn)
    return f"arn:aws:iam::{account_id}:user{path or '/'}{name}"


def _named_arn(account_id: str, kind: str, name: str, table: dict[str, Any]) -> str:
    for item in table.values():
        if item.name == name:
            return str(item.arn)
    return f"arn:aws:iam::{account_id}:{kind}/{name}"


def _iam_resource(caller: Caller, action: str, params: dict[str, Any], account_id: str) -> str:
    operation = action.split(":", 1)[1]
    if "Group" in operation and params.get("GroupName"):
        return _named_arn(account_id, "group", params["GroupName"], _iam(account_id).groups)
    if "Role" in operation and params.get("RoleName"):
        return _named_arn(account_id, "role", params["RoleName"], _iam(account_id).roles)
    if params.get("UserName"):
        return _user_arn(account_id, params["UserName"], params.get("Path"))
    if operation in ("CreateVirtualMFADevice",):
        return f"arn:aws:iam::{account_id}:mfa{params.get('Path') or '/'}" + str(
            params.get("VirtualMFADeviceName", "")
        )
    if operation == "DeleteVirtualMFADevice" and params.get("SerialNumber"):
        return str(params["SerialNumber"])
    if action in SELF_ACTIONS and caller.user_name is not None:
        return caller.arn
    if "Policy" in operation and params.get("PolicyArn"):
        return str(params["PolicyArn"])
    if operation == "CreatePolicy" and params.get("PolicyName"):
        return f"arn:aws:iam::{account_id}:policy{params.get('Path') or '/'}{params['PolicyName']}"
    return "*"


def _stack_arn(account_id: str, region: str, name_or_arn: str) -> str:
    if name_or_arn.startswith("arn:"):
        return name_or_arn
    backend = cloudformation_backends[account_id][region]
    for stack in list(backend.stacks.values()):
        if stack.name == name_or_arn:
            return str(stack.stack_id)
    return f"arn:aws:cloudformation:{region}:{account_id}:stack/{name_or_arn}/*"


def _cfn_resource(params: dict[str, Any], account_id: str, region: str) -> str:
    stack = params.get("StackName")
    if stack:
        return _stack_arn(account_id, region, str(stack))
    change_set = params.get("ChangeSetName")
    if change_set:
        found = cloudformation_backends[account_id][region].change_sets.get(str(change_set))
        if found is not None:
            return str(found.stack_id)
    return "*"


def resource_of(
    caller: Caller, action: str, params: dict[str, Any], account_id: str, region: str
) -> str:
    service = action.split(":", 1)[0]
    if service == "iam":
        return _iam_resource(caller, action, params, account_id)
    if service == "cloudformation":
        return _cfn_resource(params, account_id, region)
    if action == "sts:AssumeRole":
        return str(params.get("RoleArn", "*"))
    return "*"


def _resource_account(resource: str, request_account: str) -> str:
    parts = resource.split(":")
    if len(parts) > 4 and parts[4].isdigit():
        return parts[4]
    return request_account


_TAG_PARAM = re.compile(r"Tags\.member\.(\d+)\.(Key|Value)")
_TAG_KEY_PARAM = re.compile(r"TagKeys\.member\.\d+")


def request_tags(params: dict[str, Any]) -> tuple[dict[str, str], tuple[str, ...]]:
    """(aws:RequestTag/<key> values, aws:TagKeys) of a request: the tags it sets (`Tags`), or
    the keys it removes (`TagKeys`, UntagUser/UntagRole)."""
    pairs: dict[str, dict[str, str]] = {}
    for name, value in params.items():
        match = _TAG_PARAM.fullmatch(name)
        if match is not None:
            pairs.setdefault(match.group(1), {})[match.group(2)] = str(value)
    tags = {p["Key"]: p.get("Value", "") for _, p in sorted(pairs.items()) if "Key" in p}
    removed = [str(v) for k, v in sorted(params.items()) if _TAG_KEY_PARAM.fullmatch(k)]
    return tags, (*tags, *removed)


def context_of(
    caller: Caller, action: str, resource: str, params: dict[str, Any], request_account: str
) -> dict[str, str | tuple[str, ...]]:
    """The request context (IAM User Guide, "AWS global condition context keys"): keys that do
    not apply to these credentials are absent, never false."""
    now = clock.now()
    context: dict[str, str | tuple[str, ...]] = {
        "aws:currenttime": clock.iso(now),
        "aws:epochtime": str(int(now.timestamp())),
        "aws:principalarn": caller.principal_arn,
        "aws:principalaccount": caller.account_id,
        "aws:userid": caller.user_id,
        "aws:resourceaccount": _resource_account(resource, request_account),
        "aws:principaltype": {"root": "Account", "user": "User", "role": "AssumedRole"}[
            caller.kind
        ],
    }
    if caller.user_name is not None:
        context["aws:username"] = caller.user_name
    for key, value in caller.tags.items():  # tag keys are case-insensitive in IAM
        context[f"aws:principaltag/{key.lower()}"] = value
    tags, tag_keys = request_tags(params)
    if tag_keys:
        context["aws:tagkeys"] = tag_keys
    for key, value in tags.items():
        context[f"aws:requesttag/{key.lower()}"] = value
    if caller.temporary:
        context["aws:multifactorauthpresent"] = "true" if caller.mfa else "false"
        if caller.mfa and caller.mfa_time is not None:
            context["aws:multifactorauthage"] = str(int((now - caller.mfa_time).total_seconds()))
    if caller.source_identity is not None:
        context["aws:sourceidentity"] = caller.source_identity
    if action == "sts:AssumeRole":
        if params.get("RoleSessionName") is not None:
            context["sts:rolesessionname"] = str(params["RoleSessionName"])
        if params.get("SourceIdentity") is not None:
            context["sts:sourceidentity"] = str(params["SourceIdentity"])
        elif caller.source_identity is not None:  # carried over by role chaining
            context["sts:sourceidentity"] = caller.source_identity
    if params.get("PolicyArn") and action.startswith("iam:Attach"):
        context["iam:policyarn"] = str(params["PolicyArn"])
    return context


def identity_verdict(
    caller: Caller, action: str, resource: str, context: Context
) -> tuple[str, str]:
    """(verdict, why) of the caller's identity policies and permissions boundary."""
    if caller.kind == "root":
        return ALLOW, ""
    verdict = evaluate(caller.policies, action, resource, context)
    if verdict == DENY:
        return DENY, "with an explicit deny in an identity-based policy"
    if caller.boundary is not None:
        bounded = evaluate([caller.boundary], action, resource, context)
        if bounded != ALLOW:
            return DENY, "because no permissions boundary allows the " + action + " action"
    if verdict != ALLOW:
        return IMPLICIT, f"because no identity-based policy allows the {action} action"
    return ALLOW, ""


def trust_verdict(
    caller: Caller, action: str, role: Any, context: Context, identity: str
) -> tuple[bool, str]:
    """Cross-account (or a trust that names only the account): both sides must allow; within
    the account a trust naming the principal itself is enough (IAM User Guide, "Policy
    evaluation logic" and "Cross-account policy evaluation logic")."""
    trust = json.loads(role.assume_role_policy_document)
    if isinstance(trust, str):
        trust = json.loads(trust)
    verdict = evaluate([trust], action, role.arn, context, principal_account=caller.account_id)
    if verdict == DENY:
        return False, "with an explicit deny in a resource-based policy"
    if verdict != ALLOW:
        return False, "because no resource-based policy allows the " + action + " action"
    if identity == ALLOW:
        return True, ""
    same_account = role.account_id == caller.account_id
    if same_account and identity == IMPLICIT:
        named = evaluate([trust], action, role.arn, context, principal_account="")
        if named == ALLOW:
            return True, ""
    return False, f"because no identity-based policy allows the {action} action"


def role_by_arn(arn: str) -> Any:
    parts = arn.split(":")
    if len(parts) < 6 or parts[4] not in iam_backends:
        return None
    for role in list(_iam(parts[4]).roles.values()):
        if role.arn == arn:
            return role
    return None


def expired(expires: dt.datetime) -> bool:
    return clock.now() >= expires
