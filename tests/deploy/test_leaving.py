"""Who leaves (deploy/leaving.py), on in-memory stacks: which people a deploy would delete, which
would move between stacks (refused), and what the guard then does. The emulator tests
(test_people_batches.py) prove the same paths against moto."""

from __future__ import annotations

import json
from typing import Any

from jumpgate.deploy.engine import Options
from jumpgate.deploy.leaving import (
    Leaving,
    PeopleGuard,
    deployed_people,
    moved_error,
    people_leaving,
)
from jumpgate.deploy.stack import OWNER, TAG_HASH, TAG_KIND, TAG_OWNER, Desired, Existing
from jumpgate.generate.manifest import Entry


def _body(*users: str) -> str:
    resources = {
        f"U{n}": {"Type": "AWS::IAM::User", "Properties": {"UserName": u}}
        for n, u in enumerate(users)
    }
    resources["G"] = {"Type": "AWS::IAM::Group", "Properties": {}}
    return json.dumps({"Resources": resources})


def want(name: str, *users: str, kind: str = "people", digest: str = "new") -> Desired:
    entry = Entry(name, "identity", "identity", "111111111111", "eu-west-1", "t", "p", ())
    return Desired(entry, _body(*users), {}, {TAG_HASH: digest}, kind, tuple(sorted(users)))


def have(
    name: str,
    kind: str = "people",
    digest: str = "old",
    status: str = "UPDATE_COMPLETE",
    **params: str,
) -> Existing:
    tags = {TAG_OWNER: OWNER, TAG_KIND: kind, TAG_HASH: digest}
    return Existing(name, f"arn:{name}", status, tags, dict(params), True)


class FakeCfn:
    """ListStackResources of batch stacks: stack id → [(type, physical id, status)]."""

    def __init__(self, resources: dict[str, list[tuple[str, str, str]]]) -> None:
        self.resources = resources
        self.read: list[str] = []

    def get_paginator(self, operation: str) -> Any:
        assert operation == "list_stack_resources"
        cfn = self

        class Pages:
            def paginate(self, StackName: str) -> list[dict[str, Any]]:
                cfn.read.append(StackName)
                rows = cfn.resources.get(StackName, [])
                return [
                    {
                        "StackResourceSummaries": [
                            {"ResourceType": t, "PhysicalResourceId": p}
                            | ({"ResourceStatus": s} if s else {})
                            for t, p, s in rows[i : i + 2]
                        ]
                    }
                    for i in range(0, max(len(rows), 1), 2)
                ]

        return Pages()


USER, DONE = "AWS::IAM::User", "CREATE_COMPLETE"


def test_deployed_people_of_a_batch_are_its_live_user_resources() -> None:
    cfn = FakeCfn(
        {
            "arn:b1": [
                (USER, "carol", DONE),
                ("AWS::IAM::Group", "g", DONE),
                (USER, "", DONE),
                (USER, "ann", "UPDATE_COMPLETE"),
                (USER, "gone", "DELETE_COMPLETE"),
            ],
            "arn:b2": [(USER, "no-status", "")],
        }
    )
    assert deployed_people(cfn, have("b1")) == ("ann", "carol")
    assert deployed_people(cfn, have("b2")) == ("no-status",)
    assert deployed_people(cfn, have("u", kind="user", UserName="bob")) == ("bob",)
    # a person stack whose name cannot be read still counts, under the stack's name
    assert deployed_people(cfn, have("jumpgate-user-x", kind="user")) == ("jumpgate-user-x",)
    assert cfn.read == ["arn:b1", "arn:b2"]


def test_people_leaving_reads_only_changed_stacks_and_names_leavers_and_movers() -> None:
    cfn = FakeCfn(
        {
            "arn:b1": [(USER, "ann", DONE), (USER, "ben", DONE), (USER, "cat", DONE)],
            "arn:b2": [(USER, "dan", DONE)],
            "arn:b3": [(USER, "eve", DONE)],
            "arn:b4": [(USER, "fay", DONE)],
        }
    )
    wanted = [
        want("b1", "ann", "dan"),  # ben and cat leave, dan arrives from b2
        want("b2", "gil"),
        want("b3", "eve", digest="same"),  # unchanged: never read
    ]
    deployed = {
        "b1": have("b1"),
        "b2": have("b2"),
        "b3": have("b3", digest="same"),
        "b4": have("b4"),  # an orphan batch: fay leaves
        "g": have("g", kind="group"),
        "x": Existing("x", "arn:x", DONE, {TAG_KIND: "people"}, {}, False),  # not jumpgate's
    }
    leaving = people_leaving(cfn, wanted, deployed)
    assert leaving.by_stack == {"b1": ["ben", "cat"], "b4": ["fay"]}
    assert leaving.moved == ["dan: b2 → b1"]
    assert leaving.people == ["ben", "cat", "fay"]
    assert cfn.read == ["arn:b1", "arn:b2", "arn:b4"]


