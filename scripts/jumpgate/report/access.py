"""The effective-access model: who reaches which account, in which role, until when.

Computed from the policies that would be deployed, not from the YAML: for every person, the
group policies of their groups (as rendered: explicit or compact form, with their conditions)
and every candidate role's trust policy are evaluated (`iam_eval`) for the request a person
makes on the documented path in — `sts:AssumeRole` with `sts:SetSourceIdentity`, from an
MFA-authenticated session, session name and source identity equal to their user name, now,
with the person's user tags (`aws:PrincipalTag/...`: a prod role's trust tests one). Both
sides must allow (cross-account evaluation). The grant behind a path (level, expiry, reason,
file:line) is the group whose policy allows it; when several do, the longest-lasting.

Not modelled (documented in docs/access.md): the force-MFA baseline denies only sessions without
MFA, which this request never is; SCPs and permissions boundaries limit what a role may do
inside the account, not who may assume it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jumpgate.core.iam_eval import (
    ALLOW,
    DENY,
    Context,
    Residual,
    decide_prepared,
    prepare,
    shared_part,
)
from jumpgate.generate.expansion import Expansion
from jumpgate.generate.policies import group_policy, principal_tags, trust_policy
from jumpgate.model.organization import Organization

ACTIONS = ("sts:AssumeRole", "sts:SetSourceIdentity")
CONTRACT_FIELDS = (
    "person",
    "account",
    "account_id",
    "environment",
    "role",
    "role_arn",
    "level",
    "expires",
    "reason",
    "source",
)


@dataclass(frozen=True, order=True)
class AccessPath:
    """One person's way into one account through one role."""

    person: str
    account: str
    account_id: str
    environment: str
    role: str
    role_arn: str
    level: str
    expires: str | None  # YYYY-MM-DD, the last day it works; None: standing
    reason: str | None
    source: str  # the grant's file:line
    strict: bool
    max_session_seconds: int
    mfa_max_age_seconds: int | None

    def as_contract(self) -> dict[str, Any]:
        """The documented JSON fields (docs/access.md), in that order."""
        return {name: getattr(self, name) for name in CONTRACT_FIELDS}


