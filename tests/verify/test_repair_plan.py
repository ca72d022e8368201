"""Which repairs `deploy --repair` makes (verify/repairs.py), decided without the emulator: IAM
as a clean deploy leaves it, one thing changed, the exact repair and IAM calls. The repairs
themselves are made and verified again on the emulator in tests/deploy/test_repair.py."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from deployed_state import as_deployed, force_mfa_arn

from jumpgate.deploy.stack import Desired
from jumpgate.generate.expansion import Expansion
from jumpgate.generate.policies import group_policy, trust_policy
from jumpgate.model.organization import Organization
from jumpgate.verify.drift import GROUP_POLICY_NAME
from jumpgate.verify.repairs import StageState, plan_repairs

ID = "learnaws-identity"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
READONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
NOW = dt.datetime(2026, 11, 28, 12, tzinfo=dt.UTC)
Described = tuple[str, str, str, list[tuple[str, dict[str, Any]]]]


def plan(
    org_exp: tuple[Organization, Expansion],
    stacks: list[Desired],
    state: StageState,
    only: str = "",
) -> list[Described]:
    """(stack, resource, what, calls) of every repair (of the stacks whose name is `only`)."""
    chosen = [s for s in stacks if not only or s.name == only]
    found = plan_repairs(*org_exp, chosen, state)
    for repair in found:
        assert repair.account_id == next(
            s.account_id for s in stacks if s.account == repair.account
        )
    return [(r.stack, r.resource, r.what, [(c.method, c.params) for c in r.calls]) for r in found]


def clean(org_exp: tuple[Organization, Expansion]) -> StageState:
    return StageState(observed=as_deployed(*org_exp))


def test_a_clean_deploy_needs_no_repair(
    org_exp: tuple[Organization, Expansion], stacks: list[Desired]
) -> None:
    assert plan_repairs(*org_exp, stacks, clean(org_exp)) == []


def test_role_repairs(org_exp: tuple[Organization, Expansion], stacks: list[Desired]) -> None:
    org, exp = org_exp
    state = clean(org_exp)
    role = state.observed["crm-dev"].roles["jumpgate-admin"]
    role["trust"] = {"Statement": []}
    role["max_session"] = 3600
    role["managed"] = [READONLY]
    role["inline"] = {"extra": {"Statement": []}}
    role["boundary"] = READONLY
    declared = exp.roles[("crm-dev", "jumpgate-admin")]
    trust = json.dumps(trust_policy(declared, "100000000001", "/jumpgate/"))
    assert plan(org_exp, stacks, state) == [
        (
            "jumpgate-role-admin",
            "role/jumpgate-admin",
            "trust policy differs: UpdateAssumeRolePolicy",
            [
                (
                    "update_assume_role_policy",
                    {"RoleName": "jumpgate-admin", "PolicyDocument": trust},
                )
            ],
        ),
        (
            "jumpgate-role-admin",
            "role/jumpgate-admin",
            "MaxSessionDuration 3600 s, declared 43200 s: UpdateRole",
            [("update_role", {"RoleName": "jumpgate-admin", "MaxSessionDuration": 43200})],
        ),
        (
            "jumpgate-role-admin",
            "role/jumpgate-admin",
            f"{READONLY} attached, not declared: DetachRolePolicy",
            [("detach_role_policy", {"RoleName": "jumpgate-admin", "PolicyArn": READONLY})],
        ),
        (
            "jumpgate-role-admin",
            "role/jumpgate-admin",
            f"{ADMIN} declared, not attached: AttachRolePolicy",
            [("attach_role_policy", {"RoleName": "jumpgate-admin", "PolicyArn": ADMIN})],
        ),
        (
            "jumpgate-role-admin",
            "role/jumpgate-admin",
            "inline policy extra not declared: DeleteRolePolicy",
            [("delete_role_policy", {"RoleName": "jumpgate-admin", "PolicyName": "extra"})],
        ),
        (
            "jumpgate-role-admin",
            "role/jumpgate-admin",
            f"permissions boundary {READONLY} not declared: DeleteRolePermissionsBoundary",
            [("delete_role_permissions_boundary", {"RoleName": "jumpgate-admin"})],
        ),
    ]
    assert [r.account for r in plan_repairs(org, exp, stacks, state)] == ["crm-dev"] * 6


def test_a_custom_policy_and_a_declared_boundary(
    org_exp: tuple[Organization, Expansion], stacks: list[Desired]
) -> None:
    exp = org_exp[1]
    key = ("crm-prod", "jumpgate-crm-exports")
    exp.roles[key] = dataclasses.replace(exp.roles[key], permissions_boundary=READONLY)
    state = clean(org_exp)
    role = state.observed["crm-prod"].roles["jumpgate-crm-exports"]
    role["boundary"] = ""
    custom = role["inline"]["jumpgate-crm-exports-custom"]
    role["inline"]["jumpgate-crm-exports-custom"] = {"Statement": []}
    document = json.dumps(custom)
    owner = {"RoleName": "jumpgate-crm-exports"}
    put = {**owner, "PolicyName": "jumpgate-crm-exports-custom", "PolicyDocument": document}
    boundary = {**owner, "PermissionsBoundary": READONLY}
    at = ("jumpgate-role-crm-exports", "role/jumpgate-crm-exports")
    assert plan(org_exp, stacks, state, "jumpgate-role-crm-exports") == [
        (
            *at,
            "inline policy jumpgate-crm-exports-custom differs: PutRolePolicy",
            [("put_role_policy", put)],
        ),
        (
            *at,
            f"permissions boundary none, declared {READONLY}: PutRolePermissionsBoundary",
            [("put_role_permissions_boundary", boundary)],
        ),
    ]
    role["inline"] = {}
    role["boundary"] = ADMIN
    assert plan(org_exp, stacks, state, "jumpgate-role-crm-exports") == [
        (
            *at,
            "inline policy jumpgate-crm-exports-custom missing: PutRolePolicy",
            [("put_role_policy", put)],
        ),
        (
            *at,
            f"permissions boundary {ADMIN}, declared {READONLY}: PutRolePermissionsBoundary",
            [("put_role_permissions_boundary", boundary)],
        ),
    ]


def test_what_was_deleted_out_of_band_is_created_again(
    org_exp: tuple[Organization, Expansion], stacks: list[Desired]
) -> None:
    state = clean(org_exp)
    del state.observed["crm-dev"].roles["jumpgate-admin"]
    del state.observed[ID].groups["jumpgate-crm-admin-dev-staging"]
    del state.observed[ID].users["gwen"]
    del state.observed[ID].users["dmitri"]
    state.elsewhere = {"dmitri": "/ops/"}
    found = plan_repairs(*org_exp, stacks, state)
    described = [(r.stack, r.resource, r.what, r.calls, r.blocked) for r in found]
    assert described == [
        (
            "jumpgate-group-crm-admin-dev-staging",
            "group/jumpgate-crm-admin-dev-staging",
            "group deleted out of band: delete the stack and create it again",
            (),
            False,
        ),
        (
            "jumpgate-role-admin",
            "role/jumpgate-admin",
            "role deleted out of band: delete the stack and create it again",
            (),
            False,
        ),
        (
            "jumpgate-user-dmitri",
            "user/dmitri",
            "the user is not on /jumpgate/ but exists (/ops/): move it back (aws iam update-user "
            "--user-name dmitri --new-path /jumpgate/), then deploy",
            (),
            True,
        ),
        (
            "jumpgate-user-gwen",
            "user/gwen",
            "user deleted out of band (the new user has no password, MFA or keys): delete the "
            "stack and create it again",
            (),
            False,
        ),
    ]
    recreate = {r.stack: r.recreate.name if r.recreate else None for r in found}
    assert recreate == {
        "jumpgate-group-crm-admin-dev-staging": "jumpgate-group-crm-admin-dev-staging",
        "jumpgate-role-admin": "jumpgate-role-admin",
        "jumpgate-user-dmitri": None,
        "jumpgate-user-gwen": "jumpgate-user-gwen",
    }
    assert [r.account for r in found] == [ID, "crm-dev", ID, ID]


def test_group_and_baseline_repairs(
    org_exp: tuple[Organization, Expansion], stacks: list[Desired]
) -> None:
    org, exp = org_exp
    state = clean(org_exp)
    groups = state.observed[ID].groups
    groups["jumpgate-people"]["managed"] = [ADMIN]
    groups["jumpgate-people"]["inline"] = {"x": {}}
    crm = groups["jumpgate-crm-admin-dev-staging"]
    crm["inline"][GROUP_POLICY_NAME] = {"Statement": []}
    crm["inline"]["more"] = {}
    groups["jumpgate-bi-admin-dev-staging"]["inline"] = {}
    force_mfa = force_mfa_arn(org, exp)
    # in stack order, whatever the order: the same repairs, the baseline's now last
    reordered = plan(org_exp, stacks[::-1], state)
    assert sorted(map(repr, reordered)) == sorted(map(repr, plan(org_exp, stacks, state)))
    assert [r[0] for r in reordered][-3:] == ["jumpgate-baseline"] * 3
    people = {"GroupName": "jumpgate-people"}
    crm_name = {"GroupName": "jumpgate-crm-admin-dev-staging"}
    bi_name = {"GroupName": "jumpgate-bi-admin-dev-staging"}
    crm_policy = json.dumps(group_policy(exp.groups["jumpgate-crm-admin-dev-staging"], org.path))
    bi_policy = json.dumps(group_policy(exp.groups["jumpgate-bi-admin-dev-staging"], org.path))
    assert plan(org_exp, stacks, state) == [
        (
            "jumpgate-baseline",
            "group/jumpgate-people",
            "inline policy x not declared: DeleteGroupPolicy",
            [("delete_group_policy", {**people, "PolicyName": "x"})],
        ),
        (
            "jumpgate-baseline",
            "group/jumpgate-people",
            f"{ADMIN} attached, not declared: DetachGroupPolicy",
            [("detach_group_policy", {**people, "PolicyArn": ADMIN})],
        ),
        (
            "jumpgate-baseline",
            "group/jumpgate-people",
            f"{force_mfa} declared, not attached: AttachGroupPolicy",
            [("attach_group_policy", {**people, "PolicyArn": force_mfa})],
        ),
        (
            "jumpgate-group-bi-admin-dev-staging",
            "group/jumpgate-bi-admin-dev-staging",
            "inline policy assume-granted-roles missing: PutGroupPolicy",
            [
                (
                    "put_group_policy",
                    {**bi_name, "PolicyName": GROUP_POLICY_NAME, "PolicyDocument": bi_policy},
                )
            ],
        ),
        (
            "jumpgate-group-crm-admin-dev-staging",
            "group/jumpgate-crm-admin-dev-staging",
            "inline policy more not declared: DeleteGroupPolicy",
            [("delete_group_policy", {**crm_name, "PolicyName": "more"})],
        ),
        (
            "jumpgate-group-crm-admin-dev-staging",
            "group/jumpgate-crm-admin-dev-staging",
            "inline policy assume-granted-roles differs: PutGroupPolicy",
            [
                (
                    "put_group_policy",
                    {**crm_name, "PolicyName": GROUP_POLICY_NAME, "PolicyDocument": crm_policy},
                )
            ],
        ),
    ]


def test_user_repairs(org_exp: tuple[Organization, Expansion], stacks: list[Desired]) -> None:
    state = clean(org_exp)
    bob = state.observed[ID].users["bob"]
    bob["groups"] = [g for g in bob["groups"] if g != "jumpgate-people"] + [
        "jumpgate-crm-exports-prod"
    ]
    bob["tags"]["jumpgate:teams"] = "it"
    bob["tags"]["jumpgate:email"] = "x@y"
    state.own = {"bob": (["mine"], ["arn:aws:iam::aws:policy/IAMFullAccess"])}
    assert plan(org_exp, stacks, state, "jumpgate-user-bob") == [
        (
            "jumpgate-user-bob",
            "user/bob",
            "in group jumpgate-crm-exports-prod, not declared: RemoveUserFromGroup",
            [
                (
                    "remove_user_from_group",
                    {"GroupName": "jumpgate-crm-exports-prod", "UserName": "bob"},
                )
            ],
        ),
        (
            "jumpgate-user-bob",
            "user/bob",
            "not in declared group jumpgate-people: AddUserToGroup",
            [("add_user_to_group", {"GroupName": "jumpgate-people", "UserName": "bob"})],
        ),
        (
            "jumpgate-user-bob",
            "user/bob",
            "tags jumpgate:email, jumpgate:teams differ: TagUser",
            [
                (
                    "tag_user",
                    {
                        "UserName": "bob",
                        "Tags": [
                            {"Key": "jumpgate:email", "Value": "bob@learnaws.example"},
                            {"Key": "jumpgate:teams", "Value": "crm"},
                        ],
                    },
                )
            ],
        ),
        (
            "jumpgate-user-bob",
            "user/bob",
            "own inline policy mine: DeleteUserPolicy",
            [("delete_user_policy", {"UserName": "bob", "PolicyName": "mine"})],
        ),
        (
            "jumpgate-user-bob",
            "user/bob",
            "own attached policy arn:aws:iam::aws:policy/IAMFullAccess: DetachUserPolicy",
            [
                (
                    "detach_user_policy",
                    {"UserName": "bob", "PolicyArn": "arn:aws:iam::aws:policy/IAMFullAccess"},
                )
            ],
        ),
    ]


def test_unreadable_accounts_and_undeclared_resources_are_left_alone(
    org_exp: tuple[Organization, Expansion], stacks: list[Desired]
) -> None:
    org, exp = org_exp
    state = clean(org_exp)
    state.observed["crm-dev"].roles["jumpgate-admin"]["max_session"] = 1
    state.observed["crm-dev"].error = "AccessDenied"
    del state.observed["crm-staging"]
    state.observed["crm-staging"] = dataclasses.replace(state.observed["crm-prod"], roles={})
    del exp.roles[("crm-staging", "jumpgate-admin")]
    del exp.users["gwen"]
    state.observed[ID].users["gwen"]["groups"] = []
    chosen = [
        s
        for s in stacks
        if s.account in ("crm-dev", "crm-staging") or s.name == "jumpgate-user-gwen"
    ]
    found = plan_repairs(org, exp, chosen, state)
    assert [(r.stack, r.account, r.what) for r in found] == [
        (
            "jumpgate-role-readonly",
            "crm-staging",
            "role deleted out of band: delete the stack and create it again",
        )
    ]
