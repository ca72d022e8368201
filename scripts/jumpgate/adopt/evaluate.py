"""Who reaches which role in the source, evaluated the way IAM would (`report.iam_eval`).

The request is the one jumpgate's access model makes (`report.access.request_context`): an
MFA-authenticated `sts:AssumeRole` by the user, session name = user name, now — without a
SourceIdentity, which hand-made policies do not expect. Both the user's policies (their own
and their groups') and the role's trust policy must allow it.

Importing must never widen access, so every policy is first reduced to what jumpgate can
evaluate and express (`sanitize`): an Allow statement it cannot evaluate is left out, a Deny
statement's unexpressible condition is dropped (the Deny then applies always). Both only
narrow, and both are noted. The expiry of a path and the MFA age it allows are found by
asking the same question at other instants and ages (binary search): the source's own
conditions decide, whatever their shape.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from jumpgate.adopt.notes import Notes
from jumpgate.adopt.read import Policy, Role, Source, User
from jumpgate.report.iam_eval import ALLOW, Unsupported, decide

ACTION = "sts:AssumeRole"
KNOWN_KEYS = frozenset(
    {
        "aws:username",
        "aws:principalarn",
        "aws:principalaccount",
        "aws:principaltype",
        "aws:multifactorauthpresent",
        "aws:multifactorauthage",
        "aws:currenttime",
        "aws:resourceaccount",
        "sts:rolesessionname",
    }
)
OPERATORS = frozenset(
    {"StringEquals", "StringLike", "ArnLike", "Bool", "NumericLessThan", "DateLessThan"}
)
ELEMENTS = frozenset(
    {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition", "Principal"}
)
MAX_MFA_AGE = 129600  # the schema's maximum mfa_max_age_seconds
HORIZON_DAYS = 36500  # access still allowed this far ahead is standing
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::([0-9]{12}):role/")
_ROOT = re.compile(r"^(?:arn:aws[a-z-]*:iam::)?([0-9]{12})(?::root)?$")


@dataclass(frozen=True)
class SourcePath:
    """One person's way into one role of the source, and what bounds it."""

    person: str
    account_id: str
    role_arn: str
    group: str | None  # the group whose policy grants it; None: the user's own policy
    expires: str | None  # the last whole day (UTC) the source allows; None: standing
    mfa_limit: int | None  # MFA age (s) the source refuses from; None: no limit
    without_mfa: bool  # the source also allows it without MFA


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _strings(value: Any) -> bool:
    return all(isinstance(v, str) for v in _listed(value))


def _unexpressible(condition: Any) -> list[str]:
    """The operators and keys of a Condition that jumpgate cannot evaluate."""
    if condition is None:
        return []
    if not isinstance(condition, dict):
        return ["Condition"]
    bad = []
    for operator, block in condition.items():
        base = operator.removesuffix("IfExists")
        if operator != "Null" and base not in OPERATORS:
            bad.append(operator)
            continue
        if not isinstance(block, dict):
            bad.append(operator)
            continue
        for key, values in block.items():
            scalars = all(isinstance(v, str | int | float | bool) for v in _listed(values))
            if key.lower() not in KNOWN_KEYS or not scalars:
                bad.append(f"{operator} {key}")
    return bad


def _malformed(statement: dict[str, Any]) -> list[str]:
    found = sorted(set(statement) - ELEMENTS)
    for element in ("Action", "NotAction", "Resource", "NotResource"):
        if element in statement and not _strings(statement[element]):
            found.append(element)
    return found