def request_context(
    username: str,
    user_arn: str,
    account_id: str,
    now: str,
    tags: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The user's tags are in it as `aws:PrincipalTag/<key>` (a user and its GetSessionToken
    sessions carry them: docs/facts.md)."""
    return {
        **{f"aws:principaltag/{key.lower()}": value for key, value in (tags or {}).items()},
        "aws:username": username,
        "aws:principalarn": user_arn,
        "aws:multifactorauthpresent": "true",
        "aws:multifactorauthage": "0",
        "aws:currenttime": now,
        "aws:resourceaccount": account_id,
        "sts:sourceidentity": username,
        "sts:rolesessionname": username,
    }


def _expiry_of(policy: Mapping[str, Any]) -> str | None:
    """The last day a group policy allows, from its `DateLessThan aws:CurrentTime`."""
    last: str | None = None
    for statement in _statements(policy):  # a single statement may stand without a list
        instant = statement.get("Condition", {}).get("DateLessThan", {}).get("aws:CurrentTime")
        if isinstance(instant, str):
            day = dt.datetime.fromisoformat(instant.replace("Z", "+00:00")) - dt.timedelta(
                microseconds=1
            )
            last = day.date().isoformat()
    return last


@dataclass(frozen=True)
class RoleView:
    """A role as the evaluation sees it: where it is and who it trusts."""

    account: str
    account_id: str
    name: str
    arn: str
    trust: Mapping[str, Any]


Granted = dict[tuple[str, str, str], tuple[str, str | None]]  # (person, account, role) -> group


def _statements(policy: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    statements = policy.get("Statement", [])
    return statements if isinstance(statements, list) else [statements]


def _candidates(
    policy: Mapping[str, Any], by_arn: Mapping[str, RoleView], by_name: Mapping[str, list[RoleView]]
) -> list[RoleView]:
    """Roles an Allow statement's Resource could match: a policy can allow no other role.
    (Without a plain `Resource` — NotResource, a malformed statement — every role.)"""
    every = [r for roles in by_name.values() for r in roles]
    seen: dict[str, RoleView] = {}
    for statement in _statements(policy):
        if statement.get("Effect") != "Allow":
            continue
        resources = statement.get("Resource")
        if resources is None:
            return every
        for pattern in [resources] if isinstance(resources, str) else list(resources):
            if not isinstance(pattern, str):
                return every
            name = pattern.rsplit("/", 1)[-1]
            if "*" not in pattern and "?" not in pattern and "${" not in pattern:
                found = [by_arn[pattern]] if pattern in by_arn else []
            elif "*" in name or "?" in name or "${" in name or "}" in name:
                return every  # "}": the tail of a variable with a "/" (aws:PrincipalTag/key)
            else:
                found = by_name.get(name, [])
            for role in found:
                seen.setdefault(role.arn, role)
    return list(seen.values())


@dataclass
class _Policy:
    """One identity policy with what the evaluation may skip: the roles it can allow at all,
    and whether it has a Deny (then it is evaluated for every role)."""

    name: str
    document: Mapping[str, Any]
    reach: set[str]
    denies: bool
    expires: str | None


def reachable(
    identity_id: str,
    people_path: str,
    people: Mapping[str, Sequence[tuple[str, Mapping[str, Any]]]],
    roles: Sequence[RoleView],
    now: dt.datetime,
    tags: Mapping[str, Mapping[str, str]],
) -> Granted:
    """For each person (user name → their groups' (name, inline policy)), the roles IAM lets
    them assume, and the group that grants each (the longest-lasting when several do). `tags`:
    each person's user tags (trust policies of strict roles test one).

    A path needs every action of ACTIONS allowed by the person's policies together (an explicit
    Deny in any of them wins, else any Allow allows) and by the role's trust policy."""
    by_arn = {role.arn: role for role in roles}
    by_name: dict[str, list[RoleView]] = defaultdict(list)
    for role in roles:
        by_name[role.name].append(role)
    compiled: dict[int, _Policy] = {}
    # Prepared once per (policy, role, action), checked per person: see iam_eval.prepare.
    prepared: dict[tuple[int, str, str], tuple[Residual, ...]] = {}

    def verdict(policy: Mapping[str, Any], role: RoleView, action: str, context: Context) -> str:
        key = (id(policy), role.arn, action)
        if key not in prepared:
            shared = shared_part(context)
            prepared[key] = prepare(
                [policy], action, role.arn, shared, principal_account=identity_id
            )
        return decide_prepared(prepared[key], context)

    def compile_policy(name: str, document: Mapping[str, Any]) -> _Policy:
        if id(document) not in compiled:
            reach = {r.arn for r in _candidates(document, by_arn, by_name)}
            denies = any(s.get("Effect") != "Allow" for s in _statements(document))
            compiled[id(document)] = _Policy(name, document, reach, denies, _expiry_of(document))
        return compiled[id(document)]

    found: Granted = {}
    instant = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    for person, groups in people.items():
        user_arn = f"arn:aws:iam::{identity_id}:user{people_path}{person}"
        policies = [compile_policy(name, document) for name, document in groups]
        candidates = set().union(*(p.reach for p in policies)) if policies else set()
        for arn in sorted(candidates):
            role = by_arn[arn]
            context = request_context(person, user_arn, role.account_id, instant, tags.get(person))
            relevant = [p for p in policies if arn in p.reach or p.denies]
            allowing: list[list[_Policy]] = []
            for action in ACTIONS:
                verdicts = [(p, verdict(p.document, role, action, context)) for p in relevant]
                allowed = [p for p, v in verdicts if v == ALLOW]
                denied = any(v == DENY for _, v in verdicts)
                if denied or not allowed or verdict(role.trust, role, action, context) != ALLOW:
                    break
                allowing.append(allowed)
            if len(allowing) != len(ACTIONS):
                continue
            # The grant behind the path: a group that allows every action on its own, if any.
            granting = [p for p in allowing[0] if all(p in later for later in allowing[1:])]
            granting = granting or allowing[0]
            best = granting[0]
            for policy in granting[1:]:
                if _lasts_longer(policy.expires, best.expires):
                    best = policy
            found[(person, role.account, role.name)] = (best.name, best.expires)
    return found


