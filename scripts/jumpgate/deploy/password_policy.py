"""The identity account's IAM password policy, applied through the IAM API.

CloudFormation has no resource for the account password policy, so the identity stage of the
deploy sets it (docs/pipeline.md): `differences(iam, policy) -> list[Difference]` is what `apply`
would change (for `plan`); `apply(iam, policy) -> bool` is True when it wrote, False when the
account already matched. IAM calls: GetAccountPasswordPolicy, then UpdateAccountPasswordPolicy
only on a difference. The policy itself comes from `jumpgate.model.password_policy`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from jumpgate.deploy.stack import StackResult
from jumpgate.model.password_policy import PasswordPolicyError, desired_policy

__all__ = [
    "Difference",
    "PasswordPolicyError",
    "apply",
    "converge",
    "current_policy",
    "desired_policy",
    "differences",
]

# What IAM uses for a parameter that UpdateAccountPasswordPolicy is called without (the call
# replaces the whole policy) and what GetAccountPasswordPolicy leaves out when unset.
_UNSET: dict[str, Any] = {
    "MinimumPasswordLength": 6,
    "RequireSymbols": False,
    "RequireNumbers": False,
    "RequireUppercaseCharacters": False,
    "RequireLowercaseCharacters": False,
    "AllowUsersToChangePassword": False,
    "MaxPasswordAge": None,
    "PasswordReusePrevention": None,
    "HardExpiry": False,
}


@dataclass(frozen=True)
class Difference:
    parameter: str  # UpdateAccountPasswordPolicy parameter name
    current: Any  # None: not set (or no policy at all)
    desired: Any

    def __str__(self) -> str:
        return f"{self.parameter}: {self.current!r} -> {self.desired!r}"


def _normalized(policy: Mapping[str, Any]) -> dict[str, Any]:
    """Every parameter, with IAM's value for the ones left out."""
    return {name: policy.get(name, unset) for name, unset in _UNSET.items()}


def current_policy(iam: Any) -> dict[str, Any] | None:
    """The account's password policy as UpdateAccountPasswordPolicy arguments; None if unset."""
    try:
        response = iam.get_account_password_policy()
    except Exception as err:  # botocore's ClientError (botocore ships no type information)
        error = getattr(err, "response", {}).get("Error", {})
        if error.get("Code") == "NoSuchEntity":
            return None
        raise
    found: Mapping[str, Any] = response["PasswordPolicy"]
    return {name: found[name] for name in _UNSET if name in found}


def differences(iam: Any, policy: Mapping[str, Any]) -> list[Difference]:
    """What apply() would change; [] when the account already has exactly this policy."""
    unknown = sorted(set(policy) - set(_UNSET))
    if unknown:
        raise PasswordPolicyError(f"not UpdateAccountPasswordPolicy parameters: {unknown}")
    current = current_policy(iam)
    want = _normalized(policy)
    if current is None:
        return [Difference(name, None, value) for name, value in want.items() if value is not None]
    have = _normalized(current)
    return [Difference(n, have[n], want[n]) for n in _UNSET if have[n] != want[n]]


def apply(iam: Any, policy: Mapping[str, Any]) -> bool:
    """Make the account's password policy `policy`; True if it changed anything.

    Idempotent: reads first and writes only on a difference. UpdateAccountPasswordPolicy replaces
    the whole policy, so it is always called with every declared parameter.
    """
    if not differences(iam, policy):
        return False
    iam.update_account_password_policy(**{k: v for k, v in policy.items() if v is not None})
    return True


def converge(
    root: Path, iam: Callable[[], Any], stage: str, account: str, plan: bool
) -> StackResult:
    """The identity stage's step: set the policy through IAM, only on a difference (no
    CloudFormation resource exists for it). A result line like a stack's."""
    result = StackResult(stage, account, "account-password-policy", "unchanged")
    started = time.monotonic()
    try:
        policy = desired_policy(root)
    except PasswordPolicyError as err:
        result.reason = f"not managed: {err}"
        return result
    try:
        client = iam()
        if plan:
            result.action = "would-update" if differences(client, policy) else "unchanged"
        else:
            result.action = "updated" if apply(client, policy) else "unchanged"
    except (ClientError, BotoCoreError, ValueError) as err:
        result.action = "failed"
        result.reason = f"password policy: {err}"
    result.seconds = time.monotonic() - started
    return result
