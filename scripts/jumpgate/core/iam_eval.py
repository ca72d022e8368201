"""IAM policy evaluation for the access model: does a set of policies allow one request?

AWS's documented logic ("Policy evaluation logic", IAM User Guide): an explicit Deny wins; else
an Allow that matches allows; else the request is implicitly denied. A statement matches when its
Action (or NotAction), Resource (or NotResource) and every condition match. Conditions: every
operator must hold (AND), every key within an operator (AND), any value of a key (OR); a key
absent from the request fails the operator unless it ends in `IfExists` (then it holds), and
`Null` tests presence. A multivalued key (`aws:TagKeys`) is a tuple, tested only by the set
operators `ForAnyValue:` (some value matches; false when absent) and `ForAllValues:` (every value
matches; true when absent). `*` and `?` are IAM's wildcards (`*` also matches `/`); actions match
case-insensitively, resources case-sensitively. `${aws:username}`-style variables are replaced
from the request context.

It understands exactly the operators jumpgate's policies use and raises `Unsupported` on any
other element, rather than guess. The tests compare it with an independent evaluator that shares
no code with it (tests/iam_oracle.py).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

__all__ = [
    "ALLOW",
    "DENY",
    "IMPLICIT",
    "PERSONAL_KEYS",
    "Check",
    "Context",
    "Residual",
    "Unsupported",
    "decide",
    "decide_prepared",
    "prepare",
    "shared_part",
    "wildcard_match",
]

Context = Mapping[str, "str | tuple[str, ...]"]  # lower-case keys; a tuple: multivalued
Check = Callable[[Context], bool]
ALLOW, DENY, IMPLICIT = "allow", "deny", "implicit-deny"
_STATEMENT_KEYS = {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource"}
_STATEMENT_KEYS |= {"Condition", "Principal"}
# a key may hold a tag key (aws:PrincipalTag/team): letters, digits, spaces, _ . : / = + - @
_VARIABLE = re.compile(r"\$\{([A-Za-z0-9 _.:/=+\-@]+)\}")


class Unsupported(ValueError):
    """The policy uses an element this evaluator does not understand."""


@lru_cache(maxsize=65536)
def _pattern(text: str, case_insensitive: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text)
    return re.compile(body, re.IGNORECASE | re.DOTALL if case_insensitive else re.DOTALL)


def wildcard_match(pattern: str, value: str, *, case_insensitive: bool = False) -> bool:
    if "*" not in pattern and "?" not in pattern:  # most ARNs: no regular expression needed
        return pattern.lower() == value.lower() if case_insensitive else pattern == value
    return _pattern(pattern, case_insensitive).fullmatch(value) is not None


def _listed(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise Unsupported(f"expected a string or a list of strings, got {value!r}")


def _scalar(value: Any) -> str:
    """A condition value: IAM's JSON also takes numbers and booleans (`3600`, `true`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    raise Unsupported(f"condition value {value!r}")


def _condition_values(value: Any) -> list[str]:
    return [_scalar(v) for v in value] if isinstance(value, list) else [_scalar(value)]


def _substitute(text: str, context: Context) -> str | None:
    """Policy variables replaced from the request; None when one is absent (no match)."""
    missing = False

    def value(match: re.Match[str]) -> str:
        nonlocal missing
        found = context.get(match.group(1).lower())
        if not isinstance(found, str):  # absent, or multivalued: no single value to put in
            missing = True
            return ""
        return found

    result = _VARIABLE.sub(value, text)
    return None if missing else result


def _date(text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as err:
        raise Unsupported(f"not an ISO 8601 date: {text!r}") from err


Test = Callable[[str, str], bool]  # (request value, policy value) -> holds
_TESTS: dict[str, Test] = {
    "StringEquals": lambda have, want: have == want,
    "StringEqualsIgnoreCase": lambda have, want: have.lower() == want.lower(),
    "StringLike": lambda have, want: wildcard_match(want, have),
    "ArnLike": lambda have, want: wildcard_match(want, have),
    # ArnEquals matches like ArnLike: each ARN component may hold `*`/`?` (IAM User Guide,
    # "Amazon Resource Name (ARN) condition operators").
    "ArnEquals": lambda have, want: wildcard_match(want, have),
    "Bool": lambda have, want: have.lower() == want.lower(),
    "NumericLessThan": lambda have, want: float(have) < float(want),
    "DateLessThan": lambda have, want: _date(have) < _date(want),
}


_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}


