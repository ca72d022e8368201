"""Offline check of the IAM JSON policy grammar, so that the gate blocks what IAM would refuse
or misread before a deployment (or Access Analyzer in CI) finds it.

Follows AWS's "IAM JSON policy element reference" and "IAM JSON policy elements: Condition
operators" (docs/policy-grammar.md lists the pages). Two kinds of document:

- identity: a permissions policy attached to a role or group: `Resource`/`NotResource`
  required, `Principal`/`NotPrincipal` prohibited;
- trust: a role's trust policy: `Principal` required, `Resource`/`NotResource` and
  `NotPrincipal` prohibited, only `sts:` actions.

Pure and self-contained (nothing from jumpgate): values in, problems out. It never raises: a
gate that crashes blocks every commit, so an unexpected error becomes one `internal-error`
problem (the fuzz test proves none happens). Action names are E701/E702's business, not this
module's: here an action only has to be a non-empty string.
"""

from __future__ import annotations

import datetime as dt
import difflib
import ipaddress
import re
import reprlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class GrammarProblem:
    path: Path  # inside the policy document: the offending key or value
    code: str
    message: str
    hint: str


VERSIONS = ("2012-10-17", "2008-10-17")
TOP_KEYS = ("Version", "Id", "Statement")
_STATEMENT = "Sid Effect Principal NotPrincipal Action NotAction Resource NotResource Condition"
STATEMENT_KEYS = tuple(_STATEMENT.split())
PRINCIPAL_TYPES = ("AWS", "Service", "Federated", "CanonicalUser")
EFFECTS = ("Allow", "Deny")
SET_PREFIXES = ("ForAllValues:", "ForAnyValue:")
# The documented operators by value family; Null, the 27th, takes no suffix or prefix.
FAMILIES = {
    "String": "StringEquals StringNotEquals StringEqualsIgnoreCase StringNotEqualsIgnoreCase "
    "StringLike StringNotLike",
    "Numeric": "NumericEquals NumericNotEquals NumericLessThan NumericLessThanEquals "
    "NumericGreaterThan NumericGreaterThanEquals",
    "Date": "DateEquals DateNotEquals DateLessThan DateLessThanEquals DateGreaterThan "
    "DateGreaterThanEquals",
    "Bool": "Bool",
    "Binary": "BinaryEquals",
    "Ip": "IpAddress NotIpAddress",
    "Arn": "ArnEquals ArnLike ArnNotEquals ArnNotLike",
}


def _operator_table() -> dict[str, str]:
    """Every valid spelling -> family, precomputed: one dict lookup per operator in a policy.
    `…IfExists` and the set prefixes apply to every operator except Null."""
    table = {"Null": "Null"}
    for family, bases in FAMILIES.items():
        for base in bases.split():
            for prefix in ("", *SET_PREFIXES):
                table[f"{prefix}{base}"] = table[f"{prefix}{base}IfExists"] = family
    return table


OPERATORS = _operator_table()
_OPERATOR_NAMES = tuple(OPERATORS)

# The fix for each code, where it does not depend on the value.
HINTS = {
    "not-an-object": "write it as an object (a mapping)",
    "bad-version": 'use Version: "2012-10-17" (quoted)',
    "version-for-variables": 'set Version: "2012-10-17"',
    "missing-statement": "add Statement: a list of statements",
    "bad-value": "write it as a string or a list of strings",
    "missing-effect": 'add Effect: "Allow" or "Deny"',
    "missing-action": "add Action: the actions it allows or denies",
    "missing-resource": 'add Resource: the ARNs it applies to ("*" only for actions that '
    "cannot be limited to resources)",
    "bad-resource": 'write an ARN such as "arn:aws:s3:::bucket/*", or "*"',
    "missing-principal": "add Principal: whom the role trusts, e.g. {AWS: <account root ARN>}",
    "bad-principal": 'write Principal as {AWS: <ARN or account id>}, {Service: ...} or "*"',
    "bad-trust-action": "a trust policy allows only sts: actions such as sts:AssumeRole",
    "duplicate-sid": "give every statement its own Sid",
    "bad-condition": "write Condition as {Operator: {condition-key: value}}",
    "bad-condition-key": "write the key as prefix:name, e.g. aws:PrincipalArn",
    "bad-condition-value": "write the value as a string or a flat list of strings",
}

_SID = re.compile(r"[A-Za-z0-9]+")
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*:\S.*", re.DOTALL)
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_EPOCH = re.compile(r"\d+")
# W3C profile of ISO 8601: YYYY[-MM[-DD[Thh:mm[:ss[.s]][TZD]]]]
_ISO = re.compile(
    r"(\d{4})(?:-(\d{2})(?:-(\d{2})"
    r"(?:T([01]\d|2[0-3]):[0-5]\d(?::(?:[0-5]\d|60)(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?)?)?"
)
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
_SCALARS = (str, int, float, bool, dt.date)  # dt.date: YAML timestamps (datetime included)