def test_a_stack_not_in_a_settled_state_is_read_even_with_the_same_hash() -> None:
    cfn = FakeCfn({"arn:b1": [(USER, "ann", DONE), (USER, "ben", DONE)]})
    deployed = {"b1": have("b1", digest="new", status="UPDATE_ROLLBACK_FAILED")}
    assert people_leaving(cfn, [want("b1", "ann")], deployed).by_stack == {"b1": ["ben"]}


def test_moved_error_shows_five_and_counts_the_rest() -> None:
    moved = [f"p{n}: a → b" for n in range(7)]
    assert moved_error(moved) == (
        "refusing to move 7 people between stacks (p0: a → b; p1: a → b; p2: a → b; p3: a → b; "
        "p4: a → b; and 2 more): CloudFormation would delete each user, with their password, "
        "MFA device and keys, before creating it again. `people_batches` was changed or "
        "introduced on a deployed organization: put it back, or migrate with CloudFormation "
        "resource import (docs/deploy.md)"
    )
    assert moved_error(moved[:1]).startswith(
        "refusing to move 1 people between stacks (p0: a → b):"
    )


class FakeIam:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def get_user(self, UserName: str) -> dict[str, Any]:
        return {"User": {"UserName": UserName}}

    def list_access_keys(self, UserName: str) -> dict[str, Any]:
        return {"AccessKeyMetadata": [{"AccessKeyId": f"AK{UserName}"}]}

    def delete_access_key(self, UserName: str, AccessKeyId: str) -> None:
        self.calls.append(f"delete_access_key {UserName}")

    def list_mfa_devices(self, UserName: str) -> dict[str, Any]:
        return {"MFADevices": []}

    def get_login_profile(self, UserName: str) -> dict[str, Any]:
        from botocore.exceptions import ClientError

        raise ClientError({"Error": {"Code": "NoSuchEntity"}}, "GetLoginProfile")

    def list_ssh_public_keys(self, UserName: str) -> dict[str, Any]:
        return {}

    def list_signing_certificates(self, UserName: str) -> dict[str, Any]:
        return {}

    def list_service_specific_credentials(self, UserName: str) -> dict[str, Any]:
        return {}


class FakeTarget:
    kind = "local"

    def __init__(self) -> None:
        self.iam = FakeIam()
        self.asked: set[str] = set()  # the accounts clients were asked for

    def client(self, account_id: str, service: str) -> Any:
        assert service == "iam"
        self.asked.add(account_id)
        return self.iam


def _guard(
    plan: bool = False, limit: int = 3, allow: bool = False
) -> tuple[PeopleGuard, list[Any]]:
    heard: list[Any] = []
    options = Options(plan=plan, max_people_removed=limit, allow_mass_removal=allow)
    return PeopleGuard(
        FakeTarget(), options, lambda kind, data: heard.append((kind, data)), None
    ), heard


def test_guard_refuses_movers_before_anything() -> None:
    guard, heard = _guard()
    result = guard.guard(
        Leaving({"b1": ["ann"]}, ["dan: b2 → b1"]), "identity", ("1", "id"), [want("b1")], {"b1"}
    )
    assert (result.wanted, result.results, result.go) == ([], [], False)
    assert result.error.startswith("refusing to move 1 people between stacks (dan: b2 → b1)")
    assert heard == []


def test_guard_holds_back_the_batches_that_delete_people_past_the_limit() -> None:
    guard, heard = _guard(limit=1)
    stacks = [want("b1", "ann"), want("b2", "cat"), want("g", kind="group"), want("b3", "eve")]
    leaving = Leaving({"b1": ["ben"], "b2": ["dan"], "b3": []})
    result = guard.guard(leaving, "identity", ("1", "id"), stacks, {"b1", "b2"})
    assert [w.name for w in result.wanted] == ["g", "b3"]  # b3 deletes nobody
    assert [(r.stack, r.action, r.reason) for r in result.results] == [
        ("b1", "blocked", "mass-removal guard"),
        ("b2", "blocked", "mass-removal guard"),
    ]
    assert result.error == (
        "refusing to remove 2 people at once (ben, dan); the limit is 1. If this is intended, "
        "re-run with --allow-mass-removal"
    )
    assert result.go and heard == [] and guard.target.iam.calls == []
    # the limit itself is allowed, and --allow-mass-removal lifts it
    assert not _guard(limit=2)[0].too_many(["a", "b"])
    assert _guard(limit=2)[0].too_many(["a", "b", "c"])
    assert not _guard(limit=2, allow=True)[0].too_many(["a", "b", "c"])


