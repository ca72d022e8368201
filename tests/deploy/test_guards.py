"""The engine's removal guards on in-memory AWS (fake_aws.py): the mass-removal limit, a
person's credentials removed before their stack, people before groups before the baseline,
nothing removed after a failure, people leaving before the approval, and a group that stops
reaching a strict environment still changed only behind it. The same paths run on the
emulator in test_engine.py; these pin the exact counts, messages and order."""

from __future__ import annotations

from typing import Any

import pytest
from fake_aws import FakeTarget

from helpers import REPO
from jumpgate.deploy.engine import MAX_PEOPLE_REMOVED, Engine, Options, StageResult

IDENTITY = "100000000001"
DEPARTED = "555555555555"  # an account no longer in accounts/
DEPARTED_ROLE = f"arn:aws:iam::{DEPARTED}:role/jumpgate/jumpgate-admin"
CRM_PROD = "107000000007"
LIMIT_MESSAGE = (
    "refusing to remove 4 people at once (ann, ben, cat, dan); the limit is 3. "
    "If this is intended, re-run with --allow-mass-removal"
)


def removals(result: StageResult) -> list[tuple[str, str, str]]:
    """(stack, action, reason) of what the stage did besides converging unchanged stacks."""
    return [
        (r.stack, r.action, r.reason)
        for r in result.results
        if r.action not in ("unchanged", "skipped") and r.stack != "account-password-policy"
    ]


def test_more_people_than_the_limit_are_refused_and_nothing_is_touched() -> None:
    assert MAX_PEOPLE_REMOVED == 3
    target = FakeTarget(REPO)
    for name in ("dan", "cat", "ann", "ben"):
        target.leaver(name, keys=[f"AKIA{name.upper()}"])
    # a group still granting roles in an account that left the registry, and that role's stack
    target.orphan(IDENTITY, "jumpgate-group-old", "group", parameters={"AccountIds": DEPARTED})
    target.orphan(DEPARTED, "jumpgate-role-old", "role")
    target.orphan(IDENTITY, "jumpgate-baseline-old", "baseline")
    target.orphan(IDENTITY, "jumpgate-other", "")
    result = Engine(REPO, target, Options()).run_stage("identity")
    assert not result.ok
    assert result.error == LIMIT_MESSAGE
    blocked = [
        (r.stage, r.account, r.stack, r.reason) for r in result.results if r.action == "blocked"
    ]
    guard = "mass-removal guard"
    assert blocked == [
        ("identity", "learnaws-identity", "jumpgate-user-ann", guard),
        ("identity", "learnaws-identity", "jumpgate-user-ben", guard),
        ("identity", "learnaws-identity", "jumpgate-user-cat", guard),
        ("identity", "learnaws-identity", "jumpgate-user-dan", guard),
        ("identity", "learnaws-identity", "jumpgate-group-old", guard),
        ("identity", "learnaws-identity", "jumpgate-other", guard),
        ("identity", DEPARTED, "jumpgate-role-old", guard),
        ("identity", "learnaws-identity", "jumpgate-baseline-old", guard),
    ]
    assert len(removals(result)) == len(blocked)
    assert target.log == []  # no credential removed, no stack deleted


def test_the_limit_is_an_option_and_the_user_name_is_what_the_message_lists() -> None:
    target = FakeTarget(REPO)
    target.leaver("ann")
    target.leaver("ben")
    target.cloudformation(IDENTITY).stacks["jumpgate-user-ben"]["Parameters"] = []
    result = Engine(REPO, target, Options(max_people_removed=1)).run_stage("identity")
    assert result.error == (
        "refusing to remove 2 people at once (ann, jumpgate-user-ben); the limit is 1. "
        "If this is intended, re-run with --allow-mass-removal"
    )
    assert target.log == []


