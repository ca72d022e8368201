"""The identity account's IAM password policy, from `org/password-policy.yaml`.

`check(root)` gives the file's findings; `desired_policy(root) -> dict` gives the keyword
arguments of `UpdateAccountPasswordPolicy`, or raises `PasswordPolicyError` (a `ValueError`)
when the file is missing or invalid. Applying it is the deploy step's
(`jumpgate.deploy.password_policy`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jumpgate.core.findings import Finding
from jumpgate.model.loader import load_document
from jumpgate.model.schema import passes_fast, schema_dir

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


class PasswordPolicyError(ValueError):
    """org/password-policy.yaml is missing or invalid."""


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
