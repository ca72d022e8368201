"""Build the organization, account and team data of an import from the source's paths."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from jumpgate.adopt.evaluate import SourcePath
from jumpgate.adopt.mapping import (
    UNGROUPED,
    Mapped,
    Settings,
    _environment_order,
    _environments,
    _levels,
    _people,
    kebab,
    unique,
)
from jumpgate.adopt.notes import Notes
from jumpgate.adopt.read import Source, User

MIN_SESSION = 3600  # IAM's and the schema's minimum MaxSessionDuration
MAX_DEFAULT_GROUP = 96  # longer default group names get a short `group:` (IAM allows 128)

Best = dict[tuple[str, str, str], tuple[str | None, str, str]]  # -> (expires, team, source)


def _lasts_longer(candidate: str | None, current: str | None) -> bool:
    return current is not None and (candidate is None or candidate > current)


def _person(user: User, name: str) -> dict[str, str]:
    tags = {key.lower(): value for key, value in user.tags.items()}
    return {
        "name": tags.get("name") or tags.get("displayname") or name,
        "email": tags.get("email") or f"{name}@example.invalid",
    }


def build(source: Source, paths: list[SourcePath], settings: Settings, notes: Notes) -> Mapped:
    level_of, levels = _levels(source, paths, notes)
    people = _people(source, notes)
    env_of = _environments(settings, notes)
    taken = {UNGROUPED}
    team_of = {group: unique(kebab(group), taken) for group in sorted(source.group_policies)}
    best: Best = {}
    without_mfa: dict[str, list[str]] = defaultdict(list)
    for path in paths:
        level = level_of.get(path.role_arn)
        if level is None:
            continue  # role-permissions already noted
        user = source.users[path.person]
        if path.without_mfa:
            without_mfa[path.role_arn].append(people[path.person])
        if path.group is None:
            notes.add("user-policy", user.arn)
        team = team_of[path.group] if path.group else UNGROUPED
        origin = source.group_arns.get(path.group or "", user.arn)
        key = (people[path.person], settings.targets[path.account_id], level)
        if key not in best or _lasts_longer(path.expires, best[key][0]):
            best[key] = (path.expires, team, origin)
    for arn, names in sorted(without_mfa.items()):
        shown = ", ".join(sorted(names)[:5]) + (", …" if len(names) > 5 else "")
        notes.add("no-mfa", arn, f"{len(names)} people reach it without MFA ({shown})")
    members: dict[str, set[str]] = defaultdict(set)
    for user in source.users.values():
        for group in user.groups:
            if group in team_of:
                members[team_of[group]].add(people[user.name])
        if not user.has_mfa:
            notes.add("user-without-mfa", user.arn)
    for (person, _, _), (_, team, _) in best.items():
        members[team].add(person)
    owner = _owners(settings, best, sorted(members))
    organization = _organization(settings, levels, env_of, source, paths, level_of, notes)
    by_name = {people[u.name]: u for u in source.users.values()}
    teams = {
        team: {
            "team": team,
            "people": {p: _person(by_name[p], p) for p in sorted(names)},
            **_access(team, names, best, owner, env_of, organization, settings),
        }
        for team, names in sorted(members.items())
    }
    accounts: dict[str, dict[str, Any]] = {
        settings.identity_name: {"id": source.identity_id, "environment": "identity"}
    }
    for account_id, account in sorted(settings.targets.items(), key=lambda item: item[1]):
        accounts[account] = {
            "id": account_id,
            "environment": env_of[account],
            "team": owner[account],
        }
    mapped = Mapped(organization, accounts, teams)
    mapped.paths = {(p, a, lvl, exp) for (p, a, lvl), (exp, _, _) in best.items()}
    return mapped


def _owners(settings: Settings, best: Best, teams: list[str]) -> dict[str, str]:
    """Each account's team: the one with most paths into it, else one named like the account."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for (_, account, _), (_, team, _) in best.items():
        counts[account][team] += 1
    out = {}
    for account in settings.targets.values():
        if counts[account]:
            top = max(counts[account].values())
            out[account] = min(t for t, n in counts[account].items() if n == top)
        else:
            prefix = account.split("-", 1)[0]
            out[account] = prefix if prefix in teams else teams[0]
    return out


