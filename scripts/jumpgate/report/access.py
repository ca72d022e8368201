"""The effective-access model: who reaches which account, in which role, until when.

Computed from the policies that would be deployed, not from the YAML: for every person, the
group policies of their groups (as rendered: explicit or compact form, with their conditions)
and every candidate role's trust policy are evaluated (`iam_eval`) for the request a person
makes on the documented path in — `sts:AssumeRole` with `sts:SetSourceIdentity`, from an
MFA-authenticated session, session name and source identity equal to their user name, now.
Both sides must allow (cross-account evaluation). The grant behind a path (level, expiry,
reason, file:line) is the group whose policy allows it; when several do, the longest-lasting.

Not modelled (documented in docs/access.md): the force-MFA baseline denies only sessions without
MFA, which this request never is; SCPs and permissions boundaries limit what a role may do
inside the account, not who may assume it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jumpgate.generate.expansion import Expansion
from jumpgate.generate.policies import group_policy, trust_policy
from jumpgate.model.organization import Organization
from jumpgate.report.iam_eval import ALLOW, decide

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
    username: str, user_arn: str, account_id: str, now: dt.datetime
) -> dict[str, str]:
    return {
        "aws:username": username,
        "aws:principalarn": user_arn,
        "aws:multifactorauthpresent": "true",
        "aws:multifactorauthage": "0",
        "aws:currenttime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:resourceaccount": account_id,
        "sts:sourceidentity": username,
        "sts:rolesessionname": username,
    }


def _expiry_of(policy: Mapping[str, Any]) -> str | None:
    """The last day a group policy allows, from its `DateLessThan aws:CurrentTime`."""
    last: str | None = None
    for statement in policy.get("Statement", []):
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


def _candidates(
    policy: Mapping[str, Any], by_arn: Mapping[str, RoleView], by_name: Mapping[str, list[RoleView]]
) -> list[RoleView]:
    """Roles a statement's Resource could match: only those are worth evaluating."""
    seen: dict[str, RoleView] = {}
    for statement in policy.get("Statement", []):
        resources = statement.get("Resource", [])
        for pattern in [resources] if isinstance(resources, str) else resources:
            name = pattern.rsplit("/", 1)[-1]
            if "*" not in pattern and "?" not in pattern:
                found = [by_arn[pattern]] if pattern in by_arn else []
            elif "*" in name or "?" in name or "${" in name:
                found = [r for roles in by_name.values() for r in roles]
            else:
                found = by_name.get(name, [])
            for role in found:
                seen.setdefault(role.arn, role)
    return list(seen.values())


def reachable(
    identity_id: str,
    people_path: str,
    people: Mapping[str, Sequence[tuple[str, Mapping[str, Any]]]],
    roles: Sequence[RoleView],
    now: dt.datetime,
) -> Granted:
    """For each person (user name → their groups' (name, inline policy)), the roles IAM lets
    them assume, and the group that grants each (the longest-lasting when several do).

    A path needs every action of ACTIONS allowed by the person's policies together (an explicit
    Deny in any of them wins) and by the role's trust policy."""
    by_arn = {role.arn: role for role in roles}
    by_name: dict[str, list[RoleView]] = defaultdict(list)
    for role in roles:
        by_name[role.name].append(role)
    found: Granted = {}
    for person, groups in people.items():
        user_arn = f"arn:aws:iam::{identity_id}:user{people_path}{person}"
        policies = [policy for _, policy in groups]
        candidates: dict[str, RoleView] = {}
        for policy in policies:
            candidates.update((r.arn, r) for r in _candidates(policy, by_arn, by_name))
        for role in candidates.values():
            context = request_context(person, user_arn, role.account_id, now)
            if not all(
                decide(policies, action, role.arn, context) == ALLOW
                and decide([role.trust], action, role.arn, context, principal_account=identity_id)
                == ALLOW
                for action in ACTIONS
            ):
                continue
            best: tuple[str, str | None] | None = None
            for name, policy in groups:
                if all(decide([policy], a, role.arn, context) == ALLOW for a in ACTIONS):
                    expires = _expiry_of(policy)
                    if best is None or _lasts_longer(expires, best[1]):
                        best = (name, expires)
            found[(person, role.account, role.name)] = best or ("", None)
    return found


def effective_access(org: Organization, expansion: Expansion, today: dt.date) -> list[AccessPath]:
    """Every path person → account → role that IAM would allow on `today` (at noon UTC), from
    the policies jumpgate renders."""
    identity = expansion.identity
    if identity is None:
        return []
    path = org.path
    policies = {name: group_policy(group, path) for name, group in expansion.groups.items()}
    people = {
        name: [(g, policies[g]) for g in sorted(user.groups)]
        for name, user in expansion.users.items()
    }
    roles = [
        RoleView(r.account, r.account_id, r.name, r.arn(path), trust_policy(r, identity.id, path))
        for r in expansion.roles.values()
    ]
    found = reachable(identity.id, path, people, roles, _noon(today))
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
    today: dt.date,
) -> list[AccessPath]:
    """The same evaluation over IAM as read back from a target: user → group names,
    group → inline policy documents, account name → role name → trust policy document.
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
    found = reachable(identity.id, org.path, people, views, _noon(today))
    return _paths(org, expansion, found)