def _trust_principals(
    statement: dict[str, Any], source: str, identity_id: str, notes: Notes
) -> dict[str, Any] | None:
    """The statement with only the principals that can be the identity account's users."""
    principal = statement.get("Principal")
    allow = statement.get("Effect") == "Allow"
    if principal is None or principal == "*":
        if principal == "*" and allow:
            notes.add("foreign-trust", source, "trusts every AWS principal (*)")
        return statement
    if not isinstance(principal, dict):
        return statement  # left to _malformed / the evaluator
    if allow and "Federated" in principal:
        notes.add("foreign-trust", source, f"trusts {principal['Federated']} (federation)")
    kept = []
    for name in _listed(principal.get("AWS", [])):
        root = _ROOT.match(name) if isinstance(name, str) else None
        if name == "*" or (root is not None and root.group(1) == identity_id):
            kept.append(name)
        elif isinstance(name, str) and name.startswith(f"arn:aws:iam::{identity_id}:user/"):
            kept.append(name)
            if allow:
                notes.add("user-trust", source)
        elif allow:
            notes.add("foreign-trust", source, f"trusts {name}: not imported")
    if not kept:
        return None
    return {**statement, "Principal": {"AWS": kept}}


def sanitize(
    document: Mapping[str, Any],
    source: str,
    notes: Notes,
    *,
    identity_id: str,
    known_accounts: set[str],
    trust: bool = False,
) -> dict[str, Any]:
    """What of a policy jumpgate can evaluate; never allows more than the original."""
    statements = document.get("Statement", [])
    out = []
    for raw in _listed(statements):
        if not isinstance(raw, dict):
            notes.add("element", source, "a statement that is not a map: left out")
            continue
        statement: dict[str, Any] | None = dict(raw)
        if trust and statement is not None:
            statement = _trust_principals(statement, source, identity_id, notes)
        if statement is None:
            continue
        effect = statement.get("Effect")
        malformed = _malformed(statement)
        conditions = _unexpressible(statement.get("Condition"))
        if effect == "Allow":
            if malformed or conditions:
                kind = "element" if malformed else "condition"
                notes.add(
                    kind, source, f"Allow with {', '.join(malformed or conditions)}: left out"
                )
                continue
            if "NotAction" in statement or "NotResource" in statement:
                notes.add("not-action", source)
            if not trust:
                for arn in _listed(statement.get("Resource", [])):
                    match = _ROLE_ARN.match(arn)
                    if match and match.group(1) not in known_accounts | {identity_id}:
                        notes.add("unknown-account", source, f"allows {arn}: not imported")
        elif effect == "Deny":
            notes.add("deny", source)
            if conditions:
                statement.pop("Condition")
                notes.add("condition", source, f"Deny with {', '.join(conditions)}: applied always")
            if malformed:
                notes.add("element", source, f"Deny with {', '.join(malformed)}: denies everything")
                statement = {"Effect": "Deny", "Action": "*"}
                statement["Principal" if trust else "Resource"] = "*"
        else:
            notes.add("element", source, f"Effect {effect!r}: left out")
            continue
        out.append(statement)
    return {"Version": "2012-10-17", "Statement": out}


def _context(
    user: User, role: Role, instant: str, identity_id: str, mfa: bool, age: int
) -> dict[str, str]:
    context = {
        "aws:username": user.name,
        "aws:principalarn": user.arn,
        "aws:principalaccount": identity_id,
        "aws:principaltype": "User",
        "aws:currenttime": instant,
        "aws:resourceaccount": role.account_id,
        "sts:rolesessionname": user.name,
    }
    if mfa:  # long-term access keys carry no MFA keys at all
        context["aws:multifactorauthpresent"] = "true"
        context["aws:multifactorauthage"] = str(age)
    return context


@dataclass
class _Question:
    """Does this user, with these identity policies, get into this role?"""

    user: User
    role: Role
    policies: Sequence[Mapping[str, Any]]
    trust: Mapping[str, Any]
    identity_id: str

    def allowed(self, instant: str, age: int = 0, *, mfa: bool = True) -> bool:
        context = _context(self.user, self.role, instant, self.identity_id, mfa, age)
        try:
            if decide(self.policies, ACTION, self.role.arn, context) != ALLOW:
                return False
            verdict = decide(
                [self.trust], ACTION, self.role.arn, context, principal_account=self.identity_id
            )
        except Unsupported:
            return False  # sanitize keeps these out; never guess an Allow
        return verdict == ALLOW


