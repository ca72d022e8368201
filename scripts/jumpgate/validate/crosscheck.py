"""Validate across files: references resolve, names are unique and legal, the organization's
access rules hold, and what would be deployed stays inside AWS's quotas.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

from jumpgate.core.findings import Finding
from jumpgate.core.limits import limit, policy_chars
from jumpgate.generate.expand import everyone_group, find_level, grant_accounts, user_stack_name
from jumpgate.generate.expansion import Expansion, Group
from jumpgate.generate.policies import group_parameters, group_policy, trust_policy
from jumpgate.model.organization import IDENTITY, Grant, Level, Organization, Person
from jumpgate.validate.quotas import check_quotas

IAM_NAME = re.compile(r"[\w+=,.@-]+", re.ASCII)  # IAM names are ASCII
TAG_VALUE = re.compile(r"[\w\s.:/=+\-@]*")


def check_references(org: Organization, today: dt.date) -> list[Finding]:
    """Rules that need only the model: run before expansion."""
    out: list[Finding] = []
    have_org = org.org_source is not None
    out += _check_org(org)
    out += _check_accounts(org, have_org)
    out += _check_people(org)
    for team in org.teams.values():
        for set_name, pset in team.permission_sets.items():
            if set_name in org.levels:
                out.append(
                    pset.source.finding(
                        "E213",
                        f"permission set {set_name!r} has the name of an organization level",
                        key=True,
                    )
                )
        for grant in team.grants:
            src = grant.source
            level = find_level(org, team, grant.level)
            if level is None and have_org:
                known = sorted({*org.levels, *team.permission_sets})
                out.append(
                    src.finding(
                        "E207",
                        f"unknown access level {grant.level!r}; known: {', '.join(known)}",
                        sub=("level",),
                    )
                )
            if grant.who is not None:
                for index, who in enumerate(grant.who):
                    if who not in team.people:
                        out.append(
                            src.finding(
                                "E208",
                                f"{who!r} is not a person of team {team.name!r}",
                                sub=("who", index),
                            )
                        )
            for index, env in enumerate(grant.environments):
                if have_org and env not in org.environments:
                    out.append(
                        src.finding(
                            "E205", f"unknown environment {env!r}", sub=("environments", index)
                        )
                    )
            for index, name in enumerate(grant.accounts):
                if name not in org.accounts:
                    out.append(
                        src.finding("E206", f"unknown account {name!r}", sub=("accounts", index))
                    )
                elif org.accounts[name].is_identity:
                    out.append(
                        src.finding(
                            "E214", f"{name!r} is the identity account", sub=("accounts", index)
                        )
                    )
            if have_org:
                out += _check_grant_rules(org, grant, level, today)
    return out


def _check_org(org: Organization) -> list[Finding]:
    out: list[Finding] = []
    for env in org.environments.values():
        if env.stage not in org.environments:
            out.append(
                env.source.finding(
                    "E205", f"stage {env.stage!r} is not an environment", sub=("stage",)
                )
            )
    for level in org.levels.values():
        for index, env_name in enumerate(level.denied_in):
            if env_name not in org.environments:
                out.append(
                    level.source.finding(
                        "E205", f"unknown environment {env_name!r}", sub=("denied_in", index)
                    )
                )
    return out


def _check_accounts(org: Organization, have_org: bool) -> list[Finding]:
    out: list[Finding] = []
    by_id: dict[str, list[str]] = defaultdict(list)
    by_lower: dict[str, list[str]] = defaultdict(list)
    for account in org.accounts.values():
        by_id[account.id].append(account.name)
        by_lower[account.name.lower()].append(account.name)
        src = account.source
        if account.team is None and not account.is_identity:
            out.append(src.finding("E204", "needs `team:` (only the identity account has none)"))
        elif account.team is not None and org.teams and account.team not in org.teams:
            out.append(src.finding("E204", f"unknown team {account.team!r}", sub=("team",)))
        if have_org and not account.is_identity and account.environment not in org.environments:
            known = ", ".join([*org.environments, IDENTITY])
            out.append(
                src.finding(
                    "E205",
                    f"unknown environment {account.environment!r}; known: {known}",
                    sub=("environment",),
                )
            )
    for account_id, names in by_id.items():
        for name in sorted(names)[1:]:
            out.append(
                org.accounts[name].source.finding(
                    "E201",
                    f"account id {account_id} is also account {sorted(names)[0]!r}",
                    sub=("id",),
                )
            )
    for names in by_lower.values():
        for name in sorted(names)[1:]:
            out.append(
                org.accounts[name].source.finding(
                    "E202", f"account {name!r} differs from {sorted(names)[0]!r} only by case"
                )
            )
    identities = sorted(a.name for a in org.accounts.values() if a.is_identity)
    if len(identities) > 1:
        for name in identities[1:]:
            out.append(
                org.accounts[name].source.finding(
                    "E203",
                    f"second identity account (first: {identities[0]!r})",
                    sub=("environment",),
                )
            )
    elif not identities and org.org_source is not None and org.accounts:
        out.append(org.org_source.finding("E203", "no account has `environment: identity`"))
    return out


def _check_people(org: Organization) -> list[Finding]:
    out: list[Finding] = []
    first: dict[str, tuple[str, str, str]] = {}
    lower: dict[str, str] = {}
    stacks: dict[str, str] = {}
    for team_name in sorted(org.teams):
        for person in org.teams[team_name].people.values():
            seen = first.get(person.username)
            if seen is None:
                first[person.username] = (person.name, person.email, team_name)
                stack = user_stack_name(org, person.username)
                twin = stacks.setdefault(stack, person.username)
                if twin != person.username:  # j.doe and j_doe: one stack, one file
                    out.append(
                        person.source.finding(
                            "E215",
                            f"user {person.username!r} and {twin!r} both make stack {stack!r}",
                            key=True,
                        )
                    )
                other = lower.setdefault(person.username.lower(), person.username)
                if other != person.username:
                    out.append(
                        person.source.finding(
                            "E202",
                            f"user {person.username!r} differs from {other!r} only by case",
                            key=True,
                        )
                    )
            elif (person.name, person.email) != seen[:2]:
                out.append(
                    person.source.finding(
                        "E209",
                        f"{person.username!r} is {person.name} <{person.email}> here but "
                        f"{seen[0]} <{seen[1]}> in team {seen[2]!r}",
                        key=True,
                    )
                )
            if not TAG_VALUE.fullmatch(person.name):
                out.append(
                    person.source.finding(
                        "E301",
                        f"name {person.name!r} has characters IAM tags do not allow",
                        "use letters, digits, spaces and _.:/=+-@ only",
                        sub=("name",),
                    )
                )
    return out


def _check_grant_rules(
    org: Organization, grant: Grant, level: Level | None, today: dt.date
) -> list[Finding]:
    out: list[Finding] = []
    src = grant.source
    expires: dt.date | None = None
    if grant.expires:
        try:
            expires = dt.date.fromisoformat(grant.expires)
        except ValueError:
            out.append(
                src.finding(
                    "E101", f"expires: {grant.expires!r} is not a valid date", sub=("expires",)
                )
            )
        else:
            if expires == dt.date.max:  # IAM gets the next day's first instant: there is none
                out.append(
                    src.finding(
                        "E101", f"expires: {grant.expires!r} has no next day", sub=("expires",)
                    )
                )
            elif expires < today:
                out.append(src.finding("W403", f"expired on {grant.expires}", sub=("expires",)))
    accounts = grant_accounts(org, grant)
    if not accounts and all(a in org.accounts for a in grant.accounts):
        out.append(
            src.finding(
                "W211",
                f"team {grant.team!r} has no account in "
                f"{', '.join(grant.environments) or 'the listed accounts'}",
            )
        )
    if level is None:
        return out
    for account in accounts:
        env = org.environments.get(account.environment)
        if env is None:
            continue
        if env.name in level.denied_in:
            out.append(
                src.finding(
                    "E401",
                    f"level {level.name!r} is not allowed in {env.name} (account {account.name!r})",
                    sub=("level",),
                )
            )
        elif level.elevated and env.strict:
            if not (grant.expires and grant.reason):
                out.append(
                    src.finding(
                        "E402",
                        f"level {level.name!r} in {env.name} account "
                        f"{account.name!r} needs `expires` and `reason`",
                    )
                )
            elif expires and (expires - today).days > env.max_elevation_days:
                out.append(
                    src.finding(
                        "E404",
                        f"expires {grant.expires}, more than "
                        f"{env.max_elevation_days} days ahead in {env.name}",
                        sub=("expires",),
                    )
                )
    return out


def check_expansion(org: Organization, exp: Expansion) -> list[Finding]:
    """Rules on what would be deployed: names, groups per person, sizes and quotas."""
    out: list[Finding] = []
    path = org.path
    for name, group in exp.groups.items():
        src = group.grant.source
        if len(name) > limit("group_name_chars") or not IAM_NAME.fullmatch(name):
            out.append(
                src.finding(
                    "E301",
                    f"group name {name!r} is invalid or longer than "
                    f"{limit('group_name_chars')} characters",
                )
            )
        out += _check_group_size(group, path)
    identity_id = exp.identity.id if exp.identity else "000000000000"
    lifted: set[tuple[int, str]] = set()
    for role in exp.roles.values():
        src = role.level.source
        env = org.environments[org.accounts[role.account].environment]
        own = role.level.permissions_boundary
        lifts = own and env.permissions_boundary and own != env.permissions_boundary
        if lifts and (id(role.level), env.name) not in lifted:  # once per level and environment
            lifted.add((id(role.level), env.name))
            out.append(
                src.finding(
                    "E406",
                    f"{env.name} has permissions boundary {env.permissions_boundary}; a "
                    "role has one boundary, and a level may not replace the environment's",
                    sub=("permissions_boundary",),
                )
            )
        if len(role.name) > limit("role_name_chars"):
            out.append(
                src.finding(
                    "E301",
                    f"role name {role.name!r} is longer than {limit('role_name_chars')} characters",
                    key=True,
                )
            )
        elif len(path) + len(role.name) > limit("switch_role_path_and_name_chars"):
            out.append(
                src.finding(
                    "E302",
                    f"path {path!r} and role {role.name!r} are "
                    f"{len(path) + len(role.name)} characters",
                    key=True,
                )
            )
        size = policy_chars(trust_policy(role, identity_id, path))
        if size > limit("role_trust_policy_chars"):
            out.append(src.finding("E502", f"trust policy of {role.name!r} is {size:,} characters"))
        if role.level.policy is not None:
            custom = policy_chars(role.level.policy)
            if custom > limit("cfn_parameter_value_bytes"):
                out.append(
                    src.finding(
                        "E501",
                        f"policy is {custom:,} characters; a parameter "
                        f"holds at most {limit('cfn_parameter_value_bytes'):,}",
                        sub=("policy",),
                    )
                )
    for username, user in exp.users.items():
        count = 1 + len(user.groups)  # everyone's group + one per grant
        if count > limit("groups_per_user"):
            person = _first_person(org, username)
            if person is not None:
                out.append(
                    person.source.finding(
                        "E303",
                        f"{username!r} would be in {count} groups ({everyone_group(org)} and "
                        f"{len(user.groups)} grants), IAM allows {limit('groups_per_user')}",
                        key=True,
                    )
                )
    out += check_quotas(org, exp)
    return out


def _check_group_size(group: Group, path: str) -> list[Finding]:
    """The group's policy (explicit or compact form) and its list parameter fit IAM's and
    CloudFormation's limits; beyond them the grant must be split."""
    out: list[Finding] = []
    src = group.grant.source
    split = "split the grant, for example one per environment"
    size = policy_chars(group_policy(group, path))
    if size > limit("group_inline_policy_chars"):
        out.append(
            src.finding(
                "E502",
                f"group policy is {size:,} characters, over the "
                f"{limit('group_inline_policy_chars'):,} allowed ({len(group.roles):,} "
                f"accounts); {split}",
            )
        )
    params = group_parameters(group, path)
    name = "AccountIds" if params["AccountIds"] else "RoleArns"
    value = len(params[name].encode())
    if value > limit("cfn_parameter_value_bytes"):
        out.append(
            src.finding(
                "E501",
                f"{name} is {value:,} bytes, over {limit('cfn_parameter_value_bytes'):,}; {split}",
            )
        )
    return out


def _first_person(org: Organization, username: str) -> Person | None:
    for team_name in sorted(org.teams):
        person = org.teams[team_name].people.get(username)
        if person is not None:
            return person
    return None
