"""IAM policy evaluation for the access model: does a set of policies allow one request?

AWS's documented logic ("Policy evaluation logic", IAM User Guide): an explicit Deny wins; else
an Allow that matches allows; else the request is implicitly denied. A statement matches when its
Action (or NotAction), Resource (or NotResource) and every condition match. Conditions: every
operator must hold (AND), every key within an operator (AND), any value of a key (OR); a key
absent from the request fails the operator unless it ends in `IfExists` (then it holds), and
`Null` tests presence. `*` and `?` are IAM's wildcards (`*` also matches `/`); actions match
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
from functools import lru_cache
from typing import Any

Context = Mapping[str, str]  # condition keys, lower-case, to their values
ALLOW, DENY, IMPLICIT = "allow", "deny", "implicit-deny"
_STATEMENT_KEYS = {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource"}
_STATEMENT_KEYS |= {"Condition", "Principal"}
_VARIABLE = re.compile(r"\$\{([A-Za-z0-9:_\-]+)\}")


class Unsupported(ValueError):
    """The policy uses an element this evaluator does not understand."""


@lru_cache(maxsize=4096)
def _pattern(text: str, case_insensitive: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text)
    return re.compile(body, re.IGNORECASE | re.DOTALL if case_insensitive else re.DOTALL)


def wildcard_match(pattern: str, value: str, *, case_insensitive: bool = False) -> bool:
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
        if found is None:
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
    "StringLike": lambda have, want: wildcard_match(want, have),
    "ArnLike": lambda have, want: wildcard_match(want, have),
    "Bool": lambda have, want: have.lower() == want.lower(),
    "NumericLessThan": lambda have, want: float(have) < float(want),
    "DateLessThan": lambda have, want: _date(have) < _date(want),
}


def _condition_holds(operator: str, block: Any, context: Context) -> bool:
    if not isinstance(block, dict):
        raise Unsupported(f"condition {operator} is not a map of keys")
    if operator == "Null":
        for key, wanted in block.items():
            absent = key.lower() not in context
            if all(absent != (w.lower() == "true") for w in _condition_values(wanted)):
                return False
        return True
    if_exists = operator.endswith("IfExists")
    test = _TESTS.get(operator.removesuffix("IfExists"))
    if test is None:
        raise Unsupported(f"condition operator {operator!r}")
    for key, wanted in block.items():
        have = context.get(key.lower())
        if have is None:
            if if_exists:
                continue
            return False
        values = [_substitute(w, context) for w in _condition_values(wanted)]
        if not any(w is not None and test(have, w) for w in values):
            return False
    return True


def _statement_matches(
    statement: Mapping[str, Any], action: str, resource: str, context: Context
) -> bool:
    unknown = set(statement) - _STATEMENT_KEYS
    if unknown:
        raise Unsupported(f"statement elements {sorted(unknown)}")
    if "Action" in statement:
        if not any(
            wildcard_match(a, action, case_insensitive=True) for a in _listed(statement["Action"])
        ):
            return False
    elif "NotAction" in statement:
        if any(
            wildcard_match(a, action, case_insensitive=True)
            for a in _listed(statement["NotAction"])
        ):
            return False
    else:
        raise Unsupported("a statement without Action or NotAction")
    if "Resource" in statement or "NotResource" in statement:
        field = "Resource" if "Resource" in statement else "NotResource"
        patterns = [_substitute(p, context) for p in _listed(statement[field])]
        hit = any(p is not None and wildcard_match(p, resource) for p in patterns)
        if hit != (field == "Resource"):
            return False
    elif "Principal" not in statement:  # identity policies need a resource element
        raise Unsupported("an identity statement without Resource or NotResource")
    conditions = statement.get("Condition", {})
    if not isinstance(conditions, dict):
        raise Unsupported("Condition is not a map")
    return all(_condition_holds(op, block, context) for op, block in conditions.items())


def _principal_matches(
    statement: Mapping[str, Any], principal_account: str, context: Context
) -> bool:
    """`*`, an account (`123456789012` or its `:root` ARN) or a user or role ARN."""
    principal = statement.get("Principal")
    if principal is None:
        return True  # identity policy
    if principal == "*":
        return True
    if not isinstance(principal, dict) or set(principal) != {"AWS"}:
        raise Unsupported(f"principal {principal!r}")
    caller = context.get("aws:principalarn", "")
    for name in _listed(principal["AWS"]):
        root = re.fullmatch(r"(?:arn:aws:iam::)?([0-9]{12})(?::root)?", name)
        if name == "*" or (root is not None and root.group(1) == principal_account):
            return True
        if root is None and not name.startswith("arn:aws:iam::"):
            raise Unsupported(f"principal {name!r}")
        if name == caller:
            return True
    return False


def decide(
    policies: Sequence[Mapping[str, Any]],
    action: str,
    resource: str,
    context: Context,
    *,
    principal_account: str = "",
) -> str:
    """ALLOW, DENY (an explicit Deny matched) or IMPLICIT (nothing allowed it)."""
    allowed = False
    for policy in policies:
        statements = policy.get("Statement", [])
        for statement in statements if isinstance(statements, list) else [statements]:
            if not _principal_matches(statement, principal_account, context):
                continue
            if not _statement_matches(statement, action, resource, context):
                continue
            effect = statement.get("Effect")
            if effect == "Deny":
                return DENY
            if effect != "Allow":
                raise Unsupported(f"Effect {effect!r}")
            allowed = True
    return ALLOW if allowed else IMPLICIT