def effective_access(
    org: Organization,
    expansion: Expansion,
    today: dt.date,
    people_only: Collection[str] | None = None,
) -> list[AccessPath]:
    """Every path person → account → role that IAM would allow on `today` (at noon UTC), from
    the policies jumpgate renders; with `people_only`, the paths of those people only."""
    identity = expansion.identity
    if identity is None:
        return []
    path = org.path
    users = {
        name: user
        for name, user in expansion.users.items()
        if people_only is None or name in people_only
    }
    wanted = {g for user in users.values() for g in user.groups}
    policies = {g: group_policy(expansion.groups[g], path) for g in sorted(wanted)}
    people = {name: [(g, policies[g]) for g in sorted(user.groups)] for name, user in users.items()}
    roles = [
        RoleView(r.account, r.account_id, r.name, r.arn(path), trust_policy(r, identity.id, path))
        for r in expansion.roles.values()
    ]
    tags = {name: principal_tags(user) for name, user in users.items()}
    found = reachable(identity.id, path, people, roles, _noon(today), tags)
    return _paths(org, expansion, found)


def _noon(today: dt.date) -> dt.datetime:
    return dt.datetime.combine(today, dt.time(12), tzinfo=dt.UTC)


def _lasts_longer(candidate: str | None, current: str | None) -> bool:
    if current is None:
        return False
    return candidate is None or candidate > current


def _paths(org: Organization, expansion: Expansion, found: Granted) -> list[AccessPath]:
    order = {name: index for index, name in enumerate(org.environments)}
    by_id = {a.id: a for a in org.accounts.values()}
    out = []
    for (person, account_name, role_name), (group_name, expires) in found.items():
        account = org.accounts.get(account_name) or by_id.get(account_name)
        role = expansion.roles.get((account_name, role_name))
        group = expansion.groups.get(group_name)
        env = org.environments.get(account.environment) if account else None
        source, reason = f"iam://group/{group_name or '(none)'}", None
        if group is not None:
            grant = group.grant
            line, _ = grant.source.doc.where(grant.source.path)
            source, reason = f"{grant.source.doc.path}:{line}", grant.reason
        level = role_name  # a role jumpgate does not declare keeps its name as its level
        if role is not None:
            level = f"{role.level.team}/{role.level.name}" if role.level.team else role.level.name
        out.append(
            AccessPath(
                person=person,
                account=account.name if account else account_name,
                account_id=account.id if account else "",
                environment=account.environment if account else "",
                role=role_name,
                role_arn=role.arn(org.path) if role else "",
                level=level,
                expires=expires,
                reason=reason,
                source=source,
                strict=bool(env and env.strict),
                max_session_seconds=role.max_session_seconds if role else 3600,
                mfa_max_age_seconds=role.mfa_max_age_seconds if role else None,
            )
        )
    return sorted(out, key=lambda p: (p.person, order.get(p.environment, 99), p.account, p.role))


def deployed_access(
    org: Organization,
    expansion: Expansion,
    memberships: Mapping[str, Sequence[str]],
    group_policies: Mapping[str, Sequence[Mapping[str, Any]]],
    roles: Mapping[str, Mapping[str, Mapping[str, Any]]],
    user_tags: Mapping[str, Mapping[str, str]],
    today: dt.date,
) -> list[AccessPath]:
    """The same evaluation over IAM as read back from a target: user → group names,
    group → inline policy documents, account name → role name → trust policy document,
    user → its tags.
    Paths are described by the declared grant when the group is jumpgate's, else by the
    group's IAM name."""
    identity = expansion.identity
    if identity is None:
        return []
    people = {
        user: [
            (group, policy) for group in sorted(groups) for policy in group_policies.get(group, ())
        ]
        for user, groups in memberships.items()
    }
    views = []
    for account_name, by_role in roles.items():
        account = org.accounts.get(account_name)
        if account is None:
            continue
        for role_name, trust in by_role.items():
            arn = f"arn:aws:iam::{account.id}:role{org.path}{role_name}"
            views.append(RoleView(account_name, account.id, role_name, arn, trust))
    found = reachable(identity.id, org.path, people, views, _noon(today), user_tags)
    return _paths(org, expansion, found)
