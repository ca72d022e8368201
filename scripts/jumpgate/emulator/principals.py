"""Who signed a request, as IAM sees it: the principal, its policies and its session facts.

Four kinds of credentials reach the emulator:
- an IAM user's access key (long-term: no MFA key at all in the request context);
- a GetSessionToken session of a user (temporary: `aws:MultiFactorAuthPresent` true or false,
  with the MFA sign-in time for `aws:MultiFactorAuthAge`);
- an AssumeRole session (the role's policies and boundary; MFA and source identity carried over
  from the session that assumed it);
- the operator keys (`jumpgate.core.aws.LOCAL_KEY`, `LOCAL_STRICT_KEY`): with an
  `x-moto-account-id` header, that account's root user (how an administrator with the account's
  root credentials acts); without one, the pipeline's pre-approval (LOCAL_KEY) or post-approval
  (LOCAL_STRICT_KEY) CodeBuild role in the identity account (the roles tagged
  `jumpgate:local-ambient` = `pre-approval` / `post-approval`, created by
  `control.bootstrap_accounts`), whose credentials a build gets from its container on AWS.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from moto.iam.models import iam_backends
from moto.sts.models import sts_backends

from jumpgate.core.aws import LOCAL_KEY, LOCAL_STRICT_KEY

AMBIENT_TAG = "jumpgate:local-ambient"
AWS_PARTITION = "aws"


@dataclass
class Session:
    """Temporary credentials issued by the emulator's GetSessionToken or AssumeRole."""

    account_id: str
    access_key_id: str
    secret: str
    token: str
    expires: dt.datetime
    user_name: str | None = None  # GetSessionToken sessions
    mfa: bool = False
    mfa_time: dt.datetime | None = None
    source_identity: str | None = None
    assumed: bool = False  # an AssumeRole session (role chaining caps its successors at 1 h)
    role_arn: str | None = None  # AssumeRole sessions: the role and the session name
    session_name: str | None = None


SESSIONS: dict[str, Session] = {}


@dataclass
class Caller:
    kind: str  # "root", "user" or "role"
    account_id: str
    arn: str  # the identity as AWS prints it (errors, GetCallerIdentity)
    principal_arn: str  # aws:PrincipalArn: the user, the role (not the session) or root
    user_id: str
    user_name: str | None = None
    policies: list[dict[str, Any]] = field(default_factory=list)
    boundary: dict[str, Any] | None = None
    temporary: bool = False
    mfa: bool = False
    mfa_time: dt.datetime | None = None
    source_identity: str | None = None
    assumed: bool = False
    role_name: str | None = None
    tags: dict[str, str] = field(
        default_factory=dict
    )  # aws:PrincipalTag/<key>: the user's, the role's


def _backend(account_id: str) -> Any:
    return iam_backends[account_id][AWS_PARTITION]


def _document(text: Any) -> dict[str, Any]:
    value = json.loads(text) if isinstance(text, str) else text
    return value if isinstance(value, dict) else {}


def managed_document(backend: Any, arn: str) -> dict[str, Any] | None:
    policy = backend.managed_policies.get(arn)
    if policy is None:
        try:
            policy = backend.get_policy(arn)
        except Exception:  # an unknown policy: it grants nothing
            return None
    version = next((v for v in policy.versions if v.is_default), None)
    return _document(version.document) if version is not None else None


def _attached(backend: Any, entity: Any) -> list[dict[str, Any]]:
    out = [_document(text) for text in entity.policies.values()]
    for arn in entity.managed_policies:
        found = managed_document(backend, arn)
        if found is not None:
            out.append(found)
    return out


def _tags(listed: Any) -> dict[str, str]:
    items = listed.values() if isinstance(listed, dict) else listed or []
    return {str(t["Key"]): str(t["Value"]) for t in items}


