"""A repair stage's reading (`read_stage`) and findings (`stage_findings`, verify's findings on
the stage's own resources and, with people, what else grants access), without the emulator."""

from __future__ import annotations

from typing import Any

from deployed_state import DeployedTarget, as_deployed
from test_people import ASSUME_ANY, PeopleIAM
from test_repair_plan import ADMIN, ID, NOW, clean

from jumpgate.core.rules import hint_of
from jumpgate.deploy.clients import Target
from jumpgate.deploy.stack import Desired
from jumpgate.generate.expansion import Expansion
from jumpgate.model.organization import Organization
from jumpgate.verify.drift import Observed
from jumpgate.verify.repairs import read_stage, stage_findings


def test_stage_findings_are_the_stages_own(
    org_exp: tuple[Organization, Expansion], stacks: list[Desired]
) -> None:
    org, exp = org_exp
    state = clean(org_exp)
    state.observed["crm-dev"].roles["jumpgate-admin"]["max_session"] = 1
    state.observed["crm-prod"].roles["jumpgate-admin"]["max_session"] = 1
    state.observed["crm-staging"].error = "AccessDenied"
    dev = [s for s in stacks if s.account in ("crm-dev", "crm-staging")]
    found = stage_findings(org, exp, Target("local", "eu-west-1"), dev, state, NOW)
    assert {(f.line, f.column) for f in found} == {(0, 0)}  # IAM, not a file position
    assert all(f.hint == hint_of(f.rule_id) for f in found)
    assert [(f.path, f.rule_id, f.message) for f in found] == [
        (
            "iam://crm-dev/role/jumpgate-admin",
            "E912",
            "crm-dev/jumpgate-admin: MaxSessionDuration 1 s, declared 43200 s",
        ),
        ("iam://crm-staging", "E914", "crm-staging: AccessDenied"),
    ]


class _PeopleTarget(Target):
    def __init__(self, iam: PeopleIAM) -> None:
        super().__init__("local", "eu-west-1")
        self.iam = iam
        self.asked: list[tuple[str, str]] = []

    def client(self, account_id: str, service: str) -> Any:
        self.asked.append((account_id, service))
        return self.iam


def test_stage_findings_with_people_include_what_else_grants_access(
    org_exp: tuple[Organization, Expansion], stacks: list[Desired]
) -> None:
    org, exp = org_exp
    state = clean(org_exp)
    state.observed["crm-staging"].error = "AccessDenied"  # its roles' trust: unknown
    del state.observed["crm-dev"].roles["jumpgate-admin"]  # no trust either
    state.observed[ID].users["bob"]["groups"].remove("jumpgate-people")
    state.observed[ID].users["carol"]["groups"].remove("jumpgate-people")
    iam = PeopleIAM()
    iam.user("bob", inline={"mine": ASSUME_ANY})
    iam.user("carol", inline={"mine": ASSUME_ANY})  # not in this stage: left out
    iam.user("ops", path="/ops/", inline={"hop": ASSUME_ANY})
    target = _PeopleTarget(iam)
    chosen = [s for s in stacks if s.name in ("jumpgate-user-bob", "jumpgate-role-admin")]
    found = stage_findings(org, exp, target, chosen, state, NOW)
    assert all(f.hint == hint_of(f.rule_id) for f in found)
    dev = "arn:aws:iam::105000000005:role/jumpgate"
    assert [(f.path, f.rule_id, f.message) for f in found] == [
        (
            "iam://crm-dev/role/jumpgate-admin",
            "E907",
            "role jumpgate-admin does not exist in crm-dev",
        ),
        ("iam://crm-staging", "E914", "crm-staging: AccessDenied"),
        (
            f"iam://{ID}/user/bob",
            "E903",
            "bob: in no extra group(s), missing from ['jumpgate-people']",
        ),
        (f"iam://{ID}/user/bob", "E919", "bob: inline ['mine'], attached none"),
        (
            f"iam://{ID}/user/ops",
            "E921",
            f"ops (path outside jumpgate's) may assume {dev}/jumpgate-admin and 2 more",
        ),
    ]
    assert target.asked == [("100000000001", "iam")]


def test_stage_findings_of_groups_and_the_baseline(
    org_exp: tuple[Organization, Expansion], stacks: list[Desired]
) -> None:
    org, exp = org_exp
    state = clean(org_exp)
    groups = state.observed[ID].groups
    groups["jumpgate-people"]["managed"] = []
    groups["jumpgate-crm-admin-dev-staging"]["managed"] = [ADMIN]
    groups["jumpgate-bi-admin-dev-staging"]["managed"] = [ADMIN]  # not in this stage
    state.observed["crm-dev"].roles["jumpgate-admin"]["max_session"] = 1  # nor this
    chosen = [
        s for s in stacks if s.name in ("jumpgate-baseline", "jumpgate-group-crm-admin-dev-staging")
    ]
    found = stage_findings(org, exp, Target("local", "eu-west-1"), chosen, state, NOW)
    assert [(f.path, f.line, f.column, f.rule_id, f.message) for f in found] == [
        (
            f"iam://{ID}/group/jumpgate-people",
            0,
            0,
            "E910",
            "jumpgate-people: attached [], expected "
            "[arn:aws:iam::100000000001:policy/jumpgate/jumpgate-force-mfa]",
        ),
        (
            f"iam://{ID}/group/jumpgate-crm-admin-dev-staging",
            0,
            0,
            "E910",
            f"jumpgate-crm-admin-dev-staging: ['{ADMIN}'] attached",
        ),
    ]


def test_read_stage_reads_the_stages_accounts_and_its_people(
    org_exp: tuple[Organization, Expansion], stacks: list[Desired]
) -> None:
    org, exp = org_exp
    observed = as_deployed(org, exp)
    observed[ID].users["gwen"]["path"] = "/ops/"  # moved off jumpgate's path
    del observed[ID].users["dmitri"]  # deleted
    target = DeployedTarget(org, observed)
    target.iams["100000000001"].own["bob"] = {"mine": ASSUME_ANY}
    target.broken.add("106000000006")  # crm-staging
    people = ("jumpgate-user-bob", "jumpgate-user-gwen", "jumpgate-user-dmitri")
    chosen = [s for s in stacks if s.name in people or s.account in ("crm-dev", "crm-staging")]
    state = read_stage(org, exp, target, chosen, workers=4)
    assert sorted(state.observed) == ["crm-dev", "crm-staging", ID]
    assert state.observed["crm-dev"] == observed["crm-dev"]
    assert state.observed["crm-staging"] == Observed(
        error="An error occurred (AccessDenied) when calling the AssumeRole operation: no"
    )
    assert state.own == {"bob": (["mine"], [])}
    assert state.elsewhere == {"gwen": "/ops/", "dmitri": ""}
    # a stage without people reads nobody's own policies
    roles_only = read_stage(org, exp, target, [s for s in chosen if s.kind == "role"], workers=1)
    assert (roles_only.own, roles_only.elsewhere) == ({}, {})
    assert sorted(roles_only.observed) == ["crm-dev", "crm-staging"]
    # people in a stage whose identity account cannot be read: nothing more is read
    target.broken.add("100000000001")
    unreadable = read_stage(org, exp, target, chosen, workers=4)
    assert (unreadable.own, unreadable.elsewhere) == ({}, {})
    assert unreadable.observed[ID].error
