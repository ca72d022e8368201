"""Verify: read IAM back from the identity account and every target account, compare it to
what the team files declare (the Expansion and the policy builders), report drift (E9xx).

A local deploy is judged this way, never by stack status (docs/facts.md: emulators do not
apply every update faithfully). Only jumpgate's own path is inspected; other IAM objects are
not ours.
"""

from __future__ import annotations

import datetime as dt
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from botocore.exceptions import BotoCoreError, ClientError

from jumpgate.core.aws import deployer_names
from jumpgate.core.findings import Finding
from jumpgate.core.rules import hint_of
from jumpgate.deploy import password_policy
from jumpgate.deploy.clients import Target
from jumpgate.generate.expand import everyone_group
from jumpgate.generate.expansion import Expansion
from jumpgate.generate.policies import group_policy, trust_policy
from jumpgate.model.organization import Organization
from jumpgate.report.access import AccessPath, effective_access
from jumpgate.verify.access_drift import access_drift, evaluate_or_finding
from jumpgate.verify.people import check_people

GROUP_POLICY_NAME = "assume-granted-roles"


def canon(value: Any) -> Any:
    """A policy document in a form where equal meaning compares equal."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return canon(json.loads(value))
        except ValueError:
            pass
    if isinstance(value, dict):
        return {k: canon(v) for k, v in value.items()}
    if isinstance(value, list):
        items = sorted((canon(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
        return items[0] if len(items) == 1 else items
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _document(value: Any) -> Any:
    return json.loads(unquote(value)) if isinstance(value, str) else value


@dataclass
class Observed:
    """IAM state of one account, restricted to jumpgate's path."""

    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    roles: dict[str, dict[str, Any]] = field(default_factory=dict)
    error: str = ""


