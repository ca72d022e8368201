"""The policy documents the templates produce, as Python values.

The templates are the source of truth; these builders mirror them so that sizes can be
checked and policies inspected without CloudFormation. tests/test_policies.py proves that
each builder equals what cfn-policy-validator reads out of the real template.
"""

from __future__ import annotations

from typing import Any

from jumpgate.expand import Group, Role

PARTITION = "aws"


def group_policy(group: Group, path: str) -> dict[str, Any]:
    arns = sorted(role.arn(path) for role in group.roles)
    expiry = {"DateLessThan": {"aws:CurrentTime": group.expires_at}} if group.expires_at else {}
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AssumeGrantedRolesWithMfa",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": arns,
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}, **expiry},
            },
            {
                "Sid": "SourceIdentityIsOwnUserName",
                "Effect": "Allow",
                "Action": "sts:SetSourceIdentity",
                "Resource": arns,
                "Condition": {"StringEquals": {"sts:SourceIdentity": "${aws:username}"}, **expiry},
            },
        ],
    }


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
