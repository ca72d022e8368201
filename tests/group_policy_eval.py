"""A small, strict IAM evaluator for exactly the identity policies jumpgate generates.

It answers "does this policy allow this request?" for the group assume policies of
`jumpgate.generate.policies` (both forms), so that tests can prove that the compact form allows the
same (account, role) pairs as the explicit one. It understands only what those policies use, and
raises `Unsupported` on anything else rather than guess:

- `Version` 2012-10-17, `Allow` statements with `Sid`, `Effect`, `Action`, `Resource`,
  `Condition` (no Deny, NotAction, NotResource, Principal);
- `Action` and `Resource` patterns with `*` and `?` (IAM's wildcards; matched case-insensitively
  for actions, case-sensitively for resources);
- condition operators `StringEquals`, `StringEqualsIfExists`, `Bool`, `DateLessThan` on the keys
  `aws:ResourceAccount`, `aws:MultiFactorAuthPresent`, `sts:SourceIdentity`, `aws:CurrentTime`;
  the policy variable `${aws:username}` in condition values.

Operators combine with AND, keys within an operator with AND, values of a key with OR; without
`IfExists` an absent key fails the condition, as in IAM.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

ASSUME, SET_SOURCE_IDENTITY = "sts:AssumeRole", "sts:SetSourceIdentity"
KEYS = (
    "aws:resourceaccount",
    "aws:multifactorauthpresent",
    "sts:sourceidentity",
    "aws:currenttime",
)
OPERATORS = ("StringEquals", "StringEqualsIfExists", "Bool", "DateLessThan")
STATEMENT_FIELDS = {"Sid", "Effect", "Action", "Resource", "Condition"}
ROLE_ARN = re.compile(r"arn:([^:]+):iam::([0-9]{12}):role(/(?:[^/]+/)*)([^/]+)")


class Unsupported(ValueError):
    """The policy uses something this evaluator does not understand."""


@dataclass(frozen=True)
class Request:
    """One authorization of an IAM user's AssumeRole request, and its request context."""

    action: str
    resource: str  # the role ARN
    username: str
    mfa: bool | None  # aws:MultiFactorAuthPresent; None: absent (long-term access keys)
    source_identity: str | None  # sts:SourceIdentity; None: not set
    now: str  # aws:CurrentTime, ISO 8601 UTC

    def context(self) -> dict[str, str]:
        match = ROLE_ARN.fullmatch(self.resource)
        if match is None:
            raise Unsupported(f"not a role ARN: {self.resource!r}")
        values = {"aws:resourceaccount": match.group(2), "aws:currenttime": self.now}
        if self.mfa is not None:
            values["aws:multifactorauthpresent"] = str(self.mfa).lower()
        if self.source_identity is not None:
            values["sts:sourceidentity"] = self.source_identity
        return values


def role_arn(account_id: str, path: str, name: str, partition: str = "aws") -> str:
    return f"arn:{partition}:iam::{account_id}:role{path}{name}"


def _pattern(text: str, ignore_case: bool) -> re.Pattern[str]:
    if any(c in text for c in "[]{}$"):
        raise Unsupported(f"pattern {text!r}: only `*` and `?` wildcards are understood")
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text)
    return re.compile(regex, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


@lru_cache(maxsize=1024)
def _matcher(patterns: tuple[str, ...], ignore_case: bool) -> Callable[[str], bool]:
    """Whether a value matches any of the patterns (exact ones by set lookup: fast for the
    explicit form's hundreds of ARNs)."""
    fold = str.lower if ignore_case else str
    exact = {fold(p) for p in patterns if not any(c in p for c in "*?")}
    wild = [_pattern(p, ignore_case) for p in patterns if any(c in p for c in "*?")]
    for text in exact:
        _pattern(text, ignore_case)  # refuses what it does not understand

    def match(value: str) -> bool:
        return fold(value) in exact or any(w.fullmatch(value) for w in wild)

    return match


def _strings(value: Any, what: str) -> list[str]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(item, str) for item in items):
        raise Unsupported(f"{what}: expected a string or a list of strings, got {value!r}")
    return items


def _check_variables(value: str) -> None:
    if "${" in value.replace("${aws:username}", ""):
        raise Unsupported(f"policy variable in {value!r}: only ${{aws:username}} is understood")


