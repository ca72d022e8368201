"""Which repairs a stage needs: its accounts read the way `jumpgate verify` reads them (the same
readers), each resource of the stage's stacks compared with what its stack declares, one
`Repair` per difference (made by `deploy/repair.py`).

Declared values come from the same builders verify compares with (`generate.policies`, the
expansion), which tests keep equal to the template and parameter file, and which `deploy`'s
gate (`check --render-check`) keeps equal to the committed parameter files. Only jumpgate's own
resources are repaired: users off its path (E921) and access keys (W920) are reported only.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from jumpgate.core.findings import Finding
from jumpgate.core.rules import hint_of
from jumpgate.deploy.clients import Target
from jumpgate.deploy.repair import Call, Repair
from jumpgate.deploy.stack import Desired
from jumpgate.generate.expand import everyone_group
from jumpgate.generate.expansion import Expansion, Role, User
from jumpgate.generate.policies import group_policy, principal_tags, trust_policy
from jumpgate.model.organization import Organization
from jumpgate.verify.drift import (
    GROUP_POLICY_NAME,
    Observed,
    canon,
    compare_identity,
    compare_target,
    pages,
    read_identity,
    read_target,
)
from jumpgate.verify.people import check_people, own_policies

NOT_JUMPGATES = ("E921", "W920")  # reported, never changed
CONSEQUENCES = ("E917", "E918")  # access drift: it follows from the resources' own drift


@dataclass
class StageState:
    """A stage's accounts as read: IAM on jumpgate's path, people's own policies, and the path
    of each user missing from jumpgate's path ("": the user does not exist at all)."""

    observed: dict[str, Observed] = field(default_factory=dict)
    own: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)
    elsewhere: dict[str, str] = field(default_factory=dict)


def _name(stack: Desired, key: str) -> str:
    return stack.parameters.get(key, "")


def read_stage(
    org: Organization, exp: Expansion, target: Target, stacks: Sequence[Desired], workers: int
) -> StageState:
    state = StageState()
    identity = exp.identity.name if exp.identity else ""
    accounts = {s.account: s.account_id for s in stacks}
    people = [person for s in stacks for person in s.people]

    def read(account: str) -> tuple[str, Observed]:
        try:
            iam = target.client(accounts[account], "iam")
            if account == identity:
                return account, read_identity(iam, org.path)
            return account, read_target(iam, org.path)
        except (ClientError, BotoCoreError) as err:
            return account, Observed(error=str(err))

    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(accounts) or 1))) as pool:
        state.observed = dict(pool.map(read, sorted(accounts)))
    seen = state.observed.get(identity)
    if not people or seen is None or seen.error:
        return state
    iam = target.client(accounts[identity], "iam")
    lost = [user for user in people if user not in seen.users]
    for user in people:
        if user in seen.users:
            state.own[user] = own_policies(iam, user)
    if lost:  # ListUsers without a path: a user moved off jumpgate's path is still found
        paths = {u["UserName"]: u["Path"] for u in pages(iam, "list_users", "Users")}
        state.elsewhere = {user: str(paths.get(user, "")) for user in lost}
    return state


def _repair(stack: Desired, resource: str, what: str, *calls: Call) -> Repair:
    return Repair(stack.account, stack.account_id, stack.name, resource, what, tuple(calls))


def _recreated(stack: Desired, resource: str, what: str) -> Repair:
    repair = _repair(stack, resource, f"{what}: delete the stack and create it again")
    repair.recreate = stack
    return repair


def _person_tags(user: User) -> dict[str, str]:
    """The tags a person's user carries besides the strict-groups one."""
    return {
        "jumpgate:name": user.name,
        "jumpgate:email": user.email,
        "jumpgate:teams": " ".join(sorted(user.teams)),
    }


def _created_again(org: Organization, stack: Desired, at: str, user: User) -> Repair:
    """A user of a batch deleted out of band: CreateUser with the declared path and tags, then
    its groups. CloudFormation finds it again by name (a user's physical id is its name)."""
    tags = {**_person_tags(user), **principal_tags(user)}
    name = user.username
    create = Call(
        "create_user",
        {
            "UserName": name,
            "Path": org.path,
            "Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())],
        },
    )
    groups = [everyone_group(org), *sorted(user.groups)]
    adds = [Call("add_user_to_group", {"GroupName": g, "UserName": name}) for g in groups]
    what = "user deleted out of band (the new user has no password, MFA or keys): CreateUser"
    return _repair(stack, at, what, create, *adds)