_repr = reprlib.Repr()
_repr.maxstring = _repr.maxother = 80
_repr.maxlist = _repr.maxdict = 3
_repr.maxlevel = 3


def _q(value: Any) -> str:
    """A value, quoted and bounded (a message is one line)."""
    try:
        return _repr.repr(value).replace("\n", "\\n")
    except ValueError:  # an int over Python's 4,300-digit str() limit
        return f"<{type(value).__name__} too long to show>"


def _what(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, dict):
        return f"an object {_q(value)}"
    if isinstance(value, list):
        return f"a list {_q(value)}" if value else "an empty list"
    return _q(value)


def _seg(key: Any) -> str | int:
    """A mapping key as a path element (YAML allows keys of any scalar type)."""
    if isinstance(key, str) or (isinstance(key, int) and not isinstance(key, bool)):
        return key
    return _q(key)


def did_you_mean(word: Any, choices: tuple[str, ...]) -> str | None:
    if not isinstance(word, str):
        return None
    for choice in choices:  # a case slip first: difflib ranks 'effect' below other keys
        if choice.lower() == word.lower():
            return choice
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return close[0] if close else None


def _suggest(word: Any, choices: tuple[str, ...], otherwise: str) -> str:
    best = did_you_mean(word, choices)
    return f"did you mean {best!r}?" if best else otherwise


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _date_ok(v: Any) -> bool:
    if isinstance(v, dt.date) or _number(v):
        return True
    if not isinstance(v, str) or (m := _ISO.fullmatch(v)) is None:
        return isinstance(v, str) and _EPOCH.fullmatch(v) is not None
    try:
        dt.date(int(m[1]), int(m[2] or 1), int(m[3] or 1))
    except ValueError:
        return False
    return True


def _ip_ok(v: Any) -> bool:
    try:
        ipaddress.ip_network(v, strict=False)  # a string only: ip_network also takes ints
    except ValueError:
        return False
    return True


def _arn_ok(v: Any) -> bool:
    return v == "*" or (isinstance(v, str) and v.startswith("arn:") and v.count(":") >= 5)


def _bool_ok(v: Any) -> bool:
    return isinstance(v, bool) or (isinstance(v, str) and v.lower() in ("true", "false"))


# family -> (value test, what a value must be, fix); the String family takes any scalar
_VALUES: dict[str, tuple[Callable[[Any], bool], str, str]] = {
    "Numeric": (
        lambda v: _number(v) or (isinstance(v, str) and _NUMBER.fullmatch(v) is not None),
        "a number",
        'write a number, e.g. "3600"',
    ),
    "Date": (
        _date_ok,
        "an ISO 8601 date or epoch seconds",
        'write e.g. "2026-12-31T23:59:59Z" (ISO 8601, UTC) or epoch seconds',
    ),
    "Bool": (_bool_ok, "true or false", 'write "true" or "false"'),
    "Null": (_bool_ok, "true or false", 'write "true" (key absent) or "false" (key present)'),
    "Binary": (
        lambda v: isinstance(v, str) and bool(v) and _BASE64.fullmatch(v) is not None,
        "base64",
        "write the base64 encoding of the bytes",
    ),
    "Ip": (
        lambda v: isinstance(v, str) and _ip_ok(v),
        "an IP address or CIDR range",
        'write e.g. "203.0.113.0/24" or "2001:db8::/32"',
    ),
    "Arn": (_arn_ok, "an ARN", 'write e.g. "arn:aws:iam::111122223333:role/name" (Like: * and ?)'),
}


