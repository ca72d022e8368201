"""`verify` itself on in-memory IAM (deployed_state.DeployedTarget): what it reads back from
every account, which accounts it could not read, the people checks and the password policy,
all in one report. test_drift.py runs the same on the emulator."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from deployed_state import TODAY, DeployedTarget, as_deployed

from helpers import REPO
from jumpgate.core.findings import Finding
from jumpgate.core.rules import hint_of
from jumpgate.deploy.password_policy import desired_policy
from jumpgate.generate.expansion import Expansion
from jumpgate.model.organization import Organization
from jumpgate.report.access import effective_access
from jumpgate.verify.drift import Observed, access_matrix, verify

ID, ID_NUMBER = "learnaws-identity", "100000000001"
CRM_DEV = "105000000005"
DENIED = "An error occurred (AccessDenied) when calling the {} operation: no"
ASSUME_ANY = {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}


def rows(found: Sequence[Finding]) -> list[tuple[str, str, str]]:
    return [(f.path, f.rule_id, f.message) for f in found]


def test_what_a_clean_deploy_left_is_read_back_as_it_is(
    example_org: tuple[Organization, Expansion], state: dict[str, Observed]
) -> None:
    org, exp = example_org
    target = DeployedTarget(org, state)
    target.iams[ID_NUMBER].password = desired_policy(REPO)
    report = verify(org, exp, target, root=REPO, today=TODAY)
    assert report.findings == []
    assert report.observed == state
    assert report.matrix == access_matrix(org, exp, state)
    assert report.paths == effective_access(org, exp, TODAY)


def test_users_and_groups_off_the_path_are_not_read(
    example_org: tuple[Organization, Expansion], state: dict[str, Observed]
) -> None:
    org, exp = example_org
    state[ID].users["ops"] = {"path": "/ops/", "groups": [], "tags": {}}
    target = DeployedTarget(org, state)
    report = verify(org, exp, target, today=TODAY)
    assert "ops" not in report.observed[ID].users
    assert report.findings == []


def test_an_account_that_cannot_be_read_is_reported_and_not_compared(
    example_org: tuple[Organization, Expansion], state: dict[str, Observed]
) -> None:
    org, exp = example_org
    state[ID].users["ops"] = {"path": "/ops/", "groups": [], "tags": {}}
    target = DeployedTarget(org, state)
    target.iams[ID_NUMBER].own["ops"] = {"hop": ASSUME_ANY}
    target.broken.add(CRM_DEV)
    report = verify(org, exp, target, today=TODAY)
    denied = DENIED.format("AssumeRole")
    assert rows(report.findings) == [
        ("iam://crm-dev", "E914", f"crm-dev: {denied}"),
        (
            f"iam://{ID}/user/ops",
            "E921",
            "ops (path outside jumpgate's) may assume "
            "arn:aws:iam::105000000005:role/jumpgate/jumpgate-admin and 1 more",
        ),
    ]
    assert all((f.line, f.column, f.hint) == (0, 0, hint_of(f.rule_id)) for f in report.findings)
    assert report.observed["crm-dev"] == Observed(error=denied)
    assert "crm-dev" not in {p.account for p in report.paths}


def test_the_people_checks_and_the_password_policy(
    example_org: tuple[Organization, Expansion], state: dict[str, Observed]
) -> None:
    org, exp = example_org
    target = DeployedTarget(org, state)
    iam = target.iams[ID_NUMBER]
    iam.password = {**desired_policy(REPO), "MinimumPasswordLength": 8}
    iam.own["bob"] = {"mine": ASSUME_ANY}
    assert rows(verify(org, exp, target, root=REPO, today=TODAY).findings) == [
        (f"iam://{ID}/user/bob", "E919", "bob: inline ['mine'], attached none"),
        (
            f"iam://{ID}/password-policy",
            "E916",
            "password policy differs: MinimumPasswordLength 8 → 14",
        ),
    ]
    assert [f.rule_id for f in verify(org, exp, target, today=TODAY).findings] == ["E919"]
    iam.refuse = {"ListUserPolicies", "GetAccountPasswordPolicy"}
    assert rows(verify(org, exp, target, root=REPO, today=TODAY).findings) == [
        (f"iam://{ID}", "E914", f"people: {DENIED.format('ListUserPolicies')}"),
        (f"iam://{ID}", "E914", f"password policy: {DENIED.format('GetAccountPasswordPolicy')}"),
    ]


def test_an_unreadable_identity_account(
    example_org: tuple[Organization, Expansion], state: dict[str, Observed]
) -> None:
    org, exp = example_org
    target = DeployedTarget(org, state)
    target.broken.add(ID_NUMBER)
    report = verify(org, exp, target, today=TODAY)
    # nobody's access is known: not 106 times "git says ...; AWS does not" (it once was)
    assert rows(report.findings) == [
        (f"iam://{ID}", "E914", f"{ID}: {DENIED.format('AssumeRole')}")
    ]
    assert report.matrix == {} and report.paths == []


def test_what_is_off_the_path_is_not_read_and_a_boundary_is(
    example_org: tuple[Organization, Expansion], state: dict[str, Observed]
) -> None:
    org, exp = example_org
    boundary = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    state["crm-prod"].roles["jumpgate-admin"]["boundary"] = boundary
    state["crm-prod"].roles["theirs"] = {**state["crm-prod"].roles["jumpgate-readonly"]}
    state["crm-prod"].roles["theirs"]["path"] = "/other/"
    state[ID].groups["theirs"] = {"inline": {}, "managed": []}
    target = DeployedTarget(org, state)
    target.iams[ID_NUMBER].group_paths["theirs"] = "/other/"
    report = verify(org, exp, target, today=TODAY)
    assert report.observed["crm-prod"].roles["jumpgate-admin"]["boundary"] == boundary
    assert "theirs" not in report.observed["crm-prod"].roles
    assert "theirs" not in report.observed[ID].groups
    assert rows(report.findings) == [
        (
            "iam://crm-prod/role/jumpgate-admin",
            "E913",
            "crm-prod/jumpgate-admin: permissions boundary differs",
        )
    ]


def test_access_drift_a_deleted_role_and_another_day(
    example_org: tuple[Organization, Expansion], state: dict[str, Observed]
) -> None:
    org, exp = example_org
    state[ID].users["gwen"]["groups"].append("jumpgate-crm-admin-dev-staging")
    del state["crm-staging"].roles["jumpgate-admin"]
    target = DeployedTarget(org, state)
    found = rows(verify(org, exp, target, today=TODAY).findings)
    staging_admin = "iam://crm-staging/role/jumpgate-admin"
    assert found == [
        (staging_admin, "E907", "role jumpgate-admin does not exist in crm-staging"),
        (
            f"iam://{ID}/user/gwen",
            "E903",
            "gwen: in ['jumpgate-crm-admin-dev-staging'] extra group(s), missing from none",
        ),
        (
            staging_admin,
            "E917",
            "git says alice reaches crm-staging admin (standing) (teams/crm.yaml:26); AWS does not",
        ),
        (
            staging_admin,
            "E917",
            "git says bob reaches crm-staging admin (standing) (teams/crm.yaml:26); AWS does not",
        ),
        (
            "iam://crm-dev/role/jumpgate-admin",
            "E917",
            "git does not let gwen reach crm-dev admin; AWS does (standing), through "
            "teams/crm.yaml:26",
        ),
    ]
    # the day is the one asked for (alice's prod admin ended 2026-12-31)
    later = dt.date(2027, 1, 2)
    assert verify(org, exp, DeployedTarget(org, as_deployed(org, exp)), today=later).paths == (
        effective_access(org, exp, later)
    )


def test_two_password_policy_differences_in_one_finding(
    example_org: tuple[Organization, Expansion], state: dict[str, Observed]
) -> None:
    org, exp = example_org
    target = DeployedTarget(org, state)
    policy = desired_policy(REPO)
    target.iams[ID_NUMBER].password = {
        **policy,
        "MinimumPasswordLength": 8,
        "RequireSymbols": False,
    }
    assert [m for _, _, m in rows(verify(org, exp, target, root=REPO, today=TODAY).findings)] == [
        "password policy differs: MinimumPasswordLength 8 → 14, RequireSymbols False → True"
    ]