def _role(
    org: Organization, exp: Expansion, stack: Desired, got: dict[str, Any] | None
) -> list[Repair]:
    name = _name(stack, "RoleName")
    role: Role | None = exp.roles.get((stack.account, name))
    at = f"role/{name}"
    if role is None:
        return []
    if got is None:
        return [_recreated(stack, at, "role deleted out of band")]
    out = []
    trust = trust_policy(role, exp.identity.id if exp.identity else "", org.path)
    if canon(got["trust"]) != canon(trust):
        document = json.dumps(trust)
        call = Call("update_assume_role_policy", {"RoleName": name, "PolicyDocument": document})
        out.append(_repair(stack, at, "trust policy differs: UpdateAssumeRolePolicy", call))
    if got["max_session"] != role.max_session_seconds:
        what = (
            f"MaxSessionDuration {got['max_session']} s, declared {role.max_session_seconds} s: "
            "UpdateRole"
        )
        params = {"RoleName": name, "MaxSessionDuration": role.max_session_seconds}
        out.append(_repair(stack, at, what, Call("update_role", params)))
    declared = set(role.level.managed_policies)
    for arn in sorted(set(got["managed"]) - declared):
        call = Call("detach_role_policy", {"RoleName": name, "PolicyArn": arn})
        out.append(_repair(stack, at, f"{arn} attached, not declared: DetachRolePolicy", call))
    for arn in sorted(declared - set(got["managed"])):
        call = Call("attach_role_policy", {"RoleName": name, "PolicyArn": arn})
        out.append(_repair(stack, at, f"{arn} declared, not attached: AttachRolePolicy", call))
    custom = {f"{name}-custom": role.level.policy} if role.level.policy else {}
    out += _inline(stack, at, got["inline"], custom, "Role", {"RoleName": name})
    boundary = role.permissions_boundary or ""
    if got["boundary"] != boundary:
        if boundary:
            what = f"permissions boundary {got['boundary'] or 'none'}, declared {boundary}"
            params = {"RoleName": name, "PermissionsBoundary": boundary}
            call = Call("put_role_permissions_boundary", params)
            out.append(_repair(stack, at, f"{what}: PutRolePermissionsBoundary", call))
        else:
            what = f"permissions boundary {got['boundary']} not declared"
            call = Call("delete_role_permissions_boundary", {"RoleName": name})
            out.append(_repair(stack, at, f"{what}: DeleteRolePermissionsBoundary", call))
    return out


def _inline(
    stack: Desired,
    at: str,
    have: dict[str, Any],
    want: dict[str, Any],
    kind: str,
    owner: dict[str, str],
) -> list[Repair]:
    """Inline policies of a role, group or user: extra ones deleted, the declared ones put."""
    snake = kind.lower()
    out = []
    for policy in sorted(set(have) - set(want)):
        call = Call(f"delete_{snake}_policy", {**owner, "PolicyName": policy})
        out.append(
            _repair(stack, at, f"inline policy {policy} not declared: Delete{kind}Policy", call)
        )
    for policy, document in sorted(want.items()):
        if policy in have and canon(have[policy]) == canon(document):
            continue
        state = "differs" if policy in have else "missing"
        params = {**owner, "PolicyName": policy, "PolicyDocument": json.dumps(document)}
        call = Call(f"put_{snake}_policy", params)
        out.append(_repair(stack, at, f"inline policy {policy} {state}: Put{kind}Policy", call))
    return out


def _group(
    org: Organization,
    exp: Expansion,
    stack: Desired,
    name: str,
    got: dict[str, Any] | None,
    managed: Sequence[str] = (),
) -> list[Repair]:
    """A grant's group (its policy) or, from the baseline, the everyone group (force-MFA)."""
    at = f"group/{name}"
    if got is None:
        return [_recreated(stack, at, "group deleted out of band")]
    group = exp.groups.get(name)
    want = {GROUP_POLICY_NAME: group_policy(group, org.path)} if group else {}
    out = _inline(stack, at, got["inline"], want, "Group", {"GroupName": name})
    for arn in sorted(set(got["managed"]) - set(managed)):
        call = Call("detach_group_policy", {"GroupName": name, "PolicyArn": arn})
        out.append(_repair(stack, at, f"{arn} attached, not declared: DetachGroupPolicy", call))
    for arn in sorted(set(managed) - set(got["managed"])):
        call = Call("attach_group_policy", {"GroupName": name, "PolicyArn": arn})
        out.append(_repair(stack, at, f"{arn} declared, not attached: AttachGroupPolicy", call))
    return out


