"""A person's self-service in IAM, as the force-MFA baseline allows it.

- Calls that leave out UserName act on the caller's own user (IAM API Reference: "IAM
  determines the user name implicitly based on the AWS access key ID signing the request"),
  also from a GetSessionToken session (moto knows only long-term keys).
- iam:ChangePassword exists (moto has none): the old password must match, the new one must meet
  the account password policy's length and character classes.
- iam:EnableMFADevice checks the two codes against the device's seed (consecutive TOTP codes),
  as AWS does, instead of accepting any.
"""

from __future__ import annotations

import string
from typing import Any

from moto.core.exceptions import _RESTError
from moto.core.responses import ActionResult
from moto.iam import responses as iam_responses

from jumpgate.core import totp
from jumpgate.emulator import clock, principals
from jumpgate.emulator.authorize import SELF_ACTIONS

_ORIGINAL: dict[str, Any] = {}


class IamError(_RESTError):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(code, message)
        self.code = status


def _own_user_name(response: Any) -> str | None:
    caller = principals.resolve(
        response.current_account, response.get_access_key(), response.headers
    )
    return caller.user_name if caller is not None else None


def _get_param(self: Any, param_name: str, if_none: Any = None) -> Any:
    value = _ORIGINAL["_get_param"](self, param_name, if_none)
    if param_name == "UserName" and not value and f"iam:{self._get_action()}" in SELF_ACTIONS:
        return _own_user_name(self) or value
    return value


def _meets_policy(backend: Any, password: str) -> str | None:
    """Why `password` breaks the account password policy (None: it does not)."""
    try:
        policy = backend.get_account_password_policy()
    except Exception:  # no policy: IAM's default, at least 8 characters
        return None if len(password) >= 8 else "Password should have at least 8 characters"
    if len(password) < policy.minimum_password_length:
        return f"Password should have at least {policy.minimum_password_length} characters"
    classes = (
        (policy.require_lowercase_characters, string.ascii_lowercase, "one lowercase letter"),
        (policy.require_uppercase_characters, string.ascii_uppercase, "one uppercase letter"),
        (policy.require_numbers, string.digits, "one number"),
        (policy.require_symbols, string.punctuation, "one symbol"),
    )
    for required, characters, name in classes:
        if required and not any(c in characters for c in password):
            return f"Password should have at least {name}"
    return None


def change_password(self: Any) -> ActionResult:
    name = _own_user_name(self)
    user = self.backend.users.get(name) if name else None
    if user is None or user.password is None:
        raise IamError("NoSuchEntity", "The user has no login profile", 404)
    if self._get_param("OldPassword") != user.password:
        raise IamError("InvalidUserType", "The old password is not correct", 400)
    new = self._get_param("NewPassword") or ""
    problem = _meets_policy(self.backend, new)
    if problem is not None:
        raise IamError("PasswordPolicyViolation", problem, 400)
    user.password = new
    user.password_reset_required = False
    return ActionResult({})


def enable_mfa_device(self: Any) -> ActionResult:
    serial = self._get_param("SerialNumber")
    device = self.backend.virtual_mfa_devices.get(serial)
    if device is not None:
        first, second = (
            self._get_param("AuthenticationCode1"),
            self._get_param("AuthenticationCode2"),
        )
        now = clock.now()
        consecutive = any(
            totp.code(device.base32_string_seed, now, step) == first
            and totp.code(device.base32_string_seed, now, step + 1) == second
            for step in (-2, -1, 0)
        )
        if not consecutive:
            raise IamError(
                "InvalidAuthenticationCode", "Authentication code for device is not valid.", 403
            )
    return _ORIGINAL["enable_mfa_device"](self)  # type: ignore[no-any-return]


def install() -> None:
    response: Any = iam_responses.IamResponse
    _ORIGINAL["_get_param"] = response._get_param
    _ORIGINAL["enable_mfa_device"] = response.enable_mfa_device
    response._get_param = _get_param
    response.change_password = change_password
    response.enable_mfa_device = enable_mfa_device