def _compile_condition(operator: str, block: Any) -> Check:
    """One condition operator's block as a check of a request context (keys AND, values OR)."""
    if not isinstance(block, dict):
        raise Unsupported(f"condition {operator} is not a map of keys")
    if operator == "Null":
        presence = [
            (key.lower(), [w.lower() == "true" for w in _condition_values(wanted)])
            for key, wanted in block.items()
        ]
        return lambda context: all(
            any((key not in context) == absent for absent in wanted) for key, wanted in presence
        )
    set_operator, _, scalar = operator.rpartition(":")
    if set_operator not in ("", "ForAnyValue", "ForAllValues"):
        raise Unsupported(f"condition operator {operator!r}")
    if_exists = scalar.endswith("IfExists")
    base = scalar.removesuffix("IfExists")
    # Negated operators (AWS: "Condition operators"): true when the key is absent; with
    # several values, none may match (NOR, "Conditions with multiple context keys or values").
    negated = base in _NEGATED
    test = _TESTS.get(_NEGATED.get(base, base))
    if test is None:
        raise Unsupported(f"condition operator {operator!r}")
    items = [(key.lower(), _condition_values(wanted)) for key, wanted in block.items()]

    def matches(have: str, wanted: list[str], context: Context) -> bool:
        for value in wanted:
            found = _substitute(value, context) if "${" in value else value
            if found is not None and test(have, found):
                return True
        return False

    def check(context: Context) -> bool:
        for key, wanted in items:
            have = context.get(key)
            if set_operator:
                # "Set operators" (AWS: "Multivalued context keys"): each request value is
                # tested as a single-valued operator would; an absent key is the empty set.
                values = (have,) if isinstance(have, str) else have or ()
                each = [matches(v, wanted, context) != negated for v in values]
                if not (any(each) if set_operator == "ForAnyValue" else all(each)):
                    return False
                continue
            if have is None:
                if if_exists or negated:
                    continue
                return False
            if not isinstance(have, str):
                raise Unsupported(f"{operator} on the multivalued key {key}: use a set operator")
            if matches(have, wanted, context) == negated:
                return False
        return True

    return check


def _condition_holds(operator: str, block: Any, context: Context) -> bool:
    return _compile_condition(operator, block)(context)


# Keys whose values differ from one caller to the next. Everything else in a request context
# (the time, MFA, the resource's account) is the same for every person asking for one role, so
# a policy is evaluated once per (policy, action, resource, shared context) and only what
# depends on these keys is left to check per person: same answers, a fraction of the work.
PERSONAL_KEYS = frozenset(
    {"aws:username", "aws:userid", "aws:principalarn", "sts:sourceidentity", "sts:rolesessionname"}
)


@dataclass(frozen=True)
class Residual:
    """A statement that matches the shared part of a request: what is left to check."""

    effect: str
    checks: tuple[Check, ...]


PRINCIPAL_TAG = "aws:principaltag/"  # the caller's own tags: personal too


def _personal(key: str, wanted: Any) -> bool:
    lower = key.lower()
    return lower in PERSONAL_KEYS or lower.startswith(PRINCIPAL_TAG) or "${" in str(wanted)


def _conditions(conditions: Any, shared: Context) -> tuple[bool, list[Check]]:
    """(the shared part holds, the checks left for each caller)."""
    if not isinstance(conditions, dict):
        raise Unsupported("Condition is not a map")
    left: list[Check] = []
    for operator, block in conditions.items():
        if not isinstance(block, dict):
            raise Unsupported(f"condition {operator} is not a map of keys")
        now = {k: v for k, v in block.items() if not _personal(k, v)}
        later = {k: v for k, v in block.items() if _personal(k, v)}
        if now and not _condition_holds(operator, now, shared):
            return False, []
        if later:
            left.append(_compile_condition(operator, later))
    return True, left