def _user(
    org: Organization, exp: Expansion, stack: Desired, name: str, state: StageState
) -> list[Repair]:
    user = exp.users.get(name)
    at = f"user/{name}"
    identity = state.observed[exp.identity.name if exp.identity else ""]
    got = identity.users.get(name)
    if user is None:
        return []
    if got is None:
        where = state.elsewhere.get(name, "")
        if where:  # never delete a stack whose user lives on: it would take the user along
            repair = _repair(
                stack,
                at,
                f"the user is not on {org.path} but exists ({where}): move it back "
                f"(aws iam update-user --user-name {name} --new-path {org.path}), then deploy",
            )
            repair.blocked = True
            return [repair]
        if stack.kind == "people":  # the batch's others live on: create the user again
            return [_created_again(org, stack, at, user)]
        return [
            _recreated(
                stack, at, "user deleted out of band (the new user has no password, MFA or keys)"
            )
        ]
    out = []
    want = {everyone_group(org), *user.groups}
    for group in sorted(set(got["groups"]) - want):
        call = Call("remove_user_from_group", {"GroupName": group, "UserName": name})
        out.append(_repair(stack, at, f"in group {group}, not declared: RemoveUserFromGroup", call))
    for group in sorted(want - set(got["groups"])):
        call = Call("add_user_to_group", {"GroupName": group, "UserName": name})
        out.append(_repair(stack, at, f"not in declared group {group}: AddUserToGroup", call))
    tags = _person_tags(user)
    changed = sorted(k for k, v in tags.items() if got["tags"].get(k) != v)
    if changed:
        call = Call(
            "tag_user", {"UserName": name, "Tags": [{"Key": k, "Value": tags[k]} for k in changed]}
        )
        out.append(_repair(stack, at, f"tags {', '.join(changed)} differ: TagUser", call))
    inline, attached = state.own.get(name, ([], []))
    for policy in inline:
        call = Call("delete_user_policy", {"UserName": name, "PolicyName": policy})
        out.append(_repair(stack, at, f"own inline policy {policy}: DeleteUserPolicy", call))
    for arn in attached:
        call = Call("detach_user_policy", {"UserName": name, "PolicyArn": arn})
        out.append(_repair(stack, at, f"own attached policy {arn}: DetachUserPolicy", call))
    return out


def plan_repairs(
    org: Organization, exp: Expansion, stacks: Sequence[Desired], state: StageState
) -> list[Repair]:
    """Every repair the stage's stacks need, in stack order (accounts that could not be read
    are left out: `stage_findings` reports them)."""
    identity_id = exp.identity.id if exp.identity else ""
    out: list[Repair] = []
    for stack in stacks:
        seen = state.observed.get(stack.account)
        if seen is None or seen.error:
            continue
        if stack.kind == "role":
            out += _role(org, exp, stack, seen.roles.get(_name(stack, "RoleName")))
        elif stack.kind == "group":
            name = _name(stack, "GroupName")
            out += _group(org, exp, stack, name, seen.groups.get(name))
        elif stack.kind == "baseline":
            name = _name(stack, "EveryoneGroupName")
            policy = _name(stack, "ForceMfaPolicyName")
            force_mfa = f"arn:aws:iam::{identity_id}:policy{org.path}{policy}"
            out += _group(org, exp, stack, name, seen.groups.get(name), [force_mfa])
        elif stack.kind in ("user", "people"):
            for person in stack.people:
                out += _user(org, exp, stack, person, state)
    return out


def _paths(exp: Expansion, stacks: Sequence[Desired]) -> set[str]:
    """The verify finding paths of the stage's resources."""
    identity = exp.identity.name if exp.identity else ""
    keys = {"role": "RoleName", "group": "GroupName", "baseline": "EveryoneGroupName"}
    found: set[str] = set()
    for stack in stacks:
        if stack.kind in ("user", "people"):
            found.update(f"iam://{identity}/user/{person}" for person in stack.people)
        elif stack.kind in keys:
            kind = "role" if stack.kind == "role" else "group"
            found.add(f"iam://{stack.account}/{kind}/{_name(stack, keys[stack.kind])}")
    return found


def stage_findings(
    org: Organization,
    exp: Expansion,
    target: Target,
    stacks: Sequence[Desired],
    state: StageState,
    now: dt.datetime,
) -> list[Finding]:
    """verify's findings on the stage's own resources (access drift, E917/E918, follows from
    them and is left to `jumpgate verify`); with people in the stage, what else grants access
    in the identity account (E919, and E921/W920, which are reported only)."""
    identity = exp.identity.name if exp.identity else ""
    out: list[Finding] = []
    for account, seen in sorted(state.observed.items()):
        if seen.error:
            message = f"{account}: {seen.error}"
            out.append(Finding(f"iam://{account}", 0, 0, "E914", message, hint_of("E914")))
        elif account == identity:
            out += compare_identity(org, exp, seen)
        else:
            out += compare_target(org, exp, account, seen)
    paths = _paths(exp, stacks)
    out = [f for f in out if f.path in paths or f.rule_id == "E914"]
    people_account = state.observed.get(identity)
    if any(s.people for s in stacks) and people_account and not people_account.error:
        roles: dict[str, Any] = {
            role.arn(org.path): state.observed[role.account].roles.get(role.name, {}).get("trust")
            if role.account in state.observed and not state.observed[role.account].error
            else None
            for role in exp.roles.values()
        }
        iam = target.client(exp.identity.id if exp.identity else "", "iam")
        people = [person for s in stacks for person in s.people]
        found = check_people(iam, f"iam://{identity}", org.path, people, roles, now)
        out += [f for f in found if f.path in paths or f.rule_id in NOT_JUMPGATES]
    return [f for f in out if f.rule_id not in CONSEQUENCES]
