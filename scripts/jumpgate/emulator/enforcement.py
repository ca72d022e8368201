"""IAM enforcement that can tell MFA sessions apart, for the local target only.

moto counts every policy condition as met, so the identity baseline's force-MFA Deny
(`BoolIfExists aws:MultiFactorAuthPresent: false`) denies everything, MFA or not; and its
GetSessionToken returns fixed example credentials that no request can use. This module:

- makes sts:GetSessionToken issue real session credentials for the calling IAM user, marked
  as MFA-authenticated when SerialNumber names an MFA device enabled for that user;
- lets such session credentials sign requests as that user (same policies);
- evaluates `Bool`/`BoolIfExists` on `aws:MultiFactorAuthPresent` from the request's
  credentials (present and true only for MFA sessions; absent for long-term keys);
- makes an Allow whose conditions are not met neutral (moto turns it into an explicit Deny);
- lets sts:GetSessionToken and sts:GetCallerIdentity through, as AWS does.

Other condition operators keep moto's behaviour (counted as met). That includes the compact
group policy form's `StringEquals aws:ResourceAccount` (identity-group.yaml): here a compact
group would reach its role in every account. The emulator deploys both forms, but the example
organization and the demo use only the explicit form (small grants; tests/test_policies.py
asserts it), so the demo's proof that a person is denied a role they were not granted holds.
That the compact form allows exactly the explicit form's pairs is proven offline instead
(group_policy_eval, tests/test_access.py).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from moto.core.responses import ActionResult
from moto.iam import access_control as _access_control
from moto.iam.models import get_account_id_from, iam_backends
from moto.sts import responses as sts_responses
from moto.utilities.utils import get_partition

ac: Any = _access_control
MFA_KEY = "aws:multifactorauthpresent"
ALWAYS_ALLOWED = ("sts:GetCallerIdentity", "sts:GetSessionToken")


@dataclass
class Session:
    account_id: str
    user_name: str
    access_key_id: str
    secret: str
    token: str
    mfa: bool


SESSIONS: dict[str, Session] = {}
_ORIGINAL: dict[str, Any] = {}
_context = threading.local()


def _request_context() -> dict[str, str]:
    return getattr(_context, "values", {})


class SessionAccessKey(_access_control.IAMUserAccessKey):
    """Session credentials from GetSessionToken: the user's own policies, plus MFA context."""

    def __init__(self, session: Session, partition: str) -> None:
        self.account_id = session.account_id
        self.partition = partition
        self._owner_user_name = session.user_name
        self._access_key_id = session.access_key_id
        self._secret_access_key = session.secret
        self._session_token = session.token
        self.mfa = session.mfa

    def create_credentials(self) -> Any:
        return ac.Credentials(self._access_key_id, self._secret_access_key, self._session_token)


def _create_access_key(original: Any) -> Any:
    def create_access_key(
        account_id: str, partition: str, access_key_id: str, headers: dict[str, str]
    ) -> Any:
        session = SESSIONS.get(access_key_id)
        if session is not None:
            if headers.get("X-Amz-Security-Token") != session.token:
                raise ac.CreateAccessKeyFailure(reason="InvalidToken")
            return SessionAccessKey(session, partition)
        return original(account_id, partition, access_key_id, headers)

    return create_access_key


def _check_action_permitted(original: Any) -> Any:
    def check_action_permitted(self: Any, resource: str) -> None:
        if self._action in ALWAYS_ALLOWED:
            return
        values: dict[str, str] = {}
        if isinstance(self._access_key, SessionAccessKey):
            values[MFA_KEY] = "true" if self._access_key.mfa else "false"
        _context.values = values
        try:
            original(self, resource)
        finally:
            _context.values = {}

    return check_action_permitted


def _mfa_condition_met(operator: str, expected: Any) -> bool | None:
    """None when the condition is not about MFA presence (moto's behaviour then applies)."""
    present = _request_context().get(MFA_KEY)
    wanted = [str(v).lower() for v in (expected if isinstance(expected, list) else [expected])]
    if operator == "BoolIfExists" and present is None:
        return True
    if present is None:
        return False
    return present in wanted


def _check_conditions(self: Any, incoming: dict[str, str] | None) -> bool:
    conditions = self._statement.get("Condition") or {}
    for operator, pairs in conditions.items():
        if operator not in ("Bool", "BoolIfExists") or not isinstance(pairs, dict):
            continue
        for key, expected in pairs.items():
            if key.lower() == MFA_KEY and not _mfa_condition_met(operator, expected):
                return False
    return bool(_moto_check_conditions(self, incoming))


_moto_check_conditions: Any = ac.IAMPolicyStatement._check_conditions
_moto_is_action_permitted: Any = ac.IAMPolicyStatement.is_action_permitted


def _is_action_permitted(
    self: Any,
    action: str,
    resource: str = "*",
    principal: str | None = None,
    incoming_condition_values: dict[str, str] | None = None,
) -> Any:
    result = _moto_is_action_permitted(self, action, resource, principal, incoming_condition_values)
    if result == ac.PermissionResult.DENIED and not _check_conditions(
        self, incoming_condition_values
    ):
        return ac.PermissionResult.NEUTRAL  # a statement whose condition fails does not apply
    return result


def get_session_token(self: Any) -> ActionResult:
    """GetSessionToken that issues usable credentials bound to the calling user."""
    duration = self._get_int_param("DurationSeconds", 43200)
    serial = self._get_param("SerialNumber")
    caller_key = self.get_access_key()
    account_id = get_account_id_from(caller_key)
    backend = iam_backends[account_id][get_partition(self.region)]
    user = next(
        (
            u
            for u in backend.users.values()
            if any(k.access_key_id == caller_key for k in u.access_keys)
        ),
        None,
    )
    token = self.backend.get_session_token(duration=duration)
    if user is None:  # not an IAM user's key: moto's example credentials
        return _ORIGINAL["get_session_token"](self)  # type: ignore[no-any-return]
    temp = backend.create_temp_access_key()
    session = Session(
        account_id=account_id,
        user_name=user.name,
        access_key_id=temp.access_key_id,
        secret=temp.secret_access_key,
        token=f"jumpgate-session-{temp.access_key_id}",
        mfa=bool(serial) and serial in user.mfa_devices and bool(self._get_param("TokenCode")),
    )
    SESSIONS[session.access_key_id] = session
    return ActionResult(
        {
            "Credentials": {
                "AccessKeyId": session.access_key_id,
                "SecretAccessKey": session.secret,
                "SessionToken": session.token,
                "Expiration": token.expiration,
            }
        }
    )


def install() -> None:
    ac.create_access_key = _create_access_key(ac.create_access_key)
    ac.IAMRequestBase.check_action_permitted = _check_action_permitted(
        ac.IAMRequestBase.check_action_permitted
    )
    ac.IAMPolicyStatement._check_conditions = _check_conditions
    ac.IAMPolicyStatement.is_action_permitted = _is_action_permitted
    token_response: Any = sts_responses.TokenResponse
    _ORIGINAL["get_session_token"] = token_response.get_session_token
    token_response.get_session_token = get_session_token