class _Walk:
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.out: list[GrammarProblem] = []
        self.sids: dict[str, int] = {}
        self.variable = ""  # the first policy variable seen: it needs Version 2012-10-17

    def add(self, path: Path, code: str, message: str, hint: str | None = None) -> None:
        self.out.append(GrammarProblem(path, code, message, hint or HINTS[code]))

    def policy(self, policy: Any) -> None:
        if not isinstance(policy, dict):
            self.add((), "not-an-object", f"the policy is {_what(policy)}, not an object")
            return
        for key in policy:
            if key not in TOP_KEYS:
                hint = _suggest(key, TOP_KEYS, "a policy has only Version, Id and Statement")
                self.add((_seg(key),), "unknown-key", f"unknown policy element {_q(key)}", hint)
        version = policy.get("Version")
        if "Version" in policy and version not in VERSIONS:
            what = (
                f"the date {version}, not a string"
                if isinstance(version, dt.date)
                else (f"{_what(version)}, not a policy language version")
            )
            self.add(("Version",), "bad-version", f"Version is {what}")
        if "Id" in policy and not isinstance(policy["Id"], str):
            self.add(("Id",), "bad-value", f"Id is {_what(policy['Id'])}, not a string")
        self.statements(policy)
        if self.variable and version != "2012-10-17":
            message = f"policy variable in {_q(self.variable)} needs Version '2012-10-17'"
            where: Path = ("Version",) if "Version" in policy else ()
            self.add(where, "version-for-variables", message + ": else it is literal text")

    def statements(self, policy: dict[Any, Any]) -> None:
        if "Statement" not in policy:
            self.add((), "missing-statement", "the policy has no Statement")
            return
        value = policy["Statement"]
        if isinstance(value, dict):
            self.statement(value, ("Statement",), 0)
        elif isinstance(value, list) and value:
            for i, st in enumerate(value):
                self.statement(st, ("Statement", i), i)
        elif isinstance(value, list):
            self.add(("Statement",), "missing-statement", "Statement is an empty list")
        else:
            message = f"Statement is {_what(value)}, not an object or a list of objects"
            self.add(("Statement",), "bad-value", message, "write Statement as a list of objects")

    def statement(self, st: Any, at: Path, index: int) -> None:
        if not isinstance(st, dict):
            self.add(at, "not-an-object", f"statement {index} is {_what(st)}, not an object")
            return
        for key in st:
            if key not in STATEMENT_KEYS:
                hint = _suggest(key, STATEMENT_KEYS, "remove it")
                self.add(
                    (*at, _seg(key)), "unknown-key", f"unknown statement element {_q(key)}", hint
                )
        self.sid(st, at, index)
        if "Effect" not in st:
            self.add(at, "missing-effect", f"statement {index} has no Effect")
        elif (effect := st["Effect"]) not in EFFECTS:
            hint = _suggest(effect, EFFECTS, 'use "Allow" or "Deny"')
            self.add(
                (*at, "Effect"), "bad-effect", f"Effect {_q(effect)} is not Allow or Deny", hint
            )
        self.pair(st, at, "Action", "NotAction")
        if self.kind == "trust":
            for key in ("Resource", "NotResource", "NotPrincipal"):
                if key in st:
                    why = (
                        "name the principals in Principal"
                        if key == "NotPrincipal"
                        else (f"remove {key}: a trust policy applies to its role")
                    )
                    self.add(
                        (*at, key), "prohibited-key", f"{key} is not allowed in a trust policy", why
                    )
            if "Principal" not in st:
                self.add(at, "missing-principal", f"statement {index} has no Principal")
            else:
                self.principal(st["Principal"], (*at, "Principal"))
        else:
            for key in ("Principal", "NotPrincipal"):
                if key in st:
                    message = f"{key} is not allowed in an identity policy"
                    why = f"remove {key}: the policy applies to whoever it is attached to"
                    self.add((*at, key), "prohibited-key", message, why)
            self.pair(st, at, "Resource", "NotResource")
        if "Condition" in st:
            self.condition(st["Condition"], (*at, "Condition"))

    def sid(self, st: dict[Any, Any], at: Path, index: int) -> None:
        if "Sid" not in st:
            return
        sid, here = st["Sid"], (*at, "Sid")
        if not isinstance(sid, str):
            self.add(here, "bad-sid", f"Sid is {_what(sid)}, not a string", "use a string Sid")
            return
        if sid and _SID.fullmatch(sid) is None:
            fixed = re.sub(r"[^A-Za-z0-9]", "", sid)
            message = f"Sid {_q(sid)} has characters other than A-Z, a-z, 0-9"
            self.add(here, "bad-sid", message, f"use letters and digits only: {fixed or 'S1'!r}")
        if sid in self.sids:
            message = f"Sid {_q(sid)} is also the Sid of statement {self.sids[sid]}"
            self.add(here, "duplicate-sid", message)
        elif sid:
            self.sids[sid] = index

    def pair(self, st: dict[Any, Any], at: Path, key: str, not_key: str) -> None:
        """Exactly one of Action/NotAction (or Resource/NotResource), a string or a list."""
        if key in st and not_key in st:
            message = f"statement has both {key} and {not_key}"
            self.add((*at, not_key), "conflicting-keys", message, f"keep one of {key}, {not_key}")
        elif key not in st and not_key not in st:
            missing = f"statement has neither {key} nor {not_key}"
            if key == "Action":
                self.add(at, "missing-action", missing)
            else:
                self.add(at, "missing-resource", missing + " (an identity policy needs one)")
        for field in (key, not_key):
            if field in st:
                self.strings(st[field], (*at, field), field)

    def strings(self, value: Any, here: Path, field: str) -> None:
        if isinstance(value, str):
            items: list[tuple[Path, Any]] = [(here, value)]
        elif isinstance(value, list) and value:
            items = [((*here, j), v) for j, v in enumerate(value)]
        else:
            self.add(here, "bad-value", f"{field} is {_what(value)}, not a string or a list")
            return
        for where, item in items:
            if not isinstance(item, str) or not item:
                what = "is empty" if item == "" else f"{_what(item)} is not a string"
                self.add(where, "bad-value", f"{field} entry {what}")
            elif field in ("Resource", "NotResource"):
                if "${" in item:
                    self.variable = self.variable or item
                if not _arn_ok(item):
                    self.add(where, "bad-resource", f"{field} {_q(item)} is not an ARN or '*'")
            elif (
                self.kind == "trust"
                and field in ("Action", "NotAction")
                and item != "*"
                and not item.lower().startswith("sts:")
            ):
                self.add(where, "bad-trust-action", f"{field} {_q(item)} is not an sts: action")

    def principal(self, value: Any, here: Path) -> None:
        if value == "*":
            return
        if not isinstance(value, dict) or not value:
            message = f'Principal is {_what(value)}, not "*" or an object of principal types'
            self.add(here, "bad-principal", message)
            return
        for ptype, ids in value.items():
            where = (*here, _seg(ptype))
            if ptype in PRINCIPAL_TYPES:
                self.strings(ids, where, f"Principal {ptype}")
                continue
            hint = _suggest(ptype, PRINCIPAL_TYPES, "use AWS, Service, Federated or CanonicalUser")
            self.add(where, "bad-principal", f"unknown principal type {_q(ptype)}", hint)

    def condition(self, cond: Any, here: Path) -> None:
        if not isinstance(cond, dict):
            self.add(here, "bad-condition", f"Condition is {_what(cond)}, not an object")
            return
        for op, block in cond.items():
            where = (*here, _seg(op))
            family = OPERATORS.get(op) if isinstance(op, str) else None
            if family is None:
                self.operator_problem(op, where)
            if not isinstance(block, dict):
                message = f"{_q(op)} takes an object of condition keys, not {_what(block)}"
                self.add(where, "bad-condition", message)
                continue
            for key, value in block.items():
                self.condition_key(key, (*where, _seg(key)))
                self.condition_values(op, family, key, value, (*where, _seg(key)))

    def operator_problem(self, op: Any, where: Path) -> None:
        if isinstance(op, str) and op.rpartition(":")[2] in ("Null", "NullIfExists"):
            message = f"{_q(op)}: Null takes neither IfExists nor ForAllValues:/ForAnyValue:"
            self.add(where, "unknown-operator", message, "use 'Null'")
            return
        hint = _suggest(op, _OPERATOR_NAMES, "see AWS's list of condition operators")
        self.add(where, "unknown-operator", f"unknown condition operator {_q(op)}", hint)

    def condition_key(self, key: Any, where: Path) -> None:
        if isinstance(key, str) and _KEY.fullmatch(key):
            if "${" in key:
                self.variable = self.variable or key
            return
        plain = isinstance(key, str) and key and ":" not in key
        hint = f"did you mean 'aws:{key}'?" if plain else None
        self.add(where, "bad-condition-key", f"condition key {_q(key)} is not prefix:name", hint)

    def condition_values(
        self, op: Any, family: str | None, key: Any, value: Any, where: Path
    ) -> None:
        if isinstance(value, list):
            items = [((*where, j), v) for j, v in enumerate(value)]
        else:
            items = [(where, value)]
        check = _VALUES.get(family or "")
        for here, item in items:
            if not isinstance(item, _SCALARS):
                message = (
                    f"{_seg(op)} value for {_seg(key)} is {_what(item)}: a condition value is "
                    "a string, number or boolean (or a list of them)"
                )
                self.add(here, "bad-condition-value", message)
            elif isinstance(item, str) and "${" in item:
                self.variable = self.variable or item  # substituted when IAM evaluates it
            elif check is not None and not check[0](item):
                message = f"{_seg(op)} value {_q(item)} for {_seg(key)} is not {check[1]}"
                self.add(here, "bad-condition-value", message, check[2])


def grammar_problems(policy: Any, kind: Literal["identity", "trust"]) -> list[GrammarProblem]:
    """The grammar problems of one policy document, in document order; [] when it is valid."""
    walk = _Walk(kind)
    try:
        walk.policy(policy)
    except Exception as exc:  # never block every commit on a bug here; the fuzz test keeps it out
        walk.add(
            (),
            "internal-error",
            f"the policy grammar check failed: {type(exc).__name__}: {_q(str(exc))}",
            "report this to the jumpgate maintainers; Access Analyzer in CI still checks",
        )
    return walk.out
