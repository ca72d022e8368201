"""An independent, strict IAM policy evaluator ("oracle") for differential tests.

It shares no code with jumpgate and imports nothing from it. It decides one request against
the identity-based policies of an IAM user and, for a cross-account request, the resource-based
policy of the target (a role's trust policy), following the AWS documentation:

- Policy evaluation logic, and How AWS enforcement code logic evaluates requests:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
- Cross-account policy evaluation logic (both the identity policy in the trusted account and
  the resource-based policy in the trusting account must allow):
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
- IAM JSON policy elements: Action, NotAction, Resource, Principal, Condition operators:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html
- Conditions with multiple context keys or values (AND / OR / NOR):
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html
- IAM policy elements: Variables and tags:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html

It is strict on purpose: anything outside the grammar below raises `OracleError` instead of
being guessed at. Supported:

- policy `Version` "2012-10-17" only (policy variables are only substituted in that version);
- statements with `Sid`, `Effect` (Allow/Deny), `Action` or `NotAction`, and, in identity
  policies, `Resource`; in trust policies, `Principal` (`"*"` or `{"AWS": ..., "Service": ...,
  "Federated": ..., "CanonicalUser": ...}`) and no `Resource`; `Condition`;
- `Action`/`NotAction` patterns `*` or `service:name` with `*`/`?` in the name, matched without
  regard to case; `Resource` `*` or an ARN of six colon-separated segments, each segment matched
  with `*`/`?`, case-sensitively (the resource segment may itself contain colons);
- scalar condition operators String*, Numeric*, Date* (ISO 8601 with a zone), Bool, Arn* and
  their `...IfExists` forms, and `Null`; not `ForAllValues:`/`ForAnyValue:`, IP or Binary;
- policy variables `${key}` in `Resource` and in String/Arn/Bool condition values, resolved
  from the request context (an unresolvable variable raises);
- requests by IAM users only, to a resource in another account (with a trust policy), or
  to a resource in the same account with no resource-based policy (`trust_policy=None`).

Usage::

    request = assume_role_request(
        user_arn="arn:aws:iam::100000000001:user/jumpgate/ana",
        role_arn="arn:aws:iam::108000000008:role/jumpgate/jumpgate-admin",
        mfa=True, mfa_age_seconds=300, now="2026-11-28T12:00:00Z", session_name="ana",
    )
    decide(identity_policies, trust_policy, request)  # one action: True = allowed
    can_assume_role(identity_policies, trust_policy, user_arn=..., ...)  # AssumeRole and,
    # with a SourceIdentity, SetSourceIdentity: both must be allowed

A request is a dict ``{"action": str, "resource": str, "principal": str, "context": {...}}``:
`principal` is the IAM user's ARN; `context` holds the request's condition keys (values
str, bool or int; a key that is absent is simply not there) and must hold `aws:CurrentTime`.
The oracle adds the keys the principal and resource determine: `aws:username`,
`aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalType`, `aws:ResourceAccount`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Final, Literal

__all__ = [
    "OracleError",
    "assume_role_request",
    "can_assume_role",
    "decide",
]

VERSION: Final = "2012-10-17"
ASSUME_ROLE: Final = "sts:AssumeRole"
SET_SOURCE_IDENTITY: Final = "sts:SetSourceIdentity"

Effect = Literal["Allow", "Deny"]


class OracleError(ValueError):
    """The input is outside the grammar this oracle evaluates; nothing was guessed."""


# ---------------------------------------------------------------- request context


@dataclass(frozen=True)
class _Request:
    action: str
    resource: str
    principal: str
    principal_account: str
    resource_account: str
    context: Mapping[str, str]  # lower-cased key -> value

    def get(self, key: str) -> str | None:
        return self.context.get(key.lower())


_USER_ARN = re.compile(
    r"arn:(?P<partition>[a-z-]+):iam::(?P<account>\d{12}):user(?P<path>/(?:[\w+=,.@-]+/)*)"
    r"(?P<name>[\w+=,.@-]{1,64})"
)
_ACCOUNT_ROOT = re.compile(r"arn:[a-z-]+:iam::(?P<account>\d{12}):root")
_ACTION = re.compile(r"[a-z0-9-]+:[A-Za-z0-9]+")
_REQUEST_KEYS = {"action", "resource", "principal", "context"}
_DERIVED_KEYS = (
    "aws:username",
    "aws:PrincipalArn",
    "aws:PrincipalAccount",
    "aws:PrincipalType",
    "aws:ResourceAccount",
)


def _context_value(key: str, value: object) -> str:
    # Context values are strings; booleans are "true"/"false" (Bool condition operator).
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value
    raise OracleError(f"context key {key}: only single str, bool or int values, got {value!r}")


def _arn_segments(arn: str) -> list[str]:
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise OracleError(f"not an ARN of six colon-separated segments: {arn!r}")
    return parts


def _parse_request(request: Mapping[str, Any]) -> _Request:
    unknown = set(request) - _REQUEST_KEYS
    missing = _REQUEST_KEYS - set(request)
    if unknown or missing:
        raise OracleError(f"request keys: unknown {sorted(unknown)}, missing {sorted(missing)}")
    action, resource, principal = request["action"], request["resource"], request["principal"]
    if not isinstance(action, str) or not _ACTION.fullmatch(action):
        raise OracleError(f"request action must be one service:Action, got {action!r}")
    if not isinstance(resource, str):
        raise OracleError(f"request resource must be an ARN, got {resource!r}")
    resource_account = _arn_segments(resource)[4]
    if not re.fullmatch(r"\d{12}", resource_account):
        raise OracleError(f"request resource has no account id: {resource!r}")
    user = _USER_ARN.fullmatch(principal) if isinstance(principal, str) else None
    if user is None:
        raise OracleError(f"request principal must be an IAM user ARN, got {principal!r}")
    raw = request["context"]
    if not isinstance(raw, Mapping):
        raise OracleError("request context must be a mapping of condition keys to values")
    context: dict[str, str] = {}
    for key, value in raw.items():
        if not isinstance(key, str) or key.lower() in context:
            raise OracleError(f"context key {key!r} is not a str or is given twice")
        context[key.lower()] = _context_value(key, value)
    derived = {
        "aws:username": user["name"],
        "aws:PrincipalArn": principal,
        "aws:PrincipalAccount": user["account"],
        "aws:PrincipalType": "User",
        "aws:ResourceAccount": resource_account,
    }
    for key in _DERIVED_KEYS:
        if key.lower() in context and context[key.lower()] != derived[key]:
            raise OracleError(f"context key {key} contradicts the principal or resource")
        context[key.lower()] = derived[key]
    if "aws:currenttime" not in context:
        raise OracleError("every request context has aws:CurrentTime; give it")
    _parse_date(context["aws:currenttime"])
    return _Request(
        action=action,
        resource=resource,
        principal=principal,
        principal_account=user["account"],
        resource_account=resource_account,
        context=context,
    )


# ---------------------------------------------------------------- wildcards and variables


def _glob(pattern: str, *, ignore_case: bool = False) -> re.Pattern[str]:
    """`*` is any run of characters (also none), `?` exactly one; nothing else is special."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def _glob_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    return _glob(pattern, ignore_case=ignore_case).fullmatch(value) is not None