def pages(client: Any, operation: str, key: str, **kwargs: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in client.get_paginator(operation).paginate(**kwargs):
        items.extend(page[key])
    return items


def read_identity(iam: Any, path: str) -> Observed:
    seen = Observed()
    for user in pages(iam, "list_users", "Users", PathPrefix=path):
        name = user["UserName"]
        seen.users[name] = {
            "path": user["Path"],
            "groups": sorted(
                g["GroupName"] for g in pages(iam, "list_groups_for_user", "Groups", UserName=name)
            ),
            "tags": {t["Key"]: t["Value"] for t in iam.list_user_tags(UserName=name)["Tags"]},
        }
    for group in pages(iam, "list_groups", "Groups", PathPrefix=path):
        name = group["GroupName"]
        inline = {}
        for policy in pages(iam, "list_group_policies", "PolicyNames", GroupName=name):
            document = iam.get_group_policy(GroupName=name, PolicyName=policy)["PolicyDocument"]
            inline[policy] = _document(document)
        attached = pages(iam, "list_attached_group_policies", "AttachedPolicies", GroupName=name)
        seen.groups[name] = {
            "inline": inline,
            "managed": sorted(p["PolicyArn"] for p in attached),
        }
    return seen


def read_target(iam: Any, path: str) -> Observed:
    seen = Observed()
    for listed in pages(iam, "list_roles", "Roles", PathPrefix=path):
        name = listed["RoleName"]
        role = iam.get_role(RoleName=name)["Role"]
        inline = {}
        for policy in pages(iam, "list_role_policies", "PolicyNames", RoleName=name):
            document = iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"]
            inline[policy] = _document(document)
        attached = pages(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=name)
        seen.roles[name] = {
            "path": role["Path"],
            "trust": _document(role["AssumeRolePolicyDocument"]),
            "max_session": int(role.get("MaxSessionDuration", 3600)),
            "boundary": (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn", ""),
            "managed": sorted(p["PolicyArn"] for p in attached),
            "inline": inline,
        }
    return seen


@dataclass
class Report:
    findings: list[Finding]
    observed: dict[str, Observed]  # account name -> state
    matrix: dict[str, dict[str, list[str]]]  # person -> account -> levels
    paths: list[AccessPath] = field(default_factory=list)  # the deployed effective access


def _finding(where: str, rule: str, message: str) -> Finding:
    return Finding(where, 0, 0, rule, message, hint_of(rule))


def compare_identity(org: Organization, exp: Expansion, seen: Observed) -> list[Finding]:
    where = f"iam://{exp.identity.name if exp.identity else 'identity'}"
    out: list[Finding] = []
    everyone = everyone_group(org)
    for name, user in sorted(exp.users.items()):
        got = seen.users.get(name)
        if got is None:
            out.append(_finding(f"{where}/user/{name}", "E901", f"user {name} does not exist"))
            continue
        want = sorted({everyone, *user.groups})
        if got["groups"] != want:
            extra = sorted(set(got["groups"]) - set(want))
            lacking = sorted(set(want) - set(got["groups"]))
            out.append(
                _finding(
                    f"{where}/user/{name}",
                    "E903",
                    f"{name}: in {extra or 'no'} extra group(s), missing from {lacking or 'none'}",
                )
            )
        teams = " ".join(sorted(user.teams))
        if got["tags"].get("jumpgate:teams", teams) != teams:
            out.append(_finding(f"{where}/user/{name}", "W915", f"{name}: teams tag differs"))
    for name in sorted(set(seen.users) - set(exp.users)):
        out.append(_finding(f"{where}/user/{name}", "E902", f"user {name} is not declared"))
    force_mfa = (
        f"arn:aws:iam::{exp.identity.id if exp.identity else ''}:policy{org.path}"
        f"{org.prefix}-force-mfa"
    )
    expected_groups = {name: group for name, group in exp.groups.items()}
    if everyone not in seen.groups:
        out.append(_finding(f"{where}/group/{everyone}", "E904", f"group {everyone} is missing"))
    elif seen.groups[everyone]["managed"] != [force_mfa]:
        out.append(
            _finding(
                f"{where}/group/{everyone}",
                "E910",
                f"{everyone}: attached {seen.groups[everyone]['managed']}, expected [{force_mfa}]",
            )
        )
    for name, group in sorted(expected_groups.items()):
        got_group = seen.groups.get(name)
        if got_group is None:
            out.append(_finding(f"{where}/group/{name}", "E904", f"group {name} is missing"))
            continue
        want_policy = canon(group_policy(group, org.path))
        inline = got_group["inline"]
        if set(inline) != {GROUP_POLICY_NAME}:
            out.append(
                _finding(
                    f"{where}/group/{name}",
                    "E911",
                    f"{name}: inline policies {sorted(inline)}, expected [{GROUP_POLICY_NAME}]",
                )
            )
        if GROUP_POLICY_NAME in inline and canon(inline[GROUP_POLICY_NAME]) != want_policy:
            out.append(
                _finding(f"{where}/group/{name}", "E906", f"{name}: assume-role policy differs")
            )
        if got_group["managed"]:
            out.append(
                _finding(
                    f"{where}/group/{name}", "E910", f"{name}: {got_group['managed']} attached"
                )
            )
    for name in sorted(set(seen.groups) - set(expected_groups) - {everyone}):
        out.append(_finding(f"{where}/group/{name}", "E905", f"group {name} is not declared"))
    return out


def compare_target(
    org: Organization, exp: Expansion, account: str, seen: Observed
) -> list[Finding]:
    where = f"iam://{account}"
    identity_id = exp.identity.id if exp.identity else ""
    out: list[Finding] = []
    wanted = {name: role for (acct, name), role in exp.roles.items() if acct == account}
    for name, role in sorted(wanted.items()):
        got = seen.roles.get(name)
        spot = f"{where}/role/{name}"
        if got is None:
            out.append(_finding(spot, "E907", f"role {name} does not exist in {account}"))
            continue
        if canon(got["trust"]) != canon(trust_policy(role, identity_id, org.path)):
            out.append(_finding(spot, "E909", f"{account}/{name}: trust policy differs"))
        if got["max_session"] != role.max_session_seconds:
            out.append(
                _finding(
                    spot,
                    "E912",
                    f"{account}/{name}: MaxSessionDuration {got['max_session']} s, "
                    f"declared {role.max_session_seconds} s",
                )
            )
        if got["managed"] != sorted(role.level.managed_policies):
            out.append(
                _finding(
                    spot,
                    "E910",
                    f"{account}/{name}: attached {got['managed']}, "
                    f"declared {sorted(role.level.managed_policies)}",
                )
            )
        custom = {f"{name}-custom": role.level.policy} if role.level.policy else {}
        if set(got["inline"]) != set(custom) or any(
            canon(got["inline"][k]) != canon(v) for k, v in custom.items()
        ):
            out.append(_finding(spot, "E911", f"{account}/{name}: inline policies differ"))
        if got["boundary"] != (role.permissions_boundary or ""):
            out.append(_finding(spot, "E913", f"{account}/{name}: permissions boundary differs"))
    # The bootstrap's deployers (cloudformation/pipeline/bootstrap.yaml) share jumpgate's path.
    bootstrap = deployer_names(org.prefix)
    for name in sorted(set(seen.roles) - set(wanted) - bootstrap):
        out.append(_finding(f"{where}/role/{name}", "E908", f"role {name} is not declared"))
    return out


def access_matrix(
    org: Organization, exp: Expansion, observed: dict[str, Observed]
) -> dict[str, dict[str, list[str]]]:
    """Who can reach what, from the observed state: user → groups → role ARNs → level."""
    identity = observed.get(exp.identity.name if exp.identity else "", Observed())
    by_id = {a.id: a.name for a in org.accounts.values()}
    levels = {(acct, name): role.level.name for (acct, name), role in exp.roles.items()}
    matrix: dict[str, dict[str, list[str]]] = {}
    for user, state in sorted(identity.users.items()):
        row: dict[str, list[str]] = {}
        for group in state["groups"]:
            policy = identity.groups.get(group, {}).get("inline", {}).get(GROUP_POLICY_NAME)
            if not policy:
                continue
            expiring = "DateLessThan" in json.dumps(policy)
            for statement in policy.get("Statement", []):
                actions = statement.get("Action")
                if "sts:AssumeRole" not in (
                    [actions] if isinstance(actions, str) else actions or []
                ):
                    continue
                for account_id, role_name in _assumable(statement):
                    if not role_name or account_id == "*":  # drift: not a role, any account
                        row.setdefault("(any)", []).append(f"{role_name or account_id}!")
                        continue
                    account = by_id.get(account_id, account_id)
                    observed_roles = observed.get(account, Observed()).roles
                    level = levels.get((account, role_name), role_name)
                    mark = "" if role_name in observed_roles else "?"
                    cell = row.setdefault(account, [])
                    label = f"{level}{'*' if expiring else ''}{mark}"
                    if label not in cell:
                        cell.append(label)
        matrix[user] = row
    return matrix


def _assumable(statement: dict[str, Any]) -> list[tuple[str, str]]:
    """(account id, role name) pairs an assume statement names: the explicit form's role ARNs,
    or the compact form's role in the `StringEquals aws:ResourceAccount` accounts. A wildcard
    account without that condition comes back as ("*", role); a non-role ARN as (ARN, "")."""
    resources = statement.get("Resource", [])
    condition = statement.get("Condition", {}).get("StringEquals", {})
    accounts = condition.get("aws:ResourceAccount")
    accounts = [accounts] if isinstance(accounts, str) else accounts or []
    out: list[tuple[str, str]] = []
    for arn in [resources] if isinstance(resources, str) else resources:
        if not arn.startswith("arn:") or arn.count(":") < 5 or ":role/" not in arn:
            out.append((arn, ""))
            continue
        account_id, _, role_path = arn.split(":", 4)[4].partition(":role")
        role_name = role_path.rsplit("/", 1)[-1]
        if account_id == "*" and accounts:
            out.extend((account, role_name) for account in accounts)
        else:
            out.append((account_id, role_name))
    return out


def _password_policy(root: Path, iam: Any, where: str) -> list[Finding]:
    """The identity account's password policy (set by the identity stage, not by a stack)."""
    try:
        policy = password_policy.desired_policy(root)
    except password_policy.PasswordPolicyError:
        return []  # not managed by jumpgate
    changed = password_policy.differences(iam, policy)
    if not changed:
        return []
    names = ", ".join(f"{d.parameter} {d.current!r} → {d.desired!r}" for d in changed)
    return [_finding(f"{where}/password-policy", "E916", f"password policy differs: {names}")]


def verify(
    org: Organization,
    exp: Expansion,
    target: Target,
    workers: int = 8,
    root: Path | None = None,
    today: dt.date | None = None,
) -> Report:
    today = today or dt.datetime.now(dt.UTC).date()
    accounts = {a.name: a for a in org.accounts.values()}
    identity = exp.identity
    observed: dict[str, Observed] = {}

    def read(name: str) -> tuple[str, Observed]:
        account = accounts[name]
        try:
            iam = target.client(account.id, "iam")
            if identity and name == identity.name:
                return name, read_identity(iam, org.path)
            return name, read_target(iam, org.path)
        except (ClientError, BotoCoreError) as err:  # a connection error is this account's
            return name, Observed(error=str(err))

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for name, seen in pool.map(read, sorted(accounts)):
            observed[name] = seen
    findings: list[Finding] = []
    for name, seen in sorted(observed.items()):
        if seen.error:
            findings.append(_finding(f"iam://{name}", "E914", f"{name}: {seen.error}"))
        elif identity and name == identity.name:
            findings += compare_identity(org, exp, seen)
            try:
                iam = target.client(identity.id, "iam")
                noon = dt.datetime.combine(today, dt.time(12), tzinfo=dt.UTC)
                trusts = {
                    role.arn(org.path): observed.get(role.account, Observed())
                    .roles.get(role.name, {})
                    .get("trust")
                    if not observed.get(role.account, Observed()).error
                    else None
                    for role in exp.roles.values()
                }
                roles = {arn: trust for arn, trust in trusts.items()}
                findings += check_people(iam, f"iam://{name}", org.path, exp.users, roles, noon)
            except (ClientError, BotoCoreError) as err:
                findings.append(_finding(f"iam://{name}", "E914", f"people: {err}"))
            if root is not None:
                try:
                    iam = target.client(identity.id, "iam")
                    findings += _password_policy(root, iam, f"iam://{name}")
                except (ClientError, BotoCoreError) as err:
                    findings.append(_finding(f"iam://{name}", "E914", f"password policy: {err}"))
        else:
            findings += compare_target(org, exp, name, seen)
    declared = effective_access(org, exp, today)
    deployed, problems = evaluate_or_finding(org, exp, observed, today)
    unreadable = {name for name, seen in observed.items() if seen.error}
    # without the identity account nobody's access is known: E914 says so, not 'AWS does not'
    if not problems and not (identity and identity.name in unreadable):
        findings += access_drift(declared, deployed, unreadable)
    findings += problems
    return Report(findings, observed, access_matrix(org, exp, observed), deployed)