def test_people_at_the_limit_leave_credentials_first_then_groups_then_the_baseline() -> None:
    target = FakeTarget(REPO)
    target.orphan(IDENTITY, "jumpgate-baseline-old", "baseline")
    target.orphan(IDENTITY, "jumpgate-group-old", "group")
    target.orphan(IDENTITY, "jumpgate-other", "")  # no known kind: removed with the groups
    target.leaver("cat", password=True)
    target.leaver("ann", keys=["AKIA1"], mfa=["arn:aws:iam::100000000001:mfa/ann"])
    target.leaver("ben")
    result = Engine(REPO, target, Options()).run_stage("identity")
    assert result.ok and result.error == ""
    assert {(r.stage, r.account) for r in result.results} == {("identity", "learnaws-identity")}
    assert removals(result) == [
        ("jumpgate-user-ann", "deleted", ""),
        ("jumpgate-user-ben", "deleted", ""),
        ("jumpgate-user-cat", "deleted", ""),
        ("jumpgate-group-old", "deleted", ""),
        ("jumpgate-other", "deleted", ""),
        ("jumpgate-baseline-old", "deleted", ""),
    ]
    offboarded = {r.stack: r.offboarded for r in result.results if r.offboarded}
    assert offboarded == {
        "jumpgate-user-ann": ["access key AKIA1", "MFA device ann"],
        "jumpgate-user-cat": ["console password"],
    }
    log = target.log
    # each person's credentials go before their stack; people before groups, the baseline last
    assert log.index("iam delete_access_key ann AKIA1") < log.index(
        "cfn delete_stack jumpgate-user-ann"
    )
    assert log.index("iam delete_login_profile cat") < log.index(
        "cfn delete_stack jumpgate-user-cat"
    )
    deleted = [line.split()[-1] for line in log if line.startswith("cfn delete_stack")]
    assert sorted(deleted[:3]) == ["jumpgate-user-ann", "jumpgate-user-ben", "jumpgate-user-cat"]
    assert sorted(deleted[3:5]) == ["jumpgate-group-old", "jumpgate-other"]
    assert deleted[5:] == ["jumpgate-baseline-old"]
    # termination protection is lifted only on the stacks that go
    assert sorted(line for line in log if line.startswith("cfn protect")) == sorted(
        f"cfn protect=False {name}" for name in deleted
    )


def test_mass_removal_allowed() -> None:
    target = FakeTarget(REPO)
    for name in ("ann", "ben", "cat", "dan"):
        target.leaver(name)
    result = Engine(REPO, target, Options(allow_mass_removal=True)).run_stage("identity")
    assert result.ok
    assert (result.stage, result.error) == ("identity", "")
    assert 0 <= result.seconds < 5
    # the stage's own stacks are in the result with the removals
    unchanged = {r.stack for r in result.results if r.action == "unchanged"}
    assert {"jumpgate-baseline", "account-password-policy"} <= unchanged
    assert [s for s, action, _ in removals(result) if action == "deleted"] == [
        f"jumpgate-user-{n}" for n in ("ann", "ben", "cat", "dan")
    ]


def test_a_failed_removal_stops_the_later_kinds() -> None:
    target = FakeTarget(REPO)
    target.leaver("ann")
    target.leaver("ben")
    target.orphan(IDENTITY, "jumpgate-group-old", "group")
    target.cloudformation(IDENTITY).refuse.add("jumpgate-user-ann")
    result = Engine(REPO, target, Options()).run_stage("identity")
    assert not result.ok
    assert removals(result) == [
        (
            "jumpgate-user-ann",
            "failed",
            "An error occurred (ValidationError) when calling the DeleteStack operation: "
            "ValidationError (DeleteStack)",
        ),
        ("jumpgate-user-ben", "deleted", ""),
    ]
    assert "cfn delete_stack jumpgate-group-old" not in target.log


def test_nothing_is_removed_when_a_stack_of_the_stage_failed() -> None:
    target = FakeTarget(REPO)
    target.iam(IDENTITY).password = None  # nor is the password policy set
    target.leaver("ann", keys=["AKIA1"])
    group = target.cloudformation(IDENTITY).stacks["jumpgate-group-crm-admin-dev-staging"]
    group["StackStatus"] = "UPDATE_ROLLBACK_FAILED"
    result = Engine(REPO, target, Options()).run_stage("identity")
    assert not result.ok
    assert [(s, a) for s, a, _ in removals(result)] == [
        ("jumpgate-group-crm-admin-dev-staging", "failed")
    ]
    assert target.log == []