def _resource_checks(
    statement: Mapping[str, Any], resource: str, shared: Context
) -> tuple[bool, list[Check]]:
    if "Resource" not in statement and "NotResource" not in statement:
        if "Principal" not in statement:  # identity policies need a resource element
            raise Unsupported("an identity statement without Resource or NotResource")
        return True, []
    field = "Resource" if "Resource" in statement else "NotResource"
    patterns = _listed(statement[field])
    if not any("${" in p for p in patterns):
        hit = any(wildcard_match(p, resource) for p in patterns)
        return hit == (field == "Resource"), []

    def check(context: Context) -> bool:
        found = [_substitute(p, context) for p in patterns]
        hit = any(p is not None and wildcard_match(p, resource) for p in found)
        return hit == (field == "Resource")

    return True, [check]


def _principal_checks(
    statement: Mapping[str, Any], principal_account: str
) -> tuple[bool, list[Check]]:
    """`*`, an account (`123456789012` or its `:root` ARN) or a user or role ARN."""
    principal = statement.get("Principal")
    if principal is None or principal == "*":
        return True, []  # identity policy, or anyone
    if not isinstance(principal, dict) or set(principal) != {"AWS"}:
        raise Unsupported(f"principal {principal!r}")
    arns = []
    for name in _listed(principal["AWS"]):
        root = re.fullmatch(r"(?:arn:aws:iam::)?([0-9]{12})(?::root)?", name)
        if name == "*" or (root is not None and root.group(1) == principal_account):
            return True, []
        if root is None and not name.startswith("arn:aws:iam::"):
            raise Unsupported(f"principal {name!r}")
        if root is None:
            arns.append(name)
    if not arns:
        return False, []
    return True, [lambda context: context.get("aws:principalarn", "") in arns]


def _action_matches(statement: Mapping[str, Any], action: str) -> bool:
    if "Action" in statement:
        patterns, wanted = statement["Action"], True
    elif "NotAction" in statement:
        patterns, wanted = statement["NotAction"], False
    else:
        raise Unsupported("a statement without Action or NotAction")
    hit = any(wildcard_match(a, action, case_insensitive=True) for a in _listed(patterns))
    return hit == wanted


def prepare(
    policies: Sequence[Mapping[str, Any]],
    action: str,
    resource: str,
    shared: Context,
    *,
    principal_account: str = "",
) -> tuple[Residual, ...]:
    """The statements that match what every caller shares, each with its per-caller checks."""
    out = []
    for policy in policies:
        statements = policy.get("Statement", [])
        for statement in statements if isinstance(statements, list) else [statements]:
            unknown = set(statement) - _STATEMENT_KEYS
            if unknown:
                raise Unsupported(f"statement elements {sorted(unknown)}")
            effect = statement.get("Effect")
            if effect not in ("Allow", "Deny"):
                raise Unsupported(f"Effect {effect!r}")
            checks: list[Check] = []
            for ok, more in (
                _principal_checks(statement, principal_account),
                (_action_matches(statement, action), []),
                _resource_checks(statement, resource, shared),
                _conditions(statement.get("Condition", {}), shared),
            ):
                if not ok:
                    break
                checks += more
            else:
                out.append(Residual(effect, tuple(checks)))
    return tuple(out)


def decide_prepared(prepared: Sequence[Residual], context: Context) -> str:
    allowed = False
    for statement in prepared:
        if all(check(context) for check in statement.checks):
            if statement.effect == "Deny":
                return DENY
            allowed = True
    return ALLOW if allowed else IMPLICIT


def shared_part(context: Context) -> dict[str, str | tuple[str, ...]]:
    return {
        k: v
        for k, v in context.items()
        if k not in PERSONAL_KEYS and not k.startswith(PRINCIPAL_TAG)
    }


def decide(
    policies: Sequence[Mapping[str, Any]],
    action: str,
    resource: str,
    context: Context,
    *,
    principal_account: str = "",
) -> str:
    """ALLOW, DENY (an explicit Deny matched) or IMPLICIT (nothing allowed it)."""
    prepared = prepare(
        policies, action, resource, shared_part(context), principal_account=principal_account
    )
    return decide_prepared(prepared, context)