def _arn_match(pattern: str, arn: str) -> bool:
    """ARN matching segment by segment, each with `*`/`?`, case-sensitive (ArnLike, Resource)."""
    wanted = _arn_segments(pattern)
    return all(_glob_match(p, v) for p, v in zip(wanted, _arn_segments(arn), strict=True))


_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def _substitute(value: str, request: _Request) -> str:
    """Replace each `${key}` with the request's value of that condition key."""

    def one(match: re.Match[str]) -> str:
        key = match.group(1)
        if not re.fullmatch(r"[A-Za-z0-9]+:[A-Za-z0-9/_.-]+", key):
            raise OracleError(f"policy variable form not supported: {match.group(0)!r}")
        resolved = request.get(key)
        if resolved is None:
            raise OracleError(f"policy variable {match.group(0)} has no value in the request")
        return resolved

    return _VARIABLE.sub(one, value)


# ---------------------------------------------------------------- condition operators


def _parse_date(value: str) -> dt.datetime:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})", value):
        raise OracleError(f"date must be ISO 8601 with seconds and a zone, got {value!r}")
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def _parse_number(value: str) -> Decimal:
    if not re.fullmatch(r"-?\d+(\.\d+)?", value):
        raise OracleError(f"not a number: {value!r}")
    try:
        return Decimal(value)
    except InvalidOperation as error:  # pragma: no cover - the pattern rules it out
        raise OracleError(f"not a number: {value!r}") from error