def _time(value: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as err:
        raise Unsupported(f"not an ISO 8601 date and time: {value!r}") from err
    if moment.tzinfo is None:
        raise Unsupported(f"{value!r} has no time zone")
    return moment


@dataclass(frozen=True)
class _Test:
    """One condition key under one operator: its values, checked once at compile time."""

    operator: str
    key: str  # lower case
    values: frozenset[str]
    variable: bool  # a value holds ${aws:username}

    def holds(self, context: dict[str, str], request: Request) -> bool:
        present = context.get(self.key)
        if present is None:
            return self.operator == "StringEqualsIfExists"
        values = self.values
        if self.variable:
            values = frozenset(v.replace("${aws:username}", request.username) for v in values)
        if self.operator == "DateLessThan":
            return any(_time(present) < _time(v) for v in values)
        return present in values  # StringEquals[IfExists]; Bool values are lower-cased


def _compile_condition(condition: Any) -> tuple[_Test, ...]:
    if not isinstance(condition, dict):
        raise Unsupported(f"Condition is not an object: {condition!r}")
    tests = []
    for operator, pairs in condition.items():
        if operator not in OPERATORS or not isinstance(pairs, dict):
            raise Unsupported(f"condition operator {operator!r}")
        for key, wanted in pairs.items():
            name = key.lower()
            if name not in KEYS:
                raise Unsupported(f"condition key {key!r}")
            values = _strings(wanted, f"{operator} {key}")
            for value in values:
                _check_variables(value)
            if operator == "Bool":
                if any(v.lower() not in ("true", "false") for v in values):
                    raise Unsupported(f"Bool {key}: {wanted!r}")
                values = [v.lower() for v in values]
            if operator == "DateLessThan":
                for value in values:
                    _time(value)
            variable = any("${aws:username}" in v for v in values)
            tests.append(_Test(operator, name, frozenset(values), variable))
    return tuple(tests)


@dataclass(frozen=True)
class _Statement:
    actions: Callable[[str], bool]
    resources: Callable[[str], bool]
    tests: tuple[_Test, ...]

    def allows(self, request: Request) -> bool:
        if not (self.actions(request.action) and self.resources(request.resource)):
            return False
        context = request.context()
        return all(test.holds(context, request) for test in self.tests)


def _compile_statement(statement: Any) -> _Statement:
    if not isinstance(statement, dict) or set(statement) - STATEMENT_FIELDS:
        fields = sorted(set(statement) - STATEMENT_FIELDS) if isinstance(statement, dict) else []
        raise Unsupported(f"statement fields {fields}")
    if statement.get("Effect") != "Allow":
        raise Unsupported(f"Effect {statement.get('Effect')!r}: only Allow is understood")
    return _Statement(
        _matcher(tuple(_strings(statement.get("Action"), "Action")), True),
        _matcher(tuple(_strings(statement.get("Resource"), "Resource")), False),
        _compile_condition(statement.get("Condition", {})),
    )


class Policy:
    """A policy document, checked once: everything in it is understood, or Unsupported."""

    def __init__(self, document: Any) -> None:
        if not isinstance(document, dict) or set(document) - {"Version", "Statement", "Id"}:
            raise Unsupported("not a policy document")
        if document.get("Version") != "2012-10-17":
            raise Unsupported(
                f"Version {document.get('Version')!r}: policy variables need 2012-10-17"
            )
        items = document.get("Statement")
        items = items if isinstance(items, list) else [items]
        self.statements = tuple(_compile_statement(item) for item in items)

    def allows(self, request: Request) -> bool:
        # a request's context is checked even when no statement matches (a bad ARN raises)
        request.context()
        return any(statement.allows(request) for statement in self.statements)


def allows(document: Any, request: Request) -> bool:
    """Whether the policy allows the request."""
    return Policy(document).allows(request)


def can_assume(
    policy: Policy | dict[str, Any],
    arn: str,
    *,
    username: str,
    mfa: bool | None,
    now: str,
    source_identity: str | None = None,
) -> bool:
    """An AssumeRole call as the identity policy sees it: sts:AssumeRole, plus
    sts:SetSourceIdentity when the call sets a SourceIdentity."""
    compiled = policy if isinstance(policy, Policy) else Policy(policy)

    def allowed(action: str) -> bool:
        return compiled.allows(Request(action, arn, username, mfa, source_identity, now))

    if not allowed(ASSUME):
        return False
    return source_identity is None or allowed(SET_SOURCE_IDENTITY)
