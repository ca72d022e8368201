"""IAM enforcement as AWS does it, for the local target only (docs/emulator.md: the cases and
their AWS sources).

moto's own enforcement counts every policy condition as met, evaluates trust policies only by
principal, knows no MFA sessions and ignores resources for most actions. This module replaces
its decision (`IAMRequestBase.check_action_permitted`) with `authorize`, over the principals of
`principals`, and makes STS issue what AWS issues:

- GetSessionToken: real session credentials for the calling user, MFA-authenticated only when
  SerialNumber names the user's enabled device and TokenCode is its current TOTP code; refused
  from session credentials; DurationSeconds 900–129,600 (root: at most 3,600).
- AssumeRole: the role must exist; its trust policy is evaluated (both sides cross-account);
  DurationSeconds 900–the role's MaxSessionDuration (1 h when role chaining); MFA, its time and
  the source identity carry into the role session (SerialNumber/TokenCode on AssumeRole count
  for the trust policy and the new session, not for the caller's own identity policies, whose
  request is signed with the caller's credentials).
- GetCallerIdentity: the user's ARN (with its path) for its sessions, the assumed-role ARN for
  role sessions, root for the operator key.
- Expired session credentials are refused (ExpiredToken), by the emulator's clock.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from moto.core.exceptions import _RESTError
from moto.core.responses import ActionResult
from moto.iam import access_control as _access_control
from moto.iam.models import iam_backends
from moto.sts import responses as sts_responses

from jumpgate.core import totp
from jumpgate.core.iam_eval import ALLOW
from jumpgate.emulator import authorize, clock, principals
from jumpgate.emulator.principals import SESSIONS, Caller, Session

ac: Any = _access_control
NO_PERMISSION_NEEDED = ("sts:GetCallerIdentity", "sts:GetSessionToken")
ROLE_CHAINING_MAX = 3600
_ORIGINAL: dict[str, Any] = {}


class StsError(_RESTError):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(code, message)
        self.code = status


class CallerKey:
    """Stands in for moto's access-key objects: the signature check needs the secret."""

    def __init__(self, caller: Caller, key: str, secret: str, token: str | None) -> None:
        self.caller = caller
        self.arn = caller.arn
        self._credentials = (key, secret, token)

    def create_credentials(self) -> Any:
        return ac.Credentials(*self._credentials)


def _secret_of(account_id: str, access_key_id: str) -> tuple[str, str | None] | None:
    from jumpgate.core.aws import LOCAL_KEY, LOCAL_STRICT_KEY

    if access_key_id in (LOCAL_KEY, LOCAL_STRICT_KEY):
        return access_key_id, None
    session = SESSIONS.get(access_key_id)
    if session is not None:
        return session.secret, session.token
    backend = iam_backends[account_id]["aws"]
    key = backend.access_keys.get(access_key_id)
    if key is not None:
        return str(key.secret_access_key), None
    for user in backend.users.values():
        for user_key in user.access_keys:
            if user_key.access_key_id == access_key_id:
                return str(user_key.secret_access_key), None
    return None


def _create_access_key(account_id: str, partition: str, access_key_id: str, headers: Any) -> Any:
    session = SESSIONS.get(access_key_id)
    if session is not None:
        if headers.get("X-Amz-Security-Token") != session.token:
            raise ac.CreateAccessKeyFailure(reason="InvalidToken")
        if authorize.expired(session.expires):
            raise StsError("ExpiredToken", "The security token included in the request is expired")
    caller = principals.resolve(account_id, access_key_id, headers)
    secret = _secret_of(account_id, access_key_id)
    if caller is None or secret is None:
        raise ac.CreateAccessKeyFailure(reason="InvalidId")
    return CallerKey(caller, access_key_id, secret[0], secret[1])


def _params(request: Any) -> dict[str, Any]:
    return {k: (v[0] if isinstance(v, list) and v else v) for k, v in request._data.items()}