def test_plan_lists_what_offboarding_would_remove_and_changes_nothing() -> None:
    target = FakeTarget(REPO)
    target.leaver(
        "ann", keys=["AKIA1", "AKIA2"], mfa=["arn:aws:iam::1:mfa/a/b/ann-phone", "GAHT1234"]
    )
    target.leaver("ben")
    target.leaver("cat", keys=["AKIA3"])
    target.orphan(IDENTITY, "jumpgate-group-old", "group")
    del target.iam(IDENTITY).people["ben"]  # the user is gone already: nothing to list
    result = Engine(REPO, target, Options(plan=True)).run_stage("identity")
    assert result.ok
    assert [(r.stack, r.action, r.offboarded) for r in result.results if r.offboarded] == [
        (
            "jumpgate-user-ann",
            "would-delete",
            [
                "access key AKIA1 (to remove)",
                "access key AKIA2 (to remove)",
                "MFA device ann-phone (to remove)",
                "MFA device GAHT1234 (to remove)",
            ],
        ),
        ("jumpgate-user-cat", "would-delete", ["access key AKIA3 (to remove)"]),
    ]
    assert [(s, a) for s, a, _ in removals(result)] == [
        ("jumpgate-user-ann", "would-delete"),
        ("jumpgate-user-ben", "would-delete"),
        ("jumpgate-user-cat", "would-delete"),
        ("jumpgate-group-old", "would-delete"),
    ]
    assert target.log == []


def test_people_leave_in_the_identity_stage_other_stacks_in_their_own() -> None:
    target = FakeTarget(REPO)
    target.leaver("ann", stage="prod")
    target.orphan(IDENTITY, "jumpgate-group-gone-prod", "group", stage="prod")
    target.orphan(CRM_PROD, "jumpgate-role-gone", "role", stage="prod")
    target.orphan(IDENTITY, "someone-elses", "user", stage="identity")
    stack = target.cloudformation(IDENTITY).stacks["someone-elses"]
    stack["Tags"] = [t for t in stack["Tags"] if t["Key"] != "jumpgate:deployed-by"]
    identity = Engine(REPO, target, Options(plan=True)).run_stage("identity")
    assert [s for s, _, _ in removals(identity)] == ["jumpgate-user-ann"]
    prod = Engine(REPO, target, Options(plan=True)).run_stage("prod")
    assert sorted(s for s, _, _ in removals(prod)) == [
        "jumpgate-group-gone-prod",
        "jumpgate-role-gone",
    ]


@pytest.mark.parametrize(
    ("deployed_path", "stage"), [("/jumpgate/strict/", "prod"), ("/jumpgate/", "identity")]
)
def test_a_group_that_reached_a_strict_environment_converges_behind_the_approval(
    deployed_path: str, stage: str
) -> None:
    target = FakeTarget(REPO)
    group = target.cloudformation(IDENTITY).stacks["jumpgate-group-crm-admin-dev-staging"]
    group["StackStatus"] = "ROLLBACK_COMPLETE"  # planned without a change set: would-recreate
    for parameter in group["Parameters"]:
        if parameter["ParameterKey"] == "GroupPath":
            parameter["ParameterValue"] = deployed_path
    found = {
        name: [s for s, _, _ in removals(Engine(REPO, target, Options(plan=True)).run_stage(name))]
        for name in ("identity", "prod")
    }
    assert found[stage] == ["jumpgate-group-crm-admin-dev-staging"]
    assert found[{"prod": "identity", "identity": "prod"}[stage]] == []


def test_a_stack_of_a_kind_the_engine_does_not_know_goes_with_the_groups() -> None:
    target = FakeTarget(REPO)
    target.leaver("ann")
    target.orphan(IDENTITY, "jumpgate-unknown", "")
    result = Engine(REPO, target, Options()).run_stage("identity")
    assert [(s, a) for s, a, _ in removals(result)] == [
        ("jumpgate-user-ann", "deleted"),
        ("jumpgate-unknown", "deleted"),
    ]
    assert all(0 <= r.seconds < 5 for r in result.results)


def test_a_group_deployed_without_a_path_parameter_converges_in_its_own_stage() -> None:
    target = FakeTarget(REPO)
    group = target.cloudformation(IDENTITY).stacks["jumpgate-group-crm-admin-dev-staging"]
    group["StackStatus"] = "ROLLBACK_COMPLETE"
    group["Parameters"] = [p for p in group["Parameters"] if p["ParameterKey"] != "GroupPath"]
    result = Engine(REPO, target, Options(plan=True)).run_stage("identity")
    assert [(s, a) for s, a, _ in removals(result)] == [
        ("jumpgate-group-crm-admin-dev-staging", "would-recreate")
    ]


