"""Validate the names jumpgate generates: each IAM role, group, user, stack and parameter file
has exactly one source, no generated name is one jumpgate's own infrastructure uses, and
account names (file names) are names IAM, CloudFormation and every file system accept.

Names are compared case-insensitively: IAM names are (`Admin` and `admin` are one role), and
so are the file systems of macOS and Windows that hold the parameter files. Two sources of one
name are reported at both, each naming the other: "whichever sorts first wins" would turn one
team's grant into another's role.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from jumpgate.core.aws import DEFAULT_ROLE
from jumpgate.core.findings import Finding
from jumpgate.generate.expand import (
    everyone_group,
    group_name,
    group_stack_name,
    reaches_strict,
    role_name,
    role_stack_name,
)
from jumpgate.generate.expansion import Expansion
from jumpgate.generate.policies import strict_group_id
from jumpgate.model.organization import Level, Organization, Source

# Account names are file stems (accounts/<name>.yaml): the schema never sees them. They become
# parameter folders and parts of group and stack names, so: lowercase ASCII letters, digits
# and hyphens (what CloudFormation stack names and every file system accept), 1-64 characters.
ACCOUNT_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


def reserved_roles(prefix: str) -> dict[str, str]:
    """Role names jumpgate's own infrastructure uses (cloudformation/pipeline/*.yaml,
    core/aws.py), lowercased, with what uses them. Role names are unique per account whatever
    their path, so a level may not take one even though the pipeline's live elsewhere."""
    names = {
        # DEFAULT_ROLE is the deployer's path and name: the name is what must stay free
        DEFAULT_ROLE.rsplit("/", 1)[
            -1
        ]: "the deployer role the deploy engine assumes (core/aws.py)",
        f"{prefix}-deployer": "the deployer role (cloudformation/pipeline/bootstrap.yaml)",
        f"{prefix}-strict-deployer": "the strict deployer role (cloudformation/pipeline/"
        "bootstrap.yaml)",
    }
    for suffix in ("", "-validate", "-deploy", "-deploy-strict", "-source-event"):
        names[f"{prefix}-pipeline{suffix}"] = "a pipeline role (cloudformation/pipeline/)"
    return {name.lower(): why for name, why in names.items()}


def reserved_groups(org: Organization) -> dict[str, str]:
    return {everyone_group(org).lower(): "the everyone group of the baseline stack"}


def check_names(org: Organization, exp: Expansion) -> list[Finding]:
    out = _check_account_names(org)
    out += _check_roles(org)
    out += find_duplicate_groups(org)
    out += _check_stacks(org, exp)
    out += _check_strict_group_ids(org, exp)
    return out


def _check_strict_group_ids(org: Organization, exp: Expansion) -> list[Finding]:
    """E220: two strict groups with one tag id (8 hex digits of a hash: unlikely, not
    impossible) would let each other's members into both groups' prod roles."""
    out: list[Finding] = []
    by_id: dict[str, list[str]] = {}
    for name in sorted(exp.groups):
        if reaches_strict(org, exp.groups[name]):
            by_id.setdefault(strict_group_id(name), []).append(name)
    for group_id, names in sorted(by_id.items()):
        for name in names if len(names) > 1 else []:
            others = ", ".join(repr(n) for n in names if n != name)
            grant = exp.groups[name].grant
            message = f"group {name!r} has the strict-group id {group_id} of {others}"
            out.append(grant.source.finding("E220", message))
    return out


def _check_account_names(org: Organization) -> list[Finding]:
    out = []
    for name, account in org.accounts.items():
        if not ACCOUNT_NAME.fullmatch(name):
            out.append(
                account.source.finding(
                    "E103",
                    f"account name {name!r} (the file name) is not 1-64 lowercase ASCII letters, "
                    "digits and hyphens",
                )
            )
    return out


def _levels(org: Organization) -> Iterator[Level]:
    yield from org.levels.values()
    for team_name in sorted(org.teams):
        yield from org.teams[team_name].permission_sets.values()


def _describe(level: Level) -> str:
    line, _ = level.source.doc.where(level.source.path, key=True)
    if level.team:
        return (
            f"permission set {level.name!r} of team {level.team!r} ({level.source.doc.path}:{line})"
        )
    return f"level {level.name!r} ({level.source.doc.path}:{line})"


def _check_roles(org: Organization) -> list[Finding]:
    out: list[Finding] = []
    reserved = reserved_roles(org.prefix)
    by_name: dict[str, list[Level]] = {}
    for level in _levels(org):
        name = role_name(org, level)
        why = reserved.get(name.lower())
        if why is not None:
            message = f"role name {name!r} is {why}"
            out.append(level.source.finding("E219", message, key=True))
        by_name.setdefault(name.lower(), []).append(level)
    for levels in by_name.values():
        for level in levels if len(levels) > 1 else ():
            others = ", ".join(_describe(o) for o in levels if o is not level)
            message = f"role name {role_name(org, level)!r} is also made by {others}"
            out.append(level.source.finding("E218", message, key=True))
    return out


def find_duplicate_groups(org: Organization) -> list[Finding]:
    """E212: two grants make one group (the same name, whatever the case); E219: a grant's
    group has the name of a group jumpgate's baseline creates."""
    out: list[Finding] = []
    seen: dict[str, str] = {}
    reserved = reserved_groups(org)
    for team_name in sorted(org.teams):
        for grant in org.teams[team_name].grants:
            name = group_name(org, grant)
            where = f"{grant.source.doc.path} access[{grant.index}]"
            why = reserved.get(name.lower())
            if why is not None:
                out.append(grant.source.finding("E219", f"group {name!r} is {why}"))
            first = seen.setdefault(name.lower(), where)
            if first != where:
                out.append(grant.source.finding("E212", f"group {name!r} is also made by {first}"))
    return out


def _check_stacks(org: Organization, exp: Expansion) -> list[Finding]:
    """The last line: every stack name is unique in its account and every parameter file
    path in the repository (case-insensitively). The rules above (and E202, E212, E215) name
    the cause; this one catches whatever they do not, so no file is ever written twice."""
    sources: dict[tuple[str, str], Source] = {}
    for group in exp.groups.values():
        sources[("identity", group_stack_name(org, group.name))] = group.grant.source
    for role in exp.roles.values():
        sources[(role.account, role_stack_name(org, role.name))] = role.level.source
    identity = exp.identity.name if exp.identity else ""
    out: list[Finding] = []
    seen: dict[str, str] = {}  # stack key or parameter file → the first stack's file
    for stack in exp.stacks:
        for key in (f"{stack.account}\0{stack.name}".lower(), stack.parameter_file.lower()):
            if key not in seen:
                seen[key] = stack.parameter_file
                continue
            where = "identity" if stack.account == identity else stack.account
            # None: the baseline (the prefix's alone) and users (E202 and E215 say why)
            source = sources.get((where, stack.name))
            if source is not None:
                message = f"stack {stack.name!r} ({stack.parameter_file}) is also {seen[key]}"
                out.append(source.finding("E218", message, key=True))
            break
    return out