def _parse_bool(value: str) -> str:
    if value not in ("true", "false"):
        raise OracleError(f"Bool values are 'true' or 'false', got {value!r}")
    return value


Compare = Callable[[str, str], bool]


def _string(ignore_case: bool) -> Compare:
    if ignore_case:
        return lambda policy, actual: policy.lower() == actual.lower()
    return lambda policy, actual: policy == actual


def _numeric(test: Callable[[Decimal, Decimal], bool]) -> Compare:
    return lambda policy, actual: test(_parse_number(actual), _parse_number(policy))


def _date(test: Callable[[dt.datetime, dt.datetime], bool]) -> Compare:
    return lambda policy, actual: test(_parse_date(actual), _parse_date(policy))


@dataclass(frozen=True)
class _Operator:
    compare: Compare
    negated: bool  # NOR over the values; true when the key is absent
    variables: bool  # policy variables allowed in values


def _lt(a: Any, b: Any) -> bool:
    return bool(a < b)


def _le(a: Any, b: Any) -> bool:
    return bool(a <= b)


def _gt(a: Any, b: Any) -> bool:
    return bool(a > b)


def _ge(a: Any, b: Any) -> bool:
    return bool(a >= b)


def _eq(a: Any, b: Any) -> bool:
    return bool(a == b)


_OPERATORS: Final[dict[str, _Operator]] = {
    "StringEquals": _Operator(_string(False), False, True),
    "StringNotEquals": _Operator(_string(False), True, True),
    "StringEqualsIgnoreCase": _Operator(_string(True), False, True),
    "StringNotEqualsIgnoreCase": _Operator(_string(True), True, True),
    "StringLike": _Operator(lambda p, a: _glob_match(p, a), False, True),
    "StringNotLike": _Operator(lambda p, a: _glob_match(p, a), True, True),
    "NumericEquals": _Operator(_numeric(_eq), False, False),
    "NumericNotEquals": _Operator(_numeric(_eq), True, False),
    "NumericLessThan": _Operator(_numeric(_lt), False, False),
    "NumericLessThanEquals": _Operator(_numeric(_le), False, False),
    "NumericGreaterThan": _Operator(_numeric(_gt), False, False),
    "NumericGreaterThanEquals": _Operator(_numeric(_ge), False, False),
    "DateEquals": _Operator(_date(_eq), False, False),
    "DateNotEquals": _Operator(_date(_eq), True, False),
    "DateLessThan": _Operator(_date(_lt), False, False),
    "DateLessThanEquals": _Operator(_date(_le), False, False),
    "DateGreaterThan": _Operator(_date(_gt), False, False),
    "DateGreaterThanEquals": _Operator(_date(_ge), False, False),
    "Bool": _Operator(lambda p, a: _parse_bool(p) == a, False, True),
    "ArnEquals": _Operator(_arn_match, False, True),
    "ArnLike": _Operator(_arn_match, False, True),
    "ArnNotEquals": _Operator(_arn_match, True, True),
    "ArnNotLike": _Operator(_arn_match, True, True),
}


def _condition_values(operator: str, key: str, raw: object) -> list[str]:
    values: list[object] = list(raw) if isinstance(raw, list) else [raw]
    if not values:
        raise OracleError(f"{operator} {key}: no values")
    out: list[str] = []
    for value in values:
        if isinstance(value, bool) and operator.startswith(("Bool", "Null")):
            out.append("true" if value else "false")
        elif isinstance(value, int) and not isinstance(value, bool) and "Numeric" in operator:
            out.append(str(value))
        elif isinstance(value, str):
            out.append(value)
        else:
            raise OracleError(f"{operator} {key}: unsupported value {value!r}")
    return out