def test_guard_offboards_leavers_of_later_batches_now() -> None:
    guard, heard = _guard()
    stacks = [want("b1", "ann"), want("b2", "cat")]
    leaving = Leaving({"b1": ["ben"], "b2": ["dan"], "b9": []})
    result = guard.guard(leaving, "identity", ("100", "id-name"), stacks, {"b2", "b9"})
    assert result.wanted == stacks and result.error == "" and result.go
    assert [(r.stage, r.account, r.stack, r.action, r.offboarded) for r in result.results] == [
        ("identity", "id-name", "b2", "offboarded", ["access key AKdan of dan"])
    ]
    assert [kind for kind, _ in heard] == ["stack"]
    assert guard.target.iam.calls == ["delete_access_key dan"]
    assert guard.target.asked == {"100"}  # the identity account's id, not its name


def test_a_plan_says_what_would_be_offboarded_and_removes_nothing() -> None:
    guard, _ = _guard(plan=True)
    result = guard.guard(Leaving({"b2": ["dan"]}), "identity", ("100", "id"), [], {"b2"})
    assert [(r.action, r.offboarded) for r in result.results] == [
        ("would-offboard", ["access key AKdan of dan (to remove)"])
    ]
    assert guard.target.iam.calls == []


class FakeStacks:
    """DeleteStack and the DescribeStacks that waits for it."""

    def __init__(self, users: list[str]) -> None:
        self.calls: list[str] = []
        self.users = users

    def update_termination_protection(
        self, StackName: str, EnableTerminationProtection: bool
    ) -> None:
        self.calls.append(f"protect {StackName} {EnableTerminationProtection}")

    def delete_stack(self, StackName: str) -> None:
        self.calls.append(f"delete_stack {StackName}")

    def describe_stacks(self, StackName: str) -> dict[str, Any]:
        return {"Stacks": [{"StackName": StackName, "StackStatus": "DELETE_COMPLETE"}]}

    def get_paginator(self, operation: str) -> Any:
        return FakeCfn({"arn:b1": [(USER, u, DONE) for u in self.users]}).get_paginator(operation)


class FullTarget(FakeTarget):
    def __init__(self, users: list[str]) -> None:
        super().__init__()
        self.cfn = FakeStacks(users)

    def client(self, account_id: str, service: str) -> Any:
        self.asked.add(account_id)
        return self.cfn if service == "cloudformation" else self.iam


def test_read_asks_the_identity_accounts_cloudformation() -> None:
    target = FullTarget(["ann", "ben"])
    guard = PeopleGuard(target, Options(), lambda kind, data: None, None)
    assert guard.local
    leaving = guard.read("100", [want("b1", "ann")], {"b1": have("b1")})
    assert leaving.by_stack == {"b1": ["ben"]}
    assert target.asked == {"100"}


def test_an_empty_batch_is_deleted_after_its_people_are_offboarded() -> None:
    target = FullTarget([])
    guard = PeopleGuard(target, Options(), lambda kind, data: None, None)
    result = guard.delete("identity", ("100", "id-name"), have("b1"), ["ann", "ben"])
    assert (result.stage, result.account, result.stack, result.action) == (
        "identity",
        "id-name",
        "b1",
        "deleted",
    )
    assert result.offboarded == ["access key AKann of ann", "access key AKben of ben"]
    assert target.iam.calls == ["delete_access_key ann", "delete_access_key ben"]
    assert target.cfn.calls == ["protect arn:b1 False", "delete_stack arn:b1"]
    assert target.asked == {"100"}


def test_a_plan_deletes_nothing_and_names_what_would_go() -> None:
    target = FullTarget([])
    guard = PeopleGuard(target, Options(plan=True), lambda kind, data: None, None)
    batch = guard.delete("identity", ("100", "id"), have("b1"), ["ann"])
    person = guard.delete("identity", ("100", "id"), have("u", kind="user", UserName="bob"), [])
    group = guard.delete("identity", ("100", "id"), have("g", kind="group"), [])
    assert [(r.action, r.offboarded) for r in (batch, person, group)] == [
        ("would-delete", ["access key AKann of ann (to remove)"]),
        ("would-delete", ["access key AKbob (to remove)"]),
        ("would-delete", []),
    ]
    assert target.iam.calls == [] and target.cfn.calls == []
    assert target.asked == {"100"}


def test_a_person_stack_is_deleted_after_offboarding_and_a_failure_is_reported() -> None:
    target = FullTarget([])
    guard = PeopleGuard(target, Options(), lambda kind, data: None, None)
    result = guard.delete("identity", ("100", "id"), have("u", kind="user", UserName="bob"), [])
    assert (result.action, result.offboarded) == ("deleted", ["access key AKbob"])
    assert target.cfn.calls == ["protect arn:u False", "delete_stack arn:u"]

    def refuse(StackName: str) -> None:
        from botocore.exceptions import ClientError

        raise ClientError({"Error": {"Code": "ValidationError", "Message": "no"}}, "DeleteStack")

    target.cfn.delete_stack = refuse  # type: ignore[method-assign]
    failed = guard.delete("identity", ("100", "id"), have("g", kind="group"), [])
    assert failed.action == "failed"
    assert (
        failed.reason
        == "An error occurred (ValidationError) when calling the DeleteStack operation: no"
    )
    assert failed.seconds >= 0