def _instant(day: dt.date, clock: str) -> str:
    return f"{day.isoformat()}T{clock}Z"


def last_day(allowed: Callable[[str], bool], today: dt.date) -> tuple[str | None, bool]:
    """(the last day allowed to its end, whether the source allows part of the next day too);
    (None, False) when still allowed at the horizon. Assumes it is allowed today at noon."""
    low, high = today - dt.timedelta(days=1), today + dt.timedelta(days=HORIZON_DAYS)
    if allowed(_instant(high, "23:59:59")):
        return None, False
    while (high - low).days > 1:
        middle = low + (high - low) / 2
        if allowed(_instant(middle, "23:59:59")):
            low = middle
        else:
            high = middle
    return low.isoformat(), allowed(_instant(low + dt.timedelta(days=1), "00:00:00"))


def mfa_limit(allowed: Callable[[int], bool]) -> int | None:
    """The first MFA age refused (ages below it are allowed), or None: no limit."""
    if allowed(MAX_MFA_AGE):
        return None
    low, high = 0, MAX_MFA_AGE
    while high - low > 1:
        middle = (low + high) // 2
        if allowed(middle):
            low = middle
        else:
            high = middle
    return high


def _mentions(documents: Sequence[Mapping[str, Any]], word: str) -> bool:
    return any(word in json.dumps(d).lower() for d in documents)


def source_paths(
    source: Source, targets: set[str], today: dt.date, notes: Notes
) -> list[SourcePath]:
    """Every (person, role) the source allows at noon UTC `today`, with MFA."""
    noon = _instant(today, "12:00:00")
    ident = source.identity_id

    def clean(policy: Policy) -> dict[str, Any]:
        return sanitize(
            policy.document, policy.source, notes, identity_id=ident, known_accounts=targets
        )

    groups = {
        name: [clean(p) for p in policies] for name, policies in source.group_policies.items()
    }
    trusts = {
        role.arn: sanitize(
            role.trust, role.arn, notes, identity_id=ident, known_accounts=targets, trust=True
        )
        for role in source.roles
    }
    found = []
    for user in source.users.values():
        own = [clean(p) for p in user.policies]
        everything = own + [d for g in user.groups for d in groups.get(g, [])]
        for role in source.roles:
            question = _Question(user, role, everything, trusts[role.arn], ident)
            if not question.allowed(noon):
                continue
            expires, rounded = _expiry(question, today)
            if rounded:
                notes.add("expiry-rounded", role.arn, f"{user.name}: imported until {expires}")
            limit = None
            if _mentions([*everything, question.trust], "multifactorauthage"):
                limit = mfa_limit(partial(question.allowed, noon))
            found.append(
                SourcePath(
                    person=user.name,
                    account_id=role.account_id,
                    role_arn=role.arn,
                    group=_granting_group(question, user, groups, expires, today),
                    expires=expires,
                    mfa_limit=limit,
                    without_mfa=question.allowed(noon, mfa=False),
                )
            )
    return found


def _expiry(question: _Question, today: dt.date) -> tuple[str | None, bool]:
    if not _mentions([*question.policies, question.trust], "datelessthan"):
        return None, False
    return last_day(question.allowed, today)


def _granting_group(
    question: _Question,
    user: User,
    groups: Mapping[str, list[dict[str, Any]]],
    expires: str | None,
    today: dt.date,
) -> str | None:
    """The group that grants the path on its own, lasting as long as the path (the first by
    name when several do); None when only the user's own policies do."""
    noon = _instant(today, "12:00:00")
    candidates = []
    for name in user.groups:
        alone = _Question(
            user, question.role, groups.get(name, []), question.trust, question.identity_id
        )
        if alone.allowed(noon):
            candidates.append((name, _expiry(alone, today)[0]))
    for name, lasts in candidates:
        if lasts == expires:
            return name
    return candidates[0][0] if candidates else None
