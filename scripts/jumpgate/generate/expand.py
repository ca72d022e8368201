"""Expand: the organization's grants become roles, groups and people, then stacks.

One stack per (template, target): the baseline and every group and person in the identity
account, every role in every target account. Names derive only from stable keys (user names,
team and grant names, level names), so an edit never silently renames, and so never replaces,
an IAM user, group or role.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections import defaultdict
from typing import Any

from jumpgate.core.limits import limit
from jumpgate.generate import people
from jumpgate.generate.expansion import Expansion, Group, Role, Stack, User
from jumpgate.generate.policies import (
    group_parameters,
    strict_group_id,
    strict_group_patterns,
    strict_groups_tag_value,
)
from jumpgate.model.organization import Account, Grant, Level, Organization, Team

TEMPLATES = "cloudformation/templates"
IDENTITY_STAGE = "identity"
STRICT_SUBPATH = "strict/"  # groups reaching a strict environment: /<prefix>/strict/
_NOT_IN_STACK_NAMES = re.compile(r"[^A-Za-z0-9-]")
_NOT_IN_TAG_VALUES = re.compile(r"[^\w\s.:/=+\-@]")


def find_level(org: Organization, team: Team, name: str) -> Level | None:
    return team.permission_sets.get(name) or org.levels.get(name)


def role_name(org: Organization, level: Level) -> str:
    return f"{org.prefix}-{level.team}-{level.name}" if level.team else f"{org.prefix}-{level.name}"


def grant_accounts(org: Organization, grant: Grant) -> list[Account]:
    """The accounts a grant reaches: the team's own in the listed environments, plus named ones."""
    chosen = {a.name: a for a in org.accounts_of(grant.team) if a.environment in grant.environments}
    for name in grant.accounts:
        if name in org.accounts:
            chosen[name] = org.accounts[name]
    return [chosen[n] for n in sorted(chosen) if not chosen[n].is_identity]


def grant_members(team: Team, grant: Grant) -> tuple[str, ...]:
    return tuple(sorted(team.people)) if grant.who is None else tuple(sorted(grant.who))


def group_name(org: Organization, grant: Grant) -> str:
    if grant.group:
        suffix = grant.group
    else:
        scope = [*grant.environments, *grant.accounts]
        suffix = "-".join([grant.level, *scope])
    return f"{org.prefix}-{grant.team}-{suffix}"


def expiry_instant(expires: str) -> str:
    """`expires` is the last day the grant works (UTC); IAM gets the first instant after it."""
    day = dt.date.fromisoformat(expires) + dt.timedelta(days=1)
    return f"{day.isoformat()}T00:00:00Z"


def strict_stage(org: Organization) -> str | None:
    """The first stage that deploys a strict environment: the one behind the approval."""
    stages = [env.stage for env in org.environments.values()]
    strict = {env.stage for env in org.environments.values() if env.strict}
    return next((stage for stage in stages if stage in strict), None)


def reaches_strict(org: Organization, group: Group) -> bool:
    return any(org.environments[org.accounts[r.account].environment].strict for r in group.roles)


def group_path(org: Organization, group: Group) -> str:
    """Strict-reaching groups live on their own path, so that IAM can tell them apart: only
    the post-approval deployer may create, change or add members to them."""
    return org.path + STRICT_SUBPATH if reaches_strict(org, group) else org.path


def stack_slug(name: str) -> str:
    """Stack names allow letters, digits and hyphens only."""
    return _NOT_IN_STACK_NAMES.sub("-", name)


def group_stack_name(org: Organization, group: str) -> str:
    return stack_slug(f"{org.prefix}-group-{group.removeprefix(org.prefix + '-')}")


def user_stack_name(org: Organization, username: str) -> str:
    return stack_slug(f"{org.prefix}-user-{username}")


def role_stack_name(org: Organization, role: str) -> str:
    return stack_slug(f"{org.prefix}-role-{role.removeprefix(org.prefix + '-')}")


def baseline_stack_name(org: Organization) -> str:
    return f"{org.prefix}-baseline"


def make_role(org: Organization, account: Account, level: Level) -> Role:
    env = org.environments[account.environment]
    session = env.max_session_seconds
    if level.max_session_seconds is not None:
        session = min(session, level.max_session_seconds)
    return Role(
        account=account.name,
        account_id=account.id,
        name=role_name(org, level),
        level=level,
        max_session_seconds=session,
        mfa_max_age_seconds=env.mfa_max_age_seconds,
        require_session_name=env.require_session_name,
        require_source_identity=env.require_source_identity,
        # The environment's boundary always applies: a level (a team's permission set above all)
        # may not lift it. IAM takes one boundary per role, so a level's own is used only where
        # the environment has none (E406 reports a level that would replace one).
        permissions_boundary=env.permissions_boundary or level.permissions_boundary,
    )