def _organization(
    settings: Settings,
    levels: dict[str, dict[str, Any]],
    env_of: dict[str, str],
    source: Source,
    paths: list[SourcePath],
    level_of: dict[str, str],
    notes: Notes,
) -> dict[str, Any]:
    """Environments take the shortest session and MFA age of their imported roles: never
    longer than the source allows."""
    by_id = {account_id: env_of[name] for account_id, name in settings.targets.items()}
    reached = {p.role_arn for p in paths if p.role_arn in level_of}
    sessions: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for role in source.roles:
        if role.arn in reached:
            sessions[by_id[role.account_id]].append((max(role.max_session, MIN_SESSION), role.arn))
    limits: dict[str, list[int | None]] = defaultdict(list)
    for path in paths:
        if path.role_arn in reached:
            limits[by_id[path.account_id]].append(path.mfa_limit)
    environments: dict[str, Any] = {}
    for name in _environment_order(set(env_of.values())):
        shortest = min((s for s, _ in sessions[name]), default=MIN_SESSION)
        environment: dict[str, Any] = {"max_session_seconds": shortest}
        for seconds, arn in sessions[name]:
            if seconds > shortest:
                notes.add("session", arn, f"{seconds} s becomes {shortest} s ({name})")
        ages = [a for a in limits[name] if a is not None]
        if ages:
            environment["mfa_max_age_seconds"] = max(min(ages), 60)
            notes.add("mfa-age", name, f"{name}: mfa_max_age_seconds {min(ages)}")
        environments[name] = environment
    return {
        "name": settings.name,
        "region": settings.region,
        "prefix": settings.prefix,
        "environments": environments,
        "levels": levels,
    }


def _bicliques(by_person: dict[str, set[str]]) -> list[tuple[frozenset[str], list[str]]]:
    """Exactly these (person, account) pairs as (accounts, people) blocks: people with the same
    accounts together, or accounts with the same people together — whichever is fewer."""
    by_accounts: dict[frozenset[str], list[str]] = defaultdict(list)
    for person, reached in by_person.items():
        by_accounts[frozenset(reached)].append(person)
    holders: dict[str, set[str]] = defaultdict(set)
    for person, reached in by_person.items():
        for account in reached:
            holders[account].add(person)
    by_people: dict[frozenset[str], set[str]] = defaultdict(set)
    for account, people in holders.items():
        by_people[frozenset(people)].add(account)
    blocks = [(accounts, sorted(who)) for accounts, who in by_accounts.items()]
    if len(by_people) <= len(by_accounts):  # on a tie, "these accounts for all of them"
        blocks = [(frozenset(accounts), sorted(who)) for who, accounts in by_people.items()]
    return sorted(blocks, key=lambda block: (block[1], sorted(block[0])))


def _access(
    team: str,
    names: set[str],
    best: Best,
    owner: dict[str, str],
    env_of: dict[str, str],
    organization: dict[str, Any],
    settings: Settings,
) -> dict[str, Any]:
    """The fewest grants giving this team's paths: one per (level, expiry, set of accounts)."""
    order = {name: index for index, name in enumerate(organization["environments"])}
    owned: dict[str, set[str]] = defaultdict(set)
    for account, env in env_of.items():
        if owner[account] == team:
            owned[env].add(account)
    reach: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    origins: dict[tuple[str, str], set[str]] = defaultdict(set)
    for (person, account, level), (expires, of_team, origin) in best.items():
        if of_team == team:
            reach[(level, expires or "")][person].add(account)
            origins[(level, expires or "")].add(origin)
    grants = []
    used: set[str] = set()
    for (level, expires), by_person in sorted(reach.items()):
        for accounts, who in _bicliques(by_person):
            grant: dict[str, Any] = {"who": "all" if set(who) == names else sorted(who)}
            grant["level"] = level
            envs = sorted({env_of[a] for a in accounts}, key=lambda e: order.get(e, 99))
            every: set[str] = set().union(*(owned[e] for e in envs))
            if all(owner[a] == team for a in accounts) and set(accounts) == every:
                grant["environments"] = envs
                scope = envs
            else:
                scope = sorted(accounts, key=lambda a: (order.get(env_of[a], 99), a))
                grant["accounts"] = scope
            suffix = "-".join([level, *scope])
            default = f"{settings.prefix}-{team}-{suffix}"
            if suffix in used or len(default) > MAX_DEFAULT_GROUP:
                grant["group"] = unique(f"{level}-grant", used, 64)
            used.add(suffix)
            if expires:
                grant["expires"] = expires
                grant["reason"] = f"imported from {', '.join(sorted(origins[(level, expires)]))}"[
                    :200
                ]
            grants.append(grant)
    return {"access": grants} if grants else {}
