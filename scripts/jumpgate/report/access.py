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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jumpgate.generate.expansion import Expansion, Group, Role
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


def request_context(username: str, user_arn: str, role: Role, now: dt.datetime) -> dict[str, str]:
    return {
        "aws:username": username,
        "aws:principalarn": user_arn,
        "aws:multifactorauthpresent": "true",
        "aws:multifactorauthage": "0",
        "aws:currenttime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:resourceaccount": role.account_id,
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


def _candidates(
    policy: Mapping[str, Any],
    by_arn: Mapping[str, Role],
    by_name: Mapping[str, list[Role]],
    every: Sequence[Role],
) -> Iterable[Role]:
    """Roles a statement's Resource could match: only those are worth evaluating."""
    seen: dict[str, Role] = {}
    for statement in policy.get("Statement", []):
        resources = statement.get("Resource", [])
        for pattern in [resources] if isinstance(resources, str) else resources:
            name = pattern.rsplit("/", 1)[-1]
            if "*" not in pattern and "?" not in pattern:
                found = [by_arn[pattern]] if pattern in by_arn else []
            elif "*" in name or "?" in name or "${" in name:
                found = list(every)
            else:
                found = by_name.get(name, [])
            for role in found:
                seen.setdefault(f"{role.account}/{role.name}", role)
    return seen.values()


def effective_access(org: Organization, expansion: Expansion, today: dt.date) -> list[AccessPath]:
    """Every path person → account → role that IAM would allow on `today` (at noon UTC)."""
    identity = expansion.identity
    if identity is None:
        return []
    path = org.path
    now = dt.datetime.combine(today, dt.time(12), tzinfo=dt.UTC)
    roles = list(expansion.roles.values())
    by_arn = {role.arn(path): role for role in roles}
    by_name: dict[str, list[Role]] = defaultdict(list)
    for role in roles:
        by_name[role.name].append(role)
    trust: dict[str, dict[str, Any]] = {}
    found: dict[tuple[str, str, str], tuple[Group, str | None]] = {}
    for group in sorted(expansion.groups.values(), key=lambda g: g.name):
        policy = group_policy(group, path)
        expires = _expiry_of(policy)
        for role in _candidates(policy, by_arn, by_name, roles):
            arn = role.arn(path)
            trusted = trust.setdefault(arn, trust_policy(role, identity.id, path))
            for person in group.members:
                user_arn = f"arn:aws:iam::{identity.id}:user{path}{person}"
                context = request_context(person, user_arn, role, now)
                if not all(
                    decide([policy], action, arn, context) == ALLOW
                    and decide([trusted], action, arn, context, principal_account=identity.id)
                    == ALLOW
                    for action in ACTIONS
                ):
                    continue
                key = (person, role.account, role.name)
                if key not in found or _lasts_longer(expires, found[key][1]):
                    found[key] = (group, expires)
    return _paths(org, expansion, found)


def _lasts_longer(candidate: str | None, current: str | None) -> bool:
    if current is None:
        return False
    return candidate is None or candidate > current


def _paths(
    org: Organization,
    expansion: Expansion,
    found: Mapping[tuple[str, str, str], tuple[Group, str | None]],
) -> list[AccessPath]:
    order = {name: index for index, name in enumerate(org.environments)}
    out = []
    for (person, account_name, role_name), (group, expires) in found.items():
        role = expansion.roles[(account_name, role_name)]
        account = org.accounts[account_name]
        env = org.environments[account.environment]
        level = role.level
        grant = group.grant
        line, _ = grant.source.doc.where(grant.source.path)
        out.append(
            AccessPath(
                person=person,
                account=account_name,
                account_id=account.id,
                environment=account.environment,
                role=role_name,
                role_arn=role.arn(org.path),
                level=f"{level.team}/{level.name}" if level.team else level.name,
                expires=expires,
                reason=grant.reason,
                source=f"{grant.source.doc.path}:{line}",
                strict=env.strict,
                max_session_seconds=role.max_session_seconds,
                mfa_max_age_seconds=role.mfa_max_age_seconds,
            )
        )
    return sorted(out, key=lambda p: (p.person, order.get(p.environment, 99), p.account, p.role))
