"""The identity account's IAM password policy, from `org/password-policy.yaml`.

CloudFormation has no resource for the account password policy, so the identity stage of the
deploy sets it through the IAM API: `desired_policy(root)` reads and validates the committed
file, `apply(iam, policy)` reads the current policy and writes only when it differs.

Contract for the deploy engine (docs/pipeline.md):
- `desired_policy(root) -> dict`: the keyword arguments of `UpdateAccountPasswordPolicy`;
  raises `PasswordPolicyError` (a `ValueError`) when the file is missing or invalid.
- `differences(iam, policy) -> list[Difference]`: what `apply` would change (for `plan`).
- `apply(iam, policy) -> bool`: True when it wrote, False when the account already matched.
  IAM calls: GetAccountPasswordPolicy, then UpdateAccountPasswordPolicy only on a difference.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jumpgate.findings import Finding
from jumpgate.loader import load_document
from jumpgate.schema import passes_fast, schema_dir

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

POLICY_FILE = "org/password-policy.yaml"
SCHEMA_FILE = "password-policy.schema.json"

# File key -> UpdateAccountPasswordPolicy parameter.
_API_NAMES = {
    "minimum_length": "MinimumPasswordLength",
    "require_symbols": "RequireSymbols",
    "require_numbers": "RequireNumbers",
    "require_uppercase": "RequireUppercaseCharacters",
    "require_lowercase": "RequireLowercaseCharacters",
    "allow_users_to_change_password": "AllowUsersToChangePassword",
    "max_age_days": "MaxPasswordAge",
    "reuse_prevention": "PasswordReusePrevention",
    "hard_expiry": "HardExpiry",
}

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


class PasswordPolicyError(ValueError):
    """org/password-policy.yaml is missing or invalid."""


@dataclass(frozen=True)
class Difference:
    parameter: str  # UpdateAccountPasswordPolicy parameter name
    current: Any  # None: not set (or no policy at all)
    desired: Any

    def __str__(self) -> str:
        return f"{self.parameter}: {self.current!r} -> {self.desired!r}"


@cache
def _validator() -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    schema = json.loads((schema_dir() / SCHEMA_FILE).read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def check(root: Path) -> list[Finding]:
    """Findings for org/password-policy.yaml (E001-E005 unreadable, E101 schema); [] if absent."""
    path = root / POLICY_FILE
    if not path.exists():
        return []
    doc, findings = load_document(root, path)
    if doc is None:
        return findings
    if passes_fast(doc.data, "password-policy"):  # jsonschema only to explain a failure
        return []
    out = []
    for error in sorted(_validator().iter_errors(doc.data), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in error.absolute_path) or "the file"
        out.append(doc.finding(tuple(error.absolute_path), "E101", f"{where}: {error.message}"))
    return out


def desired_policy(root: Path) -> dict[str, Any]:
    """The UpdateAccountPasswordPolicy arguments declared in org/password-policy.yaml."""
    path = root / POLICY_FILE
    if not path.exists():
        raise PasswordPolicyError(f"{POLICY_FILE} is missing")
    findings = check(root)
    if findings:
        where = (f"{f.path}:{f.line}:{f.column} {f.message}" for f in findings)
        raise PasswordPolicyError("; ".join(where))
    doc, _ = load_document(root, path)
    assert doc is not None  # check() returned no findings
    data: Mapping[str, Any] = doc.data
    return {_API_NAMES[key]: value for key, value in data.items()}


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
