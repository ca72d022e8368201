"""`jumpgate deploy --stage S --repair` on the emulator: every kind of drift is made by hand as an
account administrator, reported by `jumpgate verify`, written back by the repair (one plan line
per repair, exactly), gone when verify runs again — and a plain deploy still skips the stack,
because its hash never changed (CloudFormation alone would never have repaired it)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from jumpgate.deploy.clients import Target
from jumpgate.emulator import control
from localaws_helpers import IDENTITY, REGION, deploy_json, iam, jumpgate

CRM_DEV, CRM_STAGING, CRM_PROD = "105000000005", "106000000006", "107000000007"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
READONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
ANYTHING = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)
OPEN_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
    }
)


def verify_rules(root: Path) -> tuple[int, set[tuple[str, str]]]:
    code, out, err = jumpgate(
        "verify", "--root", str(root), "--target", "local", "--format", "json"
    )
    assert out.strip(), err
    return code, {(f["rule"], f["path"]) for f in json.loads(out)["findings"]}


def repair(root: Path, stage: str, *extra: str) -> tuple[int, list[str], str]:
    """`deploy --stage S --repair` in text: (exit code, the lines it printed about repairs)."""
    approve = ("--approve",) if stage == "prod" else ()
    code, out, err = jumpgate(
        "deploy", "--root", str(root), "--target", "local", "--stage", stage, "--repair",
        *approve, *extra,
    )  # fmt: skip
    keep = ("repair ", "cannot repair ", "repaired ", "nothing to repair", "verified again",
            "drift left", "reported, not changed", "failed: ")  # fmt: skip
    return code, [line for line in out.splitlines() if line.startswith(keep)], err


def plain_deploy(root: Path, stage: str) -> dict[str, str]:
    approve = ("--approve",) if stage == "prod" else ()
    code, doc = deploy_json(root, "deploy", "--stage", stage, *approve)
    assert code == 0, doc
    return {
        f"{s['account']}/{s['stack']}": s["action"] for st in doc["stages"] for s in st["stacks"]
    }


def role_trust(endpoint: str) -> None:
    iam(endpoint, CRM_DEV).update_assume_role_policy(
        RoleName="jumpgate-admin", PolicyDocument=OPEN_TRUST
    )


def role_inline_extra(endpoint: str) -> None:
    iam(endpoint, CRM_DEV).put_role_policy(
        RoleName="jumpgate-admin", PolicyName="extra", PolicyDocument=ANYTHING
    )


def role_inline_changed(endpoint: str) -> None:
    iam(endpoint, CRM_PROD).put_role_policy(
        RoleName="jumpgate-crm-exports",
        PolicyName="jumpgate-crm-exports-custom",
        PolicyDocument=ANYTHING,
    )


def role_managed(endpoint: str) -> None:
    dev = iam(endpoint, CRM_DEV)
    dev.detach_role_policy(RoleName="jumpgate-readonly", PolicyArn=READONLY)
    dev.attach_role_policy(RoleName="jumpgate-readonly", PolicyArn=ADMIN)


def role_boundary(endpoint: str) -> None:
    iam(endpoint, CRM_STAGING).put_role_permissions_boundary(
        RoleName="jumpgate-admin", PermissionsBoundary=READONLY
    )


def role_session(endpoint: str) -> None:
    iam(endpoint, CRM_DEV).update_role(RoleName="jumpgate-admin", MaxSessionDuration=3600)


def role_deleted(endpoint: str) -> None:
    dev = iam(endpoint, CRM_DEV)
    dev.detach_role_policy(RoleName="jumpgate-readonly", PolicyArn=READONLY)
    dev.delete_role(RoleName="jumpgate-readonly")


def group_inline(endpoint: str) -> None:
    identity = iam(endpoint, IDENTITY)
    group = "jumpgate-crm-admin-dev-staging"
    identity.put_group_policy(GroupName=group, PolicyName="more", PolicyDocument=ANYTHING)
    identity.put_group_policy(
        GroupName=group, PolicyName="assume-granted-roles", PolicyDocument=ANYTHING
    )


def group_managed(endpoint: str) -> None:
    iam(endpoint, IDENTITY).attach_group_policy(
        GroupName="jumpgate-crm-readonly-dev-staging-prod", PolicyArn=ADMIN
    )


def everyone_managed(endpoint: str) -> None:
    iam(endpoint, IDENTITY).attach_group_policy(GroupName="jumpgate-people", PolicyArn=ADMIN)


def membership(endpoint: str) -> None:
    identity = iam(endpoint, IDENTITY)
    identity.remove_user_from_group(
        GroupName="jumpgate-crm-readonly-dev-staging-prod", UserName="bob"
    )
    identity.add_user_to_group(GroupName="jumpgate-crm-admin-dev-staging", UserName="gwen")


def own_policies(endpoint: str) -> None:
    identity = iam(endpoint, IDENTITY)
    identity.put_user_policy(UserName="bob", PolicyName="extra", PolicyDocument=ANYTHING)
    identity.attach_user_policy(UserName="carol", PolicyArn=ADMIN)


def user_tags(endpoint: str) -> None:
    iam(endpoint, IDENTITY).tag_user(
        UserName="fatima", Tags=[{"Key": "jumpgate:teams", "Value": "it"}]
    )


def user_deleted(endpoint: str) -> None:
    identity = iam(endpoint, IDENTITY)
    for group in identity.list_groups_for_user(UserName="gwen")["Groups"]:
        identity.remove_user_from_group(GroupName=group["GroupName"], UserName="gwen")
    identity.delete_user(UserName="gwen")


def dev(role: str, what: str) -> str:
    return f"repair crm-dev jumpgate-role-{role} role/jumpgate-{role}: {what}"


def person(name: str, what: str) -> str:
    return f"repair learnaws-identity jumpgate-user-{name} user/{name}: {what}"


GROUP = "jumpgate-group-crm-admin-dev-staging group/jumpgate-crm-admin-dev-staging"
STRICT = "jumpgate-group-crm-readonly-dev-staging-prod group/jumpgate-crm-readonly-dev-staging-prod"
EXPORTS = "jumpgate-role-crm-exports role/jumpgate-crm-exports"

Case = tuple[str, Callable[[str], Any], str, str, str, list[str]]
CASES: list[Case] = [
    ("trust", role_trust, "dev", "E909", "iam://crm-dev/role/jumpgate-admin",
     [dev("admin", "trust policy differs: UpdateAssumeRolePolicy")]),
    ("role-inline", role_inline_changed, "prod", "E911", "iam://crm-prod/role/jumpgate-crm-exports",
     [f"repair crm-prod {EXPORTS}: inline policy jumpgate-crm-exports-custom differs: "
      "PutRolePolicy"]),
    ("role-inline-extra", role_inline_extra, "dev", "E911", "iam://crm-dev/role/jumpgate-admin",
     [dev("admin", "inline policy extra not declared: DeleteRolePolicy")]),
    ("role-managed", role_managed, "dev", "E910", "iam://crm-dev/role/jumpgate-readonly",
     [dev("readonly", f"{ADMIN} attached, not declared: DetachRolePolicy"),
      dev("readonly", f"{READONLY} declared, not attached: AttachRolePolicy")]),
    ("boundary", role_boundary, "staging", "E913", "iam://crm-staging/role/jumpgate-admin",
     ["repair crm-staging jumpgate-role-admin role/jumpgate-admin: permissions boundary "
      f"{READONLY} not declared: DeleteRolePermissionsBoundary"]),
    ("session", role_session, "dev", "E912", "iam://crm-dev/role/jumpgate-admin",
     [dev("admin", "MaxSessionDuration 3600 s, declared 43200 s: UpdateRole")]),
    ("role-deleted", role_deleted, "dev", "E907", "iam://crm-dev/role/jumpgate-readonly",
     [dev("readonly", "role deleted out of band: delete the stack and create it again")]),
    ("group-inline", group_inline, "identity", "E911",
     "iam://learnaws-identity/group/jumpgate-crm-admin-dev-staging",
     [f"repair learnaws-identity {GROUP}: inline policy more not declared: DeleteGroupPolicy",
      f"repair learnaws-identity {GROUP}: inline policy assume-granted-roles differs: "
      "PutGroupPolicy"]),
    ("group-managed", group_managed, "prod", "E910",
     "iam://learnaws-identity/group/jumpgate-crm-readonly-dev-staging-prod",
     [f"repair learnaws-identity {STRICT}: {ADMIN} attached, not declared: DetachGroupPolicy"]),
    ("everyone-managed", everyone_managed, "identity", "E910",
     "iam://learnaws-identity/group/jumpgate-people",
     ["repair learnaws-identity jumpgate-baseline group/jumpgate-people: "
      f"{ADMIN} attached, not declared: DetachGroupPolicy"]),
    ("membership", membership, "prod", "E903", "iam://learnaws-identity/user/bob",
     [person("bob", "not in declared group jumpgate-crm-readonly-dev-staging-prod: "
             "AddUserToGroup"),
      person("gwen", "in group jumpgate-crm-admin-dev-staging, not declared: "
             "RemoveUserFromGroup")]),
    ("own-policies", own_policies, "prod", "E919", "iam://learnaws-identity/user/carol",
     [person("bob", "own inline policy extra: DeleteUserPolicy"),
      person("carol", f"own attached policy {ADMIN}: DetachUserPolicy")]),
    ("tags", user_tags, "prod", "W915", "iam://learnaws-identity/user/fatima",
     [person("fatima", "tags jumpgate:teams differ: TagUser")]),
    ("user-deleted", user_deleted, "prod", "E901", "iam://learnaws-identity/user/gwen",
     [person("gwen", "user deleted out of band (the new user has no password, MFA or keys): "
             "delete the stack and create it again")]),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_repair_writes_the_declared_value_back(deployed: Path, endpoint: str, case: Case) -> None:
    _, breaks, stage, rule, path, lines = case
    breaks(endpoint)
    code, found = verify_rules(deployed)
    assert code == 1 and (rule, path) in found
    code, printed, err = repair(deployed, stage)
    assert code == 0, (printed, err)
    assert printed == [
        *lines,
        f"repaired {len(lines)} of {len(lines)} in stage {stage}",
        f"verified again: no drift left in stage {stage}",
    ]
    assert verify_rules(deployed) == (0, set())
    stack = lines[0].split(" ")[2]
    account = lines[0].split(" ")[1]
    assert plain_deploy(deployed, stage)[f"{account}/{stack}"] == "unchanged"


def test_a_group_deleted_out_of_band_is_created_again(deployed: Path, endpoint: str) -> None:
    """The identity stage creates the group again; its members come back with the people's
    stage (prod), where their user stacks are."""
    identity = iam(endpoint, IDENTITY)
    group = "jumpgate-crm-admin-dev-staging"
    for user in ("alice", "bob"):
        identity.remove_user_from_group(GroupName=group, UserName=user)
    identity.delete_group_policy(GroupName=group, PolicyName="assume-granted-roles")
    identity.delete_group(GroupName=group)
    code, found = verify_rules(deployed)
    assert code == 1 and ("E904", f"iam://learnaws-identity/group/{group}") in found
    code, printed, _ = repair(deployed, "identity")
    assert (code, printed) == (
        0,
        [
            f"repair learnaws-identity {GROUP}: group deleted out of band: delete the stack "
            "and create it again",
            "repaired 1 of 1 in stage identity",
            "verified again: no drift left in stage identity",
        ],
    )
    code, found = verify_rules(deployed)
    assert ("E903", "iam://learnaws-identity/user/alice") in found
    code, printed, _ = repair(deployed, "prod")
    assert (code, printed[:2]) == (
        0,
        [
            person("alice", f"not in declared group {group}: AddUserToGroup"),
            person("bob", f"not in declared group {group}: AddUserToGroup"),
        ],
    )
    assert verify_rules(deployed) == (0, set())
    assert plain_deploy(deployed, "identity")[f"learnaws-identity/{GROUP.split()[0]}"] == (
        "unchanged"
    )


def test_a_user_moved_off_the_path_is_reported_not_recreated(deployed: Path, endpoint: str) -> None:
    """Deleting the stack would delete the person, credentials and all: never."""
    identity = iam(endpoint, IDENTITY)
    identity.update_user(UserName="gwen", NewPath="/elsewhere/")
    code, printed, err = repair(deployed, "prod")
    blocked = (
        "cannot repair learnaws-identity jumpgate-user-gwen user/gwen: the user is not on "
        "/jumpgate/ but exists (/elsewhere/): move it back (aws iam update-user --user-name "
        "gwen --new-path /jumpgate/), then deploy"
    )
    assert code == 1
    assert printed[0] == blocked
    assert f"drift left: {blocked}" in printed
    assert "drift left after --repair" in err
    assert identity.get_user(UserName="gwen")["User"]["Path"] == "/elsewhere/"


def test_repair_on_a_clean_stage_changes_nothing(deployed: Path) -> None:
    code, printed, _ = repair(deployed, "dev")
    assert (code, printed) == (
        0,
        ["nothing to repair in stage dev", "verified again: no drift left in stage dev"],
    )


def test_what_is_not_jumpgates_is_reported_not_changed(deployed: Path, endpoint: str) -> None:
    """A user off the path who may assume jumpgate roles (E921) and an old access key (W920)
    are reported; the outsider keeps their policy, the key stays active."""
    identity = iam(endpoint, IDENTITY)
    key = identity.create_access_key(UserName="dmitri")["AccessKey"]["AccessKeyId"]
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=91)).date().isoformat()
    code, printed, _ = repair(deployed, "prod", "--today", later)
    assert code == 0, printed
    assert printed[0] == "nothing to repair in stage prod"
    assert printed[1].startswith(
        "reported, not changed (not jumpgate's): iam://learnaws-identity/user/dmitri: W920 "
        f"dmitri: access key {key} is 9"
    )
    identity.create_user(UserName="outsider", Path="/ops/")
    assume_any = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
        }
    )
    identity.put_user_policy(UserName="outsider", PolicyName="hop", PolicyDocument=assume_any)
    code, printed, _ = repair(deployed, "prod")
    assert code == 1
    assert printed[0] == "nothing to repair in stage prod"
    assert printed[1].startswith(
        "reported, not changed (not jumpgate's): iam://learnaws-identity/user/outsider: E921 "
        "outsider (path outside jumpgate's) may assume arn:aws:iam::"
    )
    assert identity.list_user_policies(UserName="outsider")["PolicyNames"] == ["hop"]
    keys = identity.list_access_keys(UserName="dmitri")["AccessKeyMetadata"]
    assert [(k["AccessKeyId"], k["Status"]) for k in keys] == [(key, "Active")]


def test_plan_lists_the_repairs_and_changes_nothing(deployed: Path, endpoint: str) -> None:
    role_trust(endpoint)
    code, out, _ = jumpgate(
        "plan", "--root", str(deployed), "--target", "local", "--stage", "dev", "--repair"
    )
    assert code == 0
    assert [line for line in out.splitlines() if "repair" in line] == [
        dev("admin", "trust policy differs: UpdateAssumeRolePolicy"),
        "1 repair(s) planned in stage dev; nothing changed (plan)",
    ]
    assert ("E909", "iam://crm-dev/role/jumpgate-admin") in verify_rules(deployed)[1]


def test_json_lists_the_repairs(deployed: Path, endpoint: str) -> None:
    role_session(endpoint)
    code, doc = deploy_json(deployed, "deploy", "--stage", "dev", "--repair")
    assert code == 0 and doc["ok"]
    (stage,) = doc["repair"]
    assert stage["ok"] and stage["left"] == [] and not stage["planned"]
    assert stage["repairs"] == [
        {
            "account": "crm-dev",
            "stack": "jumpgate-role-admin",
            "resource": "role/jumpgate-admin",
            "what": "MaxSessionDuration 3600 s, declared 43200 s: UpdateRole",
            "calls": ["update_role"],
            "recreate": False,
            "status": "repaired",
            "error": "",
        }
    ]


def test_a_strict_stage_needs_the_approval_and_help_documents_repair(deployed: Path) -> None:
    code, _, err = jumpgate(
        "deploy", "--root", str(deployed), "--target", "local", "--stage", "prod", "--repair"
    )
    assert code == 2 and "re-run with --approve" in err
    code, out, _ = jumpgate("deploy", "--help")
    assert code == 0 or code is None
    assert "--repair" in out and "CloudFormation skips an unchanged stack" in " ".join(out.split())


def test_the_deployer_may_make_the_repairs_with_iam_enforced(deployed: Path, endpoint: str) -> None:
    """The emulator evaluates every call against the deployer's policies from bootstrap.yaml
    (locally the pre-approval deployer serves every stage, docs/emulator.md)."""
    role_trust(endpoint)
    role_managed(endpoint)
    group_inline(endpoint)
    own_policies(endpoint)
    control.enforce_iam(endpoint, True)
    try:
        for stage, count in (("dev", 3), ("identity", 2), ("prod", 2)):
            code, printed, err = repair(deployed, stage)
            assert code == 0, (printed, err)
            assert printed[-2:] == [
                f"repaired {count} of {count} in stage {stage}",
                f"verified again: no drift left in stage {stage}",
            ]
        # enforcement is live for the deployer: what it may not do is denied
        deployer = Target("local", REGION, endpoint=endpoint).client(IDENTITY, "iam")
        with pytest.raises(ClientError, match="AccessDenied"):
            deployer.put_user_policy(UserName="bob", PolicyName="x", PolicyDocument=ANYTHING)
    finally:
        control.enforce_iam(endpoint, False)
    assert verify_rules(deployed) == (0, set())