def test_a_departed_accounts_stacks_go_and_every_removal_is_reported_as_it_happens() -> None:
    target = FakeTarget(REPO)
    target.orphan(IDENTITY, "jumpgate-group-old", "group", parameters={"RoleArns": DEPARTED_ROLE})
    target.orphan(DEPARTED, "jumpgate-role-old", "role")
    events: list[tuple[str, Any]] = []
    engine = Engine(REPO, target, Options(), lambda kind, data: events.append((kind, data)))
    result = engine.run_stage("identity")
    assert [(r.account, r.stack, r.action) for r in result.results if r.action == "deleted"] == [
        ("learnaws-identity", "jumpgate-group-old", "deleted"),
        (DEPARTED, "jumpgate-role-old", "deleted"),
    ]
    reported = [data.stack for kind, data in events if kind == "stack" and data.action == "deleted"]
    assert reported == ["jumpgate-group-old", "jumpgate-role-old"]


def test_each_account_is_listed_once_a_run_and_departed_accounts_are_found_from_identity() -> None:
    target = FakeTarget(REPO)
    # an account that left: a jumpgate group in the identity account still grants a role there
    target.orphan(IDENTITY, "jumpgate-group-old", "group", "prod", {"AccountIds": DEPARTED})
    target.orphan(DEPARTED, "jumpgate-role-old", "role", stage="dev")
    # a group stack jumpgate did not deploy names another account: not jumpgate's to follow
    target.orphan(IDENTITY, "theirs", "group", parameters={"AccountIds": "666666666666"})
    target.cloudformation(IDENTITY).stacks["theirs"]["Tags"] = [
        {"Key": "jumpgate:kind", "Value": "group"}
    ]
    engine = Engine(REPO, target, Options(plan=True))
    dev = engine.run_stage("dev")
    dev_accounts = ["102000000002", "105000000005", "108000000008", "111000000011", "114000000014"]
    assert sorted(target.listed) == sorted([*dev_accounts, IDENTITY, DEPARTED])
    assert [(r.account, r.stack) for r in dev.results if r.action == "would-delete"] == [
        (DEPARTED, "jumpgate-role-old")
    ]
    target.listed.clear()
    engine.run_stage("staging")
    assert sorted(target.listed) == ["103000000003", "106000000006", "109000000009", "112000000012"]


def test_the_password_policy_is_set_in_the_identity_stage_only() -> None:
    target = FakeTarget(REPO)
    target.iam(IDENTITY).password = None
    engine = Engine(REPO, target, Options())
    assert [r.action for r in engine.run_stage("dev").results if "password" in r.stack] == []
    assert target.log == []
    identity = engine.run_stage("identity")
    assert [(r.stack, r.action) for r in identity.results if "password" in r.stack] == [
        ("account-password-policy", "updated")
    ]
    assert target.log == ["iam update_account_password_policy"]


def test_the_stage_is_reported_from_start_to_end() -> None:
    target = FakeTarget(REPO)
    target.leaver("ann")
    events: list[tuple[str, Any]] = []
    engine = Engine(
        REPO, target, Options(plan=True), lambda kind, data: events.append((kind, data))
    )
    result = engine.run_stage("identity")
    # the baseline, six groups, ann's stack
    assert events[0] == ("start", ("identity", 8))
    assert events[-1] == ("end", result)
    assert [kind for kind, _ in events[1:-1]] == ["stack"] * 9  # and the password policy


def test_a_stage_whose_accounts_cannot_be_read_changes_nothing() -> None:
    target = FakeTarget(REPO)
    target.leaver("ann")
    target.cloudformation(IDENTITY).unreadable = True
    events: list[tuple[str, Any]] = []
    engine = Engine(REPO, target, Options(), lambda kind, data: events.append((kind, data)))
    result = engine.run_stage("identity")
    assert result.error == (
        "cannot read the accounts' stacks: An error occurred (AccessDenied) when calling the "
        "DescribeStacks operation: AccessDenied (DescribeStacks)"
    )
    assert (result.results, target.log) == ([], [])
    assert events == [("end", result)]


def test_a_stop_request_runs_no_removal() -> None:
    target = FakeTarget(REPO)
    target.leaver("ann", keys=["AKIA1"])
    events: list[tuple[str, Any]] = []
    engine = Engine(REPO, target, Options(), lambda kind, data: events.append((kind, data)))
    engine.request_stop("SIGTERM")
    result = engine.run_stage("identity")
    assert result.error == (
        "interrupted by SIGTERM: 0 stack operations finished (0 changed a stack), 0 change sets "
        "deleted before execution, 7 stacks not started; removals not run. Re-run to converge"
    )
    assert {r.action for r in result.results} == {"skipped"}
    assert target.log == []
    assert 0 <= result.seconds < 5
    assert events[-1] == ("end", result)