def _mfa_code_valid(caller: Caller, serial: str | None, code: str | None) -> bool:
    """The serial is an MFA device enabled for this user and the code is its current one."""
    if not serial or not code or caller.user_name is None:
        return False
    backend = iam_backends[caller.account_id]["aws"]
    user = backend.users.get(caller.user_name)
    if user is None or serial not in user.mfa_devices:
        return False
    device = backend.virtual_mfa_devices.get(serial)
    if device is None:  # a hardware device: moto keeps no seed; nothing to check against
        return False
    return totp.matches(device.base32_string_seed, code, clock.now())


def check_action_permitted(self: Any, resource: str) -> None:
    action = self._action
    if action in NO_PERMISSION_NEEDED:
        return
    key = self._access_key
    if not isinstance(key, CallerKey):
        raise ac.CreateAccessKeyFailure(reason="InvalidId")
    caller = key.caller
    params = _params(self)
    target = authorize.resource_of(caller, action, params, self.account_id, self._region)
    context = authorize.context_of(caller, action, target, params, self.account_id)
    identity, why = authorize.identity_verdict(caller, action, target, context)
    if action != "sts:AssumeRole":
        if identity != ALLOW:
            raise authorize.Denied(caller.arn, action, target, why)
        return
    role = authorize.role_by_arn(target)
    if role is None:
        raise authorize.Denied(caller.arn, action, target, "because the role does not exist")
    if identity == "deny":
        raise authorize.Denied(caller.arn, action, target, why)
    trust_context = dict(context)
    if not caller.mfa and _mfa_code_valid(
        caller, params.get("SerialNumber"), params.get("TokenCode")
    ):
        trust_context["aws:multifactorauthpresent"] = "true"
        trust_context["aws:multifactorauthage"] = "0"
    needed = ["sts:AssumeRole"]
    if "sts:sourceidentity" in context and params.get("SourceIdentity") is not None:
        needed.append("sts:SetSourceIdentity")
    for needed_action in needed:
        verdict = identity
        if needed_action != action:
            verdict, why = authorize.identity_verdict(caller, needed_action, target, context)
            if verdict == "deny":
                raise authorize.Denied(caller.arn, needed_action, target, why)
        ok, why = authorize.trust_verdict(caller, needed_action, role, trust_context, verdict)
        if not ok:
            raise authorize.Denied(caller.arn, needed_action, target, why)


def _caller_of(response: Any) -> Caller | None:
    access_key_id = response.get_access_key()
    return principals.resolve(response.current_account, access_key_id, response.headers)


def _credentials(session: Session) -> dict[str, Any]:
    return {
        "AccessKeyId": session.access_key_id,
        "SecretAccessKey": session.secret,
        "SessionToken": session.token,
        "Expiration": session.expires,
    }


def get_session_token(self: Any) -> ActionResult:
    caller = _caller_of(self)
    if caller is None or caller.kind == "role" or caller.temporary:
        if caller is not None:
            raise StsError(
                "AccessDenied", "Cannot call GetSessionToken with session credentials", 403
            )
        return _ORIGINAL["get_session_token"](self)  # type: ignore[no-any-return]
    longest = 3600 if caller.kind == "root" else 129600
    duration = self._get_int_param("DurationSeconds", 3600 if caller.kind == "root" else 43200)
    if not 900 <= duration <= longest:
        raise StsError(
            "ValidationError",
            f"1 validation error detected: Value '{duration}' at 'durationSeconds' failed to "
            f"satisfy constraint: Member must have value between 900 and {longest}",
        )
    serial, code = self._get_param("SerialNumber"), self._get_param("TokenCode")
    mfa = False
    if serial or code:
        if not _mfa_code_valid(caller, serial, code):
            raise StsError(
                "AccessDenied",
                "MultiFactorAuthentication failed with invalid MFA one time pass code.",
                403,
            )
        mfa = True
    now = clock.now()
    session = _new_session(caller.account_id, now + dt.timedelta(seconds=duration))
    session.user_name = caller.user_name
    session.mfa, session.mfa_time = mfa, (now if mfa else None)
    return ActionResult({"Credentials": _credentials(session)})