def user_caller(account_id: str, user: Any, session: Session | None = None) -> Caller:
    backend = _backend(account_id)
    policies = _attached(backend, user)
    for group in backend.get_groups_for_user(user.name):
        policies += _attached(backend, group)
    boundary_arn = getattr(user, "permissions_boundary_arn", None)
    return Caller(
        kind="user",
        account_id=account_id,
        arn=user.arn,
        principal_arn=user.arn,
        user_id=user.id,
        user_name=user.name,
        policies=policies,
        boundary=managed_document(backend, boundary_arn) if boundary_arn else None,
        temporary=session is not None,
        mfa=bool(session and session.mfa),
        mfa_time=session.mfa_time if session else None,
        # A user's tags, for its long-term keys and its GetSessionToken sessions alike
        # (docs/emulator.md: aws:PrincipalTag).
        tags=_tags(backend.tagger.list_tags_for_resource(user.arn)["Tags"]),
    )


def role_caller(account_id: str, role: Any, session_name: str, session: Session | None) -> Caller:
    backend = _backend(account_id)
    boundary_arn = role.permissions_boundary_arn
    return Caller(
        kind="role",
        account_id=account_id,
        arn=f"arn:aws:sts::{account_id}:assumed-role/{role.name}/{session_name}",
        principal_arn=role.arn,
        user_id=f"{role.id}:{session_name}",
        policies=_attached(backend, role),
        boundary=managed_document(backend, boundary_arn) if boundary_arn else None,
        temporary=True,
        mfa=bool(session and session.mfa),
        mfa_time=session.mfa_time if session else None,
        source_identity=session.source_identity if session else None,
        assumed=True,
        role_name=role.name,
        tags=_tags(role.tags),  # session tags are refused by AssumeRole (enforcement)
    )


def root_caller(account_id: str) -> Caller:
    return Caller(
        kind="root",
        account_id=account_id,
        arn=f"arn:aws:iam::{account_id}:root",
        principal_arn=f"arn:aws:iam::{account_id}:root",
        user_id=account_id,
    )


def ambient_role(post_approval: bool = False) -> tuple[str, Any] | None:
    """(account, role) of the pipeline role an operator key stands for, if bootstrapped."""
    side = "post-approval" if post_approval else "pre-approval"
    for account_id, partitions in list(iam_backends.items()):
        backend = partitions[AWS_PARTITION]
        for role in list(backend.roles.values()):
            tags = role.tags.values() if isinstance(role.tags, dict) else role.tags
            if any(
                str(t.get("Key", "")).lower() == AMBIENT_TAG and t.get("Value") == side
                for t in tags
            ):
                return account_id, role
    return None


def find_user_by_key(account_id: str, access_key_id: str) -> Any:
    backend = _backend(account_id)
    for user in backend.users.values():
        if any(k.access_key_id == access_key_id for k in user.access_keys):
            return user
    return None


def resolve(account_id: str, access_key_id: str, headers: Any) -> Caller | None:
    """The caller behind `access_key_id` (None: not a key the emulator knows)."""
    if access_key_id in (LOCAL_KEY, LOCAL_STRICT_KEY):
        if "x-moto-account-id" in headers:
            return root_caller(account_id)
        found = ambient_role(post_approval=access_key_id == LOCAL_STRICT_KEY)
        if found is None:
            return root_caller(account_id)
        ambient_account, role = found
        return role_caller(ambient_account, role, "codebuild", None)
    session = SESSIONS.get(access_key_id)
    if session is not None and session.user_name is not None:
        user = _backend(session.account_id).users.get(session.user_name)
        return user_caller(session.account_id, user, session) if user else None
    if session is not None and session.role_arn is not None:
        for role in _backend(session.account_id).roles.values():
            if role.arn == session.role_arn:
                return role_caller(session.account_id, role, session.session_name or "", session)
        return None
    for assumed in sts_backends[account_id][AWS_PARTITION].assumed_roles:
        if assumed.access_key_id == access_key_id:
            role_name = assumed.role_arn.split("/")[-1]
            role = _backend(account_id).roles.get(_role_id(account_id, assumed.role_arn))
            if role is None:
                role = next(
                    (r for r in _backend(account_id).roles.values() if r.name == role_name), None
                )
            if role is None:
                return None
            return role_caller(account_id, role, assumed.session_name, session)
    user = find_user_by_key(account_id, access_key_id)
    return user_caller(account_id, user) if user is not None else None


def _role_id(account_id: str, arn: str) -> str:
    for role_id, role in _backend(account_id).roles.items():
        if role.arn == arn:
            return str(role_id)
    return ""