def _check_condition_block(condition: object) -> dict[str, dict[str, list[str]]]:
    if not isinstance(condition, Mapping) or not condition:
        raise OracleError(f"Condition must be a non-empty mapping, got {condition!r}")
    block: dict[str, dict[str, list[str]]] = {}
    for operator, pairs in condition.items():
        if not isinstance(operator, str):
            raise OracleError(f"condition operator {operator!r}")
        base = operator.removesuffix("IfExists")
        if ":" in operator:
            raise OracleError(f"set operators (ForAllValues/ForAnyValue) unsupported: {operator}")
        if operator != "Null" and base not in _OPERATORS:
            raise OracleError(f"condition operator not supported: {operator}")
        if not isinstance(pairs, Mapping) or not pairs:
            raise OracleError(f"{operator}: must map condition keys to values")
        checked: dict[str, list[str]] = {}
        for key, raw in pairs.items():
            if not isinstance(key, str) or not re.fullmatch(r"[A-Za-z0-9-]+:[\w/.:-]+", key):
                raise OracleError(f"{operator}: condition key {key!r}")
            values = _condition_values(operator, key, raw)
            if operator == "Null":
                for value in values:
                    _parse_bool(value)
            variables = operator != "Null" and _OPERATORS[base].variables
            if not variables and any("${" in value for value in values):
                raise OracleError(f"{operator} does not take policy variables: {values}")
            if base.startswith("Numeric"):
                for value in values:
                    _parse_number(value)
            if base.startswith("Date"):
                for value in values:
                    _parse_date(value)
            if base == "Bool":
                for value in values:
                    if "${" not in value:
                        _parse_bool(value)
            checked[key] = values
        block[operator] = checked
    return block


def _condition_holds(block: Mapping[str, Mapping[str, list[str]]], request: _Request) -> bool:
    """All operators AND, all keys of an operator AND, values OR (NOR when negated)."""
    for operator, pairs in block.items():
        for key, values in pairs.items():
            actual = request.get(key)
            if operator == "Null":
                # "true": the key is absent; "false": it is present (any value listed: OR).
                if not any((value == "true") == (actual is None) for value in values):
                    return False
                continue
            if_exists = operator.endswith("IfExists")
            spec = _OPERATORS[operator.removesuffix("IfExists")]
            if actual is None:
                if if_exists or spec.negated:
                    continue
                return False
            wanted = [_substitute(value, request) if spec.variables else value for value in values]
            matched = any(spec.compare(value, actual) for value in wanted)
            if matched == spec.negated:
                return False
    return True


# ---------------------------------------------------------------- statements and policies


@dataclass(frozen=True)
class _Statement:
    effect: Effect
    actions: tuple[str, ...]
    not_action: bool
    resources: tuple[str, ...] | None  # None in trust policies
    principals: Mapping[str, tuple[str, ...]] | None  # None in identity policies; "*": all
    condition: Mapping[str, Mapping[str, list[str]]]


def _strings(element: str, raw: object) -> tuple[str, ...]:
    values: list[object] = list(raw) if isinstance(raw, list) else [raw]
    strings = tuple(v for v in values if isinstance(v, str) and v)
    if not values or len(strings) != len(values):
        raise OracleError(f"{element} must be a string or a non-empty list of strings: {raw!r}")
    return strings


def _check_action_pattern(pattern: str) -> None:
    if pattern == "*":
        return
    service, sep, name = pattern.partition(":")
    if not sep or not re.fullmatch(r"[a-z0-9-]+", service, re.IGNORECASE):
        raise OracleError(f"action pattern must be '*' or service:name: {pattern!r}")
    if not re.fullmatch(r"[A-Za-z0-9*?]+", name):
        raise OracleError(f"action name pattern: {pattern!r}")


def _check_resource_pattern(pattern: str) -> None:
    if pattern == "*":
        return
    segments = _arn_segments(pattern)
    if any(c in segments[2] for c in "*?"):
        raise OracleError(f"no wildcard in an ARN's service segment: {pattern!r}")


def _principals(raw: object) -> Mapping[str, tuple[str, ...]]:
    if raw == "*":
        return {"*": ("*",)}
    if not isinstance(raw, Mapping) or not raw:
        raise OracleError(f"Principal must be '*' or a non-empty mapping: {raw!r}")
    out: dict[str, tuple[str, ...]] = {}
    for kind, values in raw.items():
        if kind not in ("AWS", "Service", "Federated", "CanonicalUser"):
            raise OracleError(f"Principal type not supported: {kind!r}")
        out[kind] = _strings(f"Principal {kind}", values)
        if kind == "AWS":
            for value in out[kind]:
                if value != "*" and not (
                    re.fullmatch(r"\d{12}", value) or _arn_segments(value)[2] == "iam"
                ):
                    raise OracleError(f"AWS principal must be '*', an account or IAM ARN: {value}")
                if value != "*" and any(c in value for c in "*?"):
                    raise OracleError(f"no wildcards in a principal ARN: {value!r}")
    return out


