"""The policy documents the templates produce, as Python values.

The templates are the source of truth; these builders mirror them so that sizes can be
checked and policies inspected without CloudFormation. tests/test_policies.py proves that
each builder equals what cfn-policy-validator reads out of the real template.

A group is one grant: one role name (its level) over a set of accounts. Its policy has two
forms (identity-group.yaml): explicit, every role ARN in `Resource`, while that is small
(`limits.explicit_group_policy_max_chars`); compact otherwise, the role name in any account
narrowed by `StringEquals aws:ResourceAccount` to the granted account ids. Both allow the
same (account, role) pairs; tests/test_access.py proves it with group_policy_eval.
"""

from __future__ import annotations

import hashlib
from typing import Any

from jumpgate.core.limits import explicit_group_policy_max_chars, limit, policy_chars
from jumpgate.generate.expansion import Group, Role, User

PARTITION = "aws"
EXPLICIT, COMPACT = "explicit", "compact"
# The user tag naming a person's strict groups. Prod roles trust only people who carry it; only
# the post-approval deployer may set it (bootstrap.yaml), so code running before the approval
# cannot open a path into prod, whatever policy it writes on a non-strict group.
STRICT_GROUPS_TAG = "jumpgate:strict-groups"
STRICT_GROUP_ID_CHARS = 8


def strict_group_id(group_name: str) -> str:
    """A short stable id of a strict group: a person in the most groups IAM allows (10) gets a
    tag value of 91 characters, within IAM's limit. validate rejects two groups with one id
    (E220). IAM group names are case-insensitive, so is the id."""
    digest = hashlib.sha256(group_name.lower().encode()).hexdigest()
    return digest[:STRICT_GROUP_ID_CHARS]


def strict_groups_tag_value(ids: list[str] | tuple[str, ...]) -> str:
    """`:a1b2c3d4:e5f6a7b8:`: each id between colons, so `*:<id>:*` matches exactly that id."""
    return f":{':'.join(sorted(ids))}:" if ids else ""


def principal_tags(user: User) -> dict[str, str]:
    """The user tags the trust policies test (aws:PrincipalTag/...), as deployed."""
    value = strict_groups_tag_value(user.strict_groups)
    return {STRICT_GROUPS_TAG: value} if value else {}


def strict_group_patterns(role: Role) -> list[str]:
    return [f"*:{group_id}:*" for group_id in role.strict_groups]


def role_arns(group: Group, path: str) -> list[str]:
    return sorted({role.arn(path) for role in group.roles})


def account_ids(group: Group) -> list[str]:
    return sorted({role.account_id for role in group.roles})


def group_role_name(group: Group) -> str:
    """The one role name of a group (a grant is one level)."""
    names = {role.name for role in group.roles}
    if len(names) != 1:
        raise ValueError(f"group {group.name} reaches roles {sorted(names)}, not one role name")
    return names.pop()


def _document(resource: str | list[str], group: Group, compact: bool) -> dict[str, Any]:
    condition: dict[str, Any] = {
        "Bool": {"aws:MultiFactorAuthPresent": "true"},
        "StringEqualsIfExists": {"sts:SourceIdentity": "${aws:username}"},
    }
    if compact:
        condition["StringEquals"] = {"aws:ResourceAccount": account_ids(group)}
    if group.expires_at:
        condition["DateLessThan"] = {"aws:CurrentTime": group.expires_at}
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AssumeGrantedRolesWithMfa",
                "Effect": "Allow",
                "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
                "Resource": resource,
                "Condition": condition,
            }
        ],
    }


def explicit_group_policy(group: Group, path: str) -> dict[str, Any]:
    return _document(role_arns(group, path), group, compact=False)


def compact_group_policy(group: Group, path: str) -> dict[str, Any]:
    resource = f"arn:{PARTITION}:iam::*:role{path}{group_role_name(group)}"
    return _document(resource, group, compact=True)


def group_form(group: Group, path: str) -> str:
    """Explicit while its policy takes at most half of IAM's limit and its RoleArns parameter
    fits CloudFormation's; compact otherwise."""
    if policy_chars(explicit_group_policy(group, path)) > explicit_group_policy_max_chars():
        return COMPACT
    if len(",".join(role_arns(group, path)).encode()) > limit("cfn_parameter_value_bytes"):
        return COMPACT
    return EXPLICIT


def group_policy(group: Group, path: str) -> dict[str, Any]:
    """The policy identity-group.yaml deploys for this group, in the form expand chose."""
    if group_form(group, path) == COMPACT:
        return compact_group_policy(group, path)
    return explicit_group_policy(group, path)


def group_parameters(group: Group, path: str) -> dict[str, str]:
    """The form-specific parameters of identity-group.yaml (the unused form's are empty)."""
    if group_form(group, path) == COMPACT:
        return {
            "RoleArns": "",
            "RoleName": group_role_name(group),
            "AccountIds": ",".join(account_ids(group)),
        }
    return {"RoleArns": ",".join(role_arns(group, path)), "RoleName": "", "AccountIds": ""}


def trust_policy(role: Role, identity_account_id: str, people_path: str) -> dict[str, Any]:
    root = f"arn:{PARTITION}:iam::{identity_account_id}:root"
    people = f"arn:{PARTITION}:iam::{identity_account_id}:user{people_path}*"
    assume_conditions: dict[str, Any] = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    if role.mfa_max_age_seconds:
        assume_conditions["NumericLessThan"] = {
            "aws:MultiFactorAuthAge": str(role.mfa_max_age_seconds)
        }
    if role.require_session_name:
        assume_conditions["StringEquals"] = {"sts:RoleSessionName": "${aws:username}"}
    assume_conditions["ArnLike"] = {"aws:PrincipalArn": people}
    if role.strict_groups:  # a list of values is OR: any strict group that reaches this role
        assume_conditions["StringLike"] = {
            f"aws:PrincipalTag/{STRICT_GROUPS_TAG}": strict_group_patterns(role)
        }
    statements: list[dict[str, Any]] = [
        {
            "Sid": "PeopleOfIdentityAccountWithMfa",
            "Effect": "Allow",
            "Principal": {"AWS": root},
            "Action": "sts:AssumeRole",
            "Condition": assume_conditions,
        },
        {
            "Sid": "SourceIdentityIsOwnUserName",
            "Effect": "Allow",
            "Principal": {"AWS": root},
            "Action": "sts:SetSourceIdentity",
            "Condition": {
                "StringEquals": {"sts:SourceIdentity": "${aws:username}"},
                "ArnLike": {"aws:PrincipalArn": people},
            },
        },
    ]
    if role.require_source_identity:
        statements.append(
            {
                "Sid": "SourceIdentityRequired",
                "Effect": "Deny",
                "Principal": {"AWS": root},
                "Action": "sts:AssumeRole",
                "Condition": {"Null": {"sts:SourceIdentity": "true"}},
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}