def minified(document: dict[str, Any] | None) -> str:
    return "" if document is None else json.dumps(document, separators=(",", ":"), sort_keys=False)


def expand(org: Organization) -> Expansion:
    """Everything deployable from a model that passed validation."""
    out = Expansion()
    identities = [a for a in org.accounts.values() if a.is_identity]
    out.identity = identities[0] if identities else None

    for team_name in sorted(org.teams):
        team = org.teams[team_name]
        for person in team.people.values():
            user = out.users.setdefault(
                person.username, User(person.username, person.name, person.email)
            )
            user.teams.append(team_name)
        for grant in team.grants:
            level = find_level(org, team, grant.level)
            if level is None:
                continue
            roles = []
            for account in grant_accounts(org, grant):
                if account.environment not in org.environments:
                    continue
                role = make_role(org, account, level)
                out.roles.setdefault((account.name, role.name), role)
                roles.append(role)
            if not roles:
                continue  # reaches no account (W211): a group with nothing to assume is noise
            name = group_name(org, grant)
            members = tuple(m for m in grant_members(team, grant) if m in team.people)
            try:
                expires_at = expiry_instant(grant.expires) if grant.expires else None
            except (ValueError, OverflowError):  # 2026-02-30, 9999-12-31: E101, not rendered
                expires_at = None
            out.groups[name] = Group(name, grant, members, tuple(roles), expires_at)
            for member in members:
                out.users[member].groups.append(name)
    _mark_strict_groups(org, out)
    out.stacks = _stacks(org, out)
    return out


def _mark_strict_groups(org: Organization, out: Expansion) -> None:
    """Each strict group's id goes on its members (their user tag) and on the roles in strict
    environments it reaches (their trust requires the tag to name one of these groups)."""
    reaching: dict[tuple[str, str], set[str]] = defaultdict(set)
    for name in sorted(out.groups):
        group = out.groups[name]
        if not reaches_strict(org, group):
            continue
        group_id = strict_group_id(name)
        for member in group.members:
            out.users[member].strict_groups.append(group_id)
        for role in group.roles:
            if org.environments[org.accounts[role.account].environment].strict:
                reaching[(role.account, role.name)].add(group_id)
    for key, ids in reaching.items():
        out.roles[key] = dataclasses.replace(out.roles[key], strict_groups=tuple(sorted(ids)))
    if reaching:  # groups hold the same Role objects as out.roles
        for group in out.groups.values():
            group.roles = tuple(out.roles[(r.account, r.name)] for r in group.roles)


def everyone_group(org: Organization) -> str:
    return f"{org.prefix}-people"


