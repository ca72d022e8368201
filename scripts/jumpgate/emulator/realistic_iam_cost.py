"""Realistic mode: the IAM calls CloudFormation itself makes for a stack operation.

CloudFormation creates IAM resources by calling IAM in the caller's account, and those calls
share the account's IAM request rate: "Rate exceeded" inside a stack is IAM throttling
CloudFormation (re:Post, docs/facts.md). moto applies a stack at once, so realistic mode
charges the account's `iam-write` bucket with the calls a real stack operation would make and
keeps the stack in progress until the bucket could have served them. One call per resource,
plus one per group membership, inline policy and attached managed policy (CreateUser /
AddUserToGroup, CreateRole / PutRolePolicy / AttachRolePolicy, ...): a count of API
operations as the IAM API defines them, not a measured CloudFormation figure.
"""

from __future__ import annotations

import json
from typing import Any

# property → it costs one call per entry
_PER_ENTRY = ("Groups", "Policies", "ManagedPolicyArns")


def _entries(value: Any, parameters: dict[str, str]) -> int:
    if isinstance(value, list):
        return len(value)
    if isinstance(value, dict) and "Ref" in value:  # a CommaDelimitedList parameter
        text = parameters.get(str(value["Ref"]), "")
        return len([v for v in text.split(",") if v])
    return 1 if value else 0  # another intrinsic: at least one entry


def resource_calls(resource: Any, parameters: dict[str, str]) -> int:
    if not isinstance(resource, dict) or not str(resource.get("Type", "")).startswith("AWS::IAM::"):
        return 0
    properties = resource.get("Properties") or {}
    return 1 + sum(_entries(properties.get(key), parameters) for key in _PER_ENTRY)


def iam_write_calls(old: dict[str, Any], new: dict[str, Any], parameters: dict[str, str]) -> int:
    """Calls to create what is new, rewrite what changed and delete what is gone."""
    before = old.get("Resources") or {}
    after = new.get("Resources") or {}
    calls = 0
    for logical, resource in after.items():
        if logical not in before or _canonical(before[logical]) != _canonical(resource):
            calls += resource_calls(resource, parameters)
    for logical, resource in before.items():
        if logical not in after:
            calls += resource_calls(resource, parameters)
    return calls


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)