def _new_session(account_id: str, expires: dt.datetime) -> Session:
    temp = iam_backends[account_id]["aws"].create_temp_access_key()
    session = Session(
        account_id=account_id,
        access_key_id=temp.access_key_id,
        secret=temp.secret_access_key,
        token=f"jumpgate-session-{secrets.token_hex(16)}",
        expires=expires,
    )
    SESSIONS[session.access_key_id] = session
    return session


def assume_role(self: Any) -> ActionResult:
    caller = _caller_of(self)
    role = authorize.role_by_arn(self._get_param("RoleArn") or "")
    if caller is None or role is None:
        return _ORIGINAL["assume_role"](self)  # type: ignore[no-any-return]  # enforcement off
    session_tags = any(
        str(name).startswith(("Tags.", "TransitiveTagKeys.")) for name in self.querystring
    )
    if session_tags:
        # Session tags would become aws:PrincipalTag of the session; not modelled, so refused
        # rather than ignored (a Deny on a principal tag must never be walked around).
        raise StsError("ValidationError", "session tags are not supported by the emulator")
    if self._get_param("Policy") or self._get_param("PolicyArns"):
        # Session policies would only narrow the session; not evaluated here, so refused rather
        # than ignored (never more lenient than AWS).
        raise StsError("ValidationError", "session policies are not supported by the emulator")
    duration = self._get_int_param("DurationSeconds", 3600)
    chained = caller.assumed
    longest = (
        min(role.max_session_duration, ROLE_CHAINING_MAX)
        if chained
        else (role.max_session_duration)
    )
    if duration < 900:
        raise StsError(
            "ValidationError",
            f"1 validation error detected: Value '{duration}' at 'durationSeconds' failed to "
            "satisfy constraint: Member must have value greater than or equal to 900",
        )
    if duration > longest:
        detail = (
            "the 1 hour session limit for roles assumed by role chaining"
            if chained and duration > ROLE_CHAINING_MAX
            else "the MaxSessionDuration set for this role"
        )
        raise StsError("ValidationError", f"The requested DurationSeconds exceeds {detail}.")
    result = _ORIGINAL["assume_role"](self)
    assumed = result.result["Credentials"]
    mfa = caller.mfa or _mfa_code_valid(
        caller, self._get_param("SerialNumber"), self._get_param("TokenCode")
    )
    now = clock.now()
    session = Session(
        account_id=role.account_id,
        access_key_id=assumed.access_key_id,
        secret=assumed.secret_access_key,
        token=assumed.session_token,
        expires=now + dt.timedelta(seconds=duration),
        mfa=mfa,
        mfa_time=(caller.mfa_time or now) if mfa else None,
        source_identity=self._get_param("SourceIdentity") or caller.source_identity,
        assumed=True,
        role_arn=role.arn,
        session_name=self._get_param("RoleSessionName"),
    )
    SESSIONS[session.access_key_id] = session
    assumed.expiration = session.expires
    if session.source_identity:
        result.result["SourceIdentity"] = session.source_identity
    return result  # type: ignore[no-any-return]


def get_caller_identity(self: Any) -> ActionResult:
    caller = _caller_of(self)
    if caller is None:
        return _ORIGINAL["get_caller_identity"](self)  # type: ignore[no-any-return]
    return ActionResult({"UserId": caller.user_id, "Account": caller.account_id, "Arn": caller.arn})


def install() -> None:
    ac.create_access_key = _create_access_key
    ac.IAMRequestBase.check_action_permitted = check_action_permitted
    token_response: Any = sts_responses.TokenResponse
    for name in ("get_session_token", "assume_role", "get_caller_identity"):
        _ORIGINAL[name] = getattr(token_response, name)
    token_response.get_session_token = get_session_token
    token_response.assume_role = assume_role
    token_response.get_caller_identity = get_caller_identity