def _stacks(org: Organization, out: Expansion) -> list[Stack]:
    stacks: list[Stack] = []
    identity = out.identity
    if identity is None:
        return stacks
    common_tags = {f"{org.prefix}:managed-by": "jumpgate", f"{org.prefix}:organization": org.name}
    baseline = baseline_stack_name(org)
    # Whatever creates or widens a path into a strict environment deploys behind the approval:
    # groups that reach one, and the people in such groups (membership lives on the user).
    behind_approval = strict_stage(org) or IDENTITY_STAGE
    strict_groups = {name for name, group in out.groups.items() if reaches_strict(org, group)}

    def identity_stack(
        name: str,
        template: str,
        params: dict[str, str],
        tags: dict[str, str],
        depends: tuple[str, ...],
        stage: str = IDENTITY_STAGE,
    ) -> Stack:
        return Stack(
            name,
            stage,
            identity.name,
            identity.id,
            org.region,
            f"{TEMPLATES}/{template}",
            params,
            {**common_tags, **tags},
            depends,
        )

    stacks.append(
        identity_stack(
            baseline,
            "identity-baseline.yaml",
            {
                "EveryoneGroupName": everyone_group(org),
                "ForceMfaPolicyName": f"{org.prefix}-force-mfa",
                "Path": org.path,
            },
            {},
            (),
        )
    )
    group_stack = {}
    for name in sorted(out.groups):
        group = out.groups[name]
        stack_name = group_stack_name(org, name)
        group_stack[name] = stack_name
        tags = {f"{org.prefix}:team": group.grant.team}
        if group.grant.expires:
            tags[f"{org.prefix}:expires"] = group.grant.expires
        if group.grant.reason:
            tags[f"{org.prefix}:reason"] = tag_value(group.grant.reason)
        stacks.append(
            identity_stack(
                stack_name,
                "identity-group.yaml",
                {
                    "GroupName": name,
                    "Path": org.path,
                    "GroupPath": group_path(org, group),
                    **group_parameters(group, org.path),  # explicit or compact form
                    "Expires": group.expires_at or "",
                },
                tags,
                (baseline,),
                behind_approval if name in strict_groups else IDENTITY_STAGE,
            )
        )

    def person(username: str) -> dict[str, str | list[str]]:
        user = out.users[username]
        return {
            "UserName": username,
            "Path": org.path,
            "Groups": [everyone_group(org), *sorted(user.groups)],
            "FullName": tag_value(user.name),
            "Email": user.email,
            "Teams": " ".join(sorted(user.teams)),
            "StrictGroups": strict_groups_tag_value(user.strict_groups),
        }

    def people_stage(usernames: list[str]) -> str:
        held = {g for u in usernames for g in out.users[u].groups}
        return behind_approval if strict_groups.intersection(held) else IDENTITY_STAGE

    def people_depends(usernames: list[str]) -> tuple[str, ...]:
        held = {g for u in usernames for g in out.users[u].groups}
        return (baseline, *sorted(group_stack[g] for g in held))

    if org.people_batches:  # people in N stacks (generate/people.py)
        for number, members in people.batches(list(out.users), org.people_batches, person).items():
            name = people.batch_stack_name(org.prefix, number)
            usernames = [str(m["UserName"]) for m in members]
            template = people.template_path(name)
            out.templates[template] = people.batch_template(name, org.people_batches, members)
            stacks.append(
                Stack(
                    name,
                    people_stage(usernames),
                    identity.name,
                    identity.id,
                    org.region,
                    template,
                    {},
                    dict(common_tags),
                    people_depends(usernames),
                )
            )
    for username in sorted(out.users) if not org.people_batches else ():
        props = person(username)
        stacks.append(
            identity_stack(
                user_stack_name(org, username),
                "identity-user.yaml",
                {k: ",".join(v) if isinstance(v, list) else v for k, v in props.items()},
                {},
                people_depends([username]),
                people_stage([username]),
            )
        )

    stage_order = list(dict.fromkeys(env.stage for env in org.environments.values()))
    out.stages = [IDENTITY_STAGE, *stage_order]
    by_stage: dict[str, list[Stack]] = {s: [] for s in stage_order}
    for (account_name, _), role in sorted(out.roles.items()):
        account = org.accounts[account_name]
        env = org.environments[account.environment]
        level = role.level
        by_stage[env.stage].append(
            Stack(
                name=role_stack_name(org, role.name),
                stage=env.stage,
                account=account.name,
                account_id=account.id,
                region=org.region,
                template=f"{TEMPLATES}/target-role.yaml",
                parameters={
                    "RoleName": role.name,
                    "Path": org.path,
                    "IdentityAccountId": identity.id,
                    "PeoplePath": org.path,
                    "MaxSessionDuration": str(role.max_session_seconds),
                    "MfaMaxAgeSeconds": str(role.mfa_max_age_seconds or 0),
                    "RequireSessionName": str(role.require_session_name).lower(),
                    "RequireSourceIdentity": str(role.require_source_identity).lower(),
                    "ManagedPolicyArns": ",".join(level.managed_policies),
                    "PermissionsBoundary": role.permissions_boundary or "",
                    "CustomPolicy": minified(level.policy),
                    "TrustedStrictGroups": ",".join(strict_group_patterns(role)),
                },
                tags={
                    **common_tags,
                    f"{org.prefix}:level": level.name,
                    **({f"{org.prefix}:team": level.team} if level.team else {}),
                },
            )
        )
    for stage in stage_order:
        stacks.extend(by_stage[stage])
    order = {stage: index for index, stage in enumerate(out.stages)}
    return sorted(stacks, key=lambda stack: order.get(stack.stage, len(order)))  # stable


def tag_value(text: str) -> str:
    """IAM tag values allow letters, digits, spaces and _.:/=+-@ only; keep the rest readable."""
    return _NOT_IN_TAG_VALUES.sub("-", text)[: limit("iam_tag_value_chars")]