_STATEMENT_KEYS = {"Sid", "Effect", "Action", "NotAction", "Resource", "Principal", "Condition"}


def _statement(raw: object, *, trust: bool) -> _Statement:
    if not isinstance(raw, Mapping):
        raise OracleError(f"statement must be a mapping: {raw!r}")
    unknown = set(raw) - _STATEMENT_KEYS
    if unknown:
        raise OracleError(f"statement elements not supported: {sorted(unknown)}")
    if raw.get("Effect") not in ("Allow", "Deny"):
        raise OracleError(f"Effect must be Allow or Deny: {raw.get('Effect')!r}")
    effect: Effect = "Allow" if raw["Effect"] == "Allow" else "Deny"
    if ("Action" in raw) == ("NotAction" in raw):
        raise OracleError("a statement has exactly one of Action and NotAction")
    not_action = "NotAction" in raw
    actions = _strings("Action", raw["NotAction" if not_action else "Action"])
    for pattern in actions:
        _check_action_pattern(pattern)
    resources: tuple[str, ...] | None = None
    principals: Mapping[str, tuple[str, ...]] | None = None
    if trust:
        if "Resource" in raw or "Principal" not in raw:
            raise OracleError("a trust policy statement has a Principal and no Resource")
        principals = _principals(raw["Principal"])
    else:
        if "Principal" in raw or "Resource" not in raw:
            raise OracleError("an identity policy statement has a Resource and no Principal")
        resources = _strings("Resource", raw["Resource"])
        for pattern in resources:
            _check_resource_pattern(pattern)
    condition = _check_condition_block(raw["Condition"]) if "Condition" in raw else {}
    return _Statement(
        effect=effect,
        actions=actions,
        not_action=not_action,
        resources=resources,
        principals=principals,
        condition=condition,
    )


def _policy(raw: object, *, trust: bool) -> list[_Statement]:
    if not isinstance(raw, Mapping):
        raise OracleError(f"policy must be a mapping: {raw!r}")
    unknown = set(raw) - {"Version", "Id", "Statement"}
    if unknown:
        raise OracleError(f"policy elements not supported: {sorted(unknown)}")
    if raw.get("Version") != VERSION:
        raise OracleError(f"policy Version must be {VERSION} (variables need it)")
    statements = raw.get("Statement")
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        raise OracleError("Statement must be a statement or a non-empty list of them")
    return [_statement(s, trust=trust) for s in statements]


def _action_matches(statement: _Statement, action: str) -> bool:
    listed = any(_glob_match(p, action, ignore_case=True) for p in statement.actions)
    return listed != statement.not_action


def _resource_matches(statement: _Statement, request: _Request) -> bool:
    assert statement.resources is not None
    for pattern in statement.resources:
        if pattern == "*" or _arn_match(_substitute(pattern, request), request.resource):
            return True
    return False


def _principal_matches(statement: _Statement, request: _Request) -> bool:
    """Only an IAM user makes requests here; Service/Federated/CanonicalUser never name one."""
    assert statement.principals is not None
    for value in statement.principals.get("*", ()) + statement.principals.get("AWS", ()):
        if value == "*" or value == request.principal_account:
            return True
        root = _ACCOUNT_ROOT.fullmatch(value)
        if root is not None and root["account"] == request.principal_account:
            return True
        if value == request.principal:
            return True
    return False


def _applies(statement: _Statement, request: _Request) -> bool:
    if not _action_matches(statement, request.action):
        return False
    if statement.resources is not None and not _resource_matches(statement, request):
        return False
    if statement.principals is not None and not _principal_matches(statement, request):
        return False
    return _condition_holds(statement.condition, request)


def _effects(statements: Sequence[_Statement], request: _Request) -> set[Effect]:
    return {s.effect for s in statements if _applies(s, request)}


# ---------------------------------------------------------------- the decision


