"""E722: a level that is not marked `elevated` but grants admin-like access (an admin AWS
managed policy, or a custom policy with every action, a privilege-escalation action, or a
whole service or permissions management on every resource: "*" or an ARN pattern that
matches them all, see reach.py) is granted in a strict environment without
`expires` and `reason`."""

from __future__ import annotations

from collections.abc import Iterator

from jumpgate.gate.checks import iamdb
from jumpgate.gate.checks.base import Context, Hit, covers, statements
from jumpgate.gate.checks.escalation import ADMIN_MANAGED_POLICIES, ALONE, FULL_WILDCARDS
from jumpgate.gate.checks.reach import every_resource
from jumpgate.generate.expand import find_level, grant_accounts
from jumpgate.model.organization import Level

RULE_IDS = ("E722",)
WRITES = (iamdb.WRITE, iamdb.PERMISSIONS, iamdb.TAGGING)


def admin_like(level: Level) -> str | None:
    """Why a level is admin-like, or None."""
    for arn in level.managed_policies:
        if arn.rsplit("/", 1)[-1] in ADMIN_MANAGED_POLICIES:
            return f"managed policy {arn.rsplit('/', 1)[-1]}"
    if level.policy is None:
        return None
    for st in statements(level.policy):
        if not st.allow:
            continue
        for entry in st.actions:
            if entry in FULL_WILDCARDS:
                return f"action {entry!r}"
            broad = [a for a in iamdb.expand(entry) if every_resource(st.resources, a)]
            whole = "*" in st.resources or any(a.access_level in WRITES for a in broad)
            if entry.endswith(":*") and whole:
                return f"action {entry!r} on every resource"
            if any(covers(entry, a) for a in ALONE):
                return f"privilege escalation ({entry})"
            if any(a.access_level == iamdb.PERMISSIONS for a in broad):
                return f"permissions management on every resource ({entry})"
    return None


def check_org(ctx: Context) -> Iterator[Hit]:
    org = ctx.org
    strict = ctx.strict_envs()
    for team_name in sorted(org.teams):
        team = org.teams[team_name]
        for grant in team.grants:
            level = find_level(org, team, grant.level)
            if level is None or level.elevated or (grant.expires and grant.reason):
                continue
            accounts = [a.name for a in grant_accounts(org, grant) if a.environment in strict]
            why = admin_like(level) if accounts else None
            if why:
                yield Hit(
                    "E722",
                    grant.source,
                    ("level",),
                    f"level {level.name!r} is admin-like ({why}) in {', '.join(accounts)} "
                    "without `expires` and `reason`",
                    "add `expires:` and `reason:` to the grant; mark the level `elevated: true`",
                )
