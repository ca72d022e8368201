"""E729: standing write access on a strict environment; E733: access judged elevated that
expires further ahead than the environment's `max_elevation_days`; W734: a standing
declaration that names no level.

`elevated: true` is the level's own word, and a team writes its permission sets itself, so the
gate judges what a level allows instead: a custom policy that allows a Write, Permissions
management or Tagging action (the action database's access levels; NotAction with Allow
counts), an AWS managed policy whose name does not say ReadOnly or ViewOnly (AWS's naming for
read-only policies; their content is not offline), or a customer managed policy (content
unknown offline). Such a level granted in a strict environment needs `expires` and `reason`
on the grant, at most `max_elevation_days` ahead, unless the organization declares it standing
in org/organization.yaml (`standing_on_strict: [billing, crm/exports]`, owned by the platform
team; team files cannot declare it). Levels marked `elevated: true` are validate's (E402,
E404); admin-like levels without `expires` and `reason` are E722's, never exempted.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

from jumpgate.gate import managed_policies
from jumpgate.gate.checks import iamdb
from jumpgate.gate.checks.base import Context, Hit, statements
from jumpgate.gate.checks.r_admin_like import admin_like
from jumpgate.generate.expand import find_level, grant_accounts
from jumpgate.model.organization import Grant, Level, Organization

RULE_IDS = ("E729", "E733", "W734")
STANDING = "standing_on_strict"
WRITES = (iamdb.WRITE, iamdb.PERMISSIONS, iamdb.TAGGING)
READ_ONLY_NAME = re.compile(r"ReadOnly|ViewOnly")
# Actions known to cfn-lint only have no access level (and a lower-case name): judged by verb.
READ_VERB = re.compile(r"get|list|describe|view|search|query|scan|lookup", re.IGNORECASE)


def declared(org: Organization) -> list[Any]:
    """The organization's standing declarations (level names, `team/set` for a team's set)."""
    raw = org.org_source.doc.data if org.org_source is not None else None
    value = raw.get(STANDING) if isinstance(raw, dict) else None
    return value if isinstance(value, list) else []


def level_key(level: Level) -> str:
    return f"{level.team}/{level.name}" if level.team else level.name


def _writes(entry: str) -> list[str]:
    out = []
    for action in iamdb.expand(entry):
        level = action.access_level
        if level in WRITES or (not level and not READ_VERB.match(action.name)):
            out.append(action.full)
    return out


def writes(level: Level) -> str | None:
    """What makes a level write access, for the finding; None for read-only access."""
    for arn in level.managed_policies:
        if managed_policies.customer_policy_account(arn) is not None:
            return f"customer managed policy {arn}, content unknown offline"
        name = arn.rsplit("/", 1)[-1]
        if not READ_ONLY_NAME.search(name):
            return f"AWS managed policy {name}, not named ReadOnly or ViewOnly"
    for st in statements(level.policy or {}):
        if not st.allow:
            continue
        if "NotAction" in st.data:
            return "NotAction with Allow"
        found = sorted({a for entry in st.actions for a in _writes(entry)})
        if found:
            more = f" and {len(found) - 3} more" if len(found) > 3 else ""
            return f"{', '.join(found[:3])}{more}"
    return None


def _expiry(grant: Grant) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(grant.expires)) if grant.expires else None
    except ValueError:
        return None  # validate's E101


def _check_grant(ctx: Context, grant: Grant, level: Level, exempt: bool) -> Iterator[Hit]:
    org = ctx.org
    accounts = [
        a
        for a in grant_accounts(org, grant)
        if a.environment in org.environments and org.environments[a.environment].strict
    ]
    envs = {a.environment for a in accounts}
    if not envs or level.elevated:
        return
    admin = admin_like(level)
    why = admin or (None if exempt else writes(level))
    if why is None:
        return
    kind = "permission set" if level.team else "level"
    if not (grant.expires and grant.reason):
        if admin is None:  # admin-like: E722
            where = ", ".join(a.name for a in accounts)
            yield Hit(
                "E729",
                grant.source,
                ("level",),
                f"standing access in {where}: {kind} {level.name!r} may write ({why}), and "
                "the grant has no `expires` and `reason`",
                f"add `expires:` (at most {_max_days(org, envs)} days ahead) and `reason:` to "
                f"the grant, or ask the platform team to declare {level_key(level)!r} in "
                f"org/organization.yaml {STANDING}",
            )
        return
    expires = _expiry(grant)
    days = _max_days(org, envs)
    if expires is not None and (expires - ctx.today).days > days:
        env = min(envs, key=lambda name: org.environments[name].max_elevation_days)
        yield Hit(
            "E733",
            grant.source,
            ("expires",),
            f"expires {expires.isoformat()}, more than {days} days ahead in {env}: {kind} "
            f"{level.name!r} is elevated access ({why})",
            f"set `expires:` at most {days} days ahead ({ctx.today + dt.timedelta(days)})",
        )


def _max_days(org: Organization, envs: set[str]) -> int:
    return min(org.environments[name].max_elevation_days for name in envs)


def check_org(ctx: Context) -> Iterator[Hit]:
    org = ctx.org
    names = declared(org)
    known = {level_key(level) for level in org.levels.values()}
    for team in org.teams.values():
        known.update(level_key(s) for s in team.permission_sets.values())
    if org.org_source is not None:
        for index, name in enumerate(names):
            if name not in known:
                yield Hit(
                    "W734",
                    org.org_source,
                    (STANDING, index),
                    f"{STANDING} names {name!r}, which is no level or team permission set",
                    "use a level name, or team/set for a team's permission set; or remove it",
                )
    standing = {n for n in names if isinstance(n, str)}
    for team_name in sorted(org.teams):
        team = org.teams[team_name]
        for grant in team.grants:
            level = find_level(org, team, grant.level)
            if level is not None:
                yield from _check_grant(ctx, grant, level, level_key(level) in standing)