def decide(
    identity_policies: list[dict[str, Any]],
    trust_policy: dict[str, Any] | None,
    request: dict[str, Any],
) -> bool:
    """Whether AWS allows `request` (one action on one resource by one IAM user).

    `identity_policies`: every identity-based policy of the user (inline and managed, the
    user's own and its groups'), as policy documents. `trust_policy`: the resource-based policy
    of the target in another account (a role's trust policy); None for a request in the user's
    own account to a resource without one. An explicit Deny in any policy wins; otherwise a
    cross-account request needs an Allow in both, a same-account one an identity Allow.
    """
    parsed = _parse_request(request)
    identity = [s for p in identity_policies for s in _policy(p, trust=False)]
    trust = _policy(trust_policy, trust=True) if trust_policy is not None else None
    cross_account = parsed.principal_account != parsed.resource_account
    if trust is None and cross_account:
        raise OracleError("a cross-account request needs the target's resource-based policy")
    if trust is None and parsed.action.lower().startswith("sts:"):
        raise OracleError(f"{parsed.action} on a role is decided with the role's trust policy")
    if trust is not None and not cross_account:
        raise OracleError("same-account requests with a resource-based policy are not covered")
    identity_effects = _effects(identity, parsed)
    trust_effects = _effects(trust, parsed) if trust is not None else set()
    if "Deny" in identity_effects or "Deny" in trust_effects:
        return False
    if trust is None:
        return "Allow" in identity_effects
    return "Allow" in identity_effects and "Allow" in trust_effects


def assume_role_request(
    *,
    user_arn: str,
    role_arn: str,
    mfa: bool | None,
    now: str,
    session_name: str,
    mfa_age_seconds: int | None = None,
    source_identity: str | None = None,
    principal_tags: Mapping[str, str] | None = None,
    action: str = ASSUME_ROLE,
) -> dict[str, Any]:
    """The request context of an `sts:AssumeRole` call (and its `sts:SetSourceIdentity`).

    `principal_tags`: the IAM user's tags, in the context as `aws:PrincipalTag/<key>` ("AWS
    global condition context keys", aws:PrincipalTag: the tags attached to the user making the
    request; a GetSessionToken session of the user carries the same).

    `mfa`: None for a request signed with long-term access keys (no MFA keys at all), False
    for temporary credentials obtained without MFA, True for an MFA sign-in, whose age in
    seconds `mfa_age_seconds` must then be given (aws:MultiFactorAuthAge). `source_identity`:
    the SourceIdentity passed, if any (sts:SourceIdentity is absent otherwise).
    """
    context: dict[str, str | bool | int] = {
        "aws:CurrentTime": now,
        "sts:RoleSessionName": session_name,
    }
    if mfa is None:
        if mfa_age_seconds is not None:
            raise OracleError("long-term access keys carry no MFA age")
    else:
        context["aws:MultiFactorAuthPresent"] = mfa
        if mfa:
            if mfa_age_seconds is None:
                raise OracleError("an MFA sign-in has an age: give mfa_age_seconds")
            context["aws:MultiFactorAuthAge"] = mfa_age_seconds
        elif mfa_age_seconds is not None:
            raise OracleError("credentials without MFA carry no MFA age")
    if source_identity is not None:
        context["sts:SourceIdentity"] = source_identity
    for key, value in (principal_tags or {}).items():
        context[f"aws:PrincipalTag/{key}"] = value
    return {"action": action, "resource": role_arn, "principal": user_arn, "context": context}


def can_assume_role(
    identity_policies: list[dict[str, Any]],
    trust_policy: dict[str, Any],
    *,
    user_arn: str,
    role_arn: str,
    mfa: bool | None,
    now: str,
    session_name: str,
    mfa_age_seconds: int | None = None,
    source_identity: str | None = None,
    principal_tags: Mapping[str, str] | None = None,
) -> bool:
    """An AssumeRole call succeeds: sts:AssumeRole is allowed and, when it passes a
    SourceIdentity, sts:SetSourceIdentity is allowed too (by both policies, cross-account)."""
    arguments: dict[str, Any] = {
        "user_arn": user_arn,
        "role_arn": role_arn,
        "mfa": mfa,
        "now": now,
        "session_name": session_name,
        "mfa_age_seconds": mfa_age_seconds,
        "source_identity": source_identity,
        "principal_tags": principal_tags,
    }
    assume = assume_role_request(**arguments)
    if not decide(identity_policies, trust_policy, assume):
        return False
    if source_identity is None:
        return True
    tag = assume_role_request(**arguments, action=SET_SOURCE_IDENTITY)
    return decide(identity_policies, trust_policy, tag)
