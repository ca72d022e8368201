"""The deploy engine end to end in the local emulator, with faults injected."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

from helpers import replace
from jumpgate.demo.journey import give_credentials
from jumpgate.deploy.clients import Target
from jumpgate.deploy.engine import Engine, Options
from localaws_helpers import (
    IDENTITY,
    actions,
    cfn,
    deploy_json,
    emulated_org,
    iam,
    jumpgate,
    planned,
    rerender,
)

CRM_DEV, CRM_STAGING, CRM_PROD = "105000000005", "106000000006", "107000000007"


@pytest.fixture
def repo(tmp_path: Path, endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = emulated_org(tmp_path, endpoint)
    monkeypatch.setenv("JUMPGATE_LOCAL_ENDPOINT", endpoint)
    return root


def stacks_in(endpoint: str, account_id: str) -> dict[str, dict[str, Any]]:
    found = cfn(endpoint, account_id).describe_stacks()["Stacks"]
    return {s["StackName"]: s for s in found}


def test_pipeline_deploys_everything_then_a_rerun_writes_nothing(repo: Path, endpoint: str) -> None:
    code, first = deploy_json(repo, "pipeline", "--approve")
    assert code == 0, first
    assert set(actions(first).values()) <= {"created", "updated"}
    assert [s["stage"] for s in first["stages"]] == ["identity", "dev", "staging", "prod"]
    live = stacks_in(endpoint, IDENTITY)
    assert all(s["EnableTerminationProtection"] for s in live.values())
    assert all(any(t["Key"] == "jumpgate:content-hash" for t in s["Tags"]) for s in live.values())

    code, again = deploy_json(repo, "pipeline", "--approve")
    assert code == 0
    assert again["cloudformation_write_calls"] == 0
    assert set(actions(again).values()) == {"unchanged"}
    assert jumpgate("verify", "--root", str(repo), "--target", "local")[0] == 0


def test_one_person_change_touches_only_their_stacks(repo: Path) -> None:
    assert deploy_json(repo, "pipeline", "--approve")[0] == 0
    replace(
        repo,
        "teams/crm.yaml",
        "  gwen: {",
        "  hugo: {name: Hugo Silva, email: hugo@x.example}\n  gwen: {",
    )
    rerender(repo)
    # Hugo joins CRM, whose read-only grant reaches prod: his stack waits for the approval.
    code, plan = deploy_json(repo, "plan", "--stage", "identity")
    assert code == 0
    assert {k: v for k, v in actions(plan).items() if v != "unchanged"} == {}
    code, plan = deploy_json(repo, "plan", "--stage", "prod")
    assert code == 0
    changed = {k: v for k, v in actions(plan).items() if v != "unchanged"}
    assert changed == {"learnaws-identity/jumpgate-user-hugo": "would-create"}
    code, doc = deploy_json(repo, "pipeline", "--approve")
    assert code == 0
    touched = {k: v for k, v in actions(doc).items() if v != "unchanged"}
    assert touched == {"learnaws-identity/jumpgate-user-hugo": "created"}


def test_failed_stack_stops_the_stage_and_later_stages_and_rerun_converges(
    repo: Path, endpoint: str
) -> None:
    # Someone made the role by hand in crm-staging: CloudFormation cannot create it there.
    blocker = iam(endpoint, CRM_STAGING)
    blocker.create_role(
        RoleName="jumpgate-readonly", Path="/jumpgate/", AssumeRolePolicyDocument="{}"
    )
    code, doc = deploy_json(repo, "pipeline", "--approve")
    assert code == 1
    assert [s["stage"] for s in doc["stages"]] == ["identity", "dev", "staging"]
    failed = [s for s in doc["stages"][2]["stacks"] if s["action"] == "failed"]
    assert failed and "already exists" in failed[0]["reason"]
    assert "CREATE_FAILED" in failed[0]["reason"] or "ROLLBACK" in failed[0]["reason"]
    assert "prod" in doc["stopped"]
    assert stacks_in(endpoint, CRM_PROD) == {}  # later stage untouched

    blocker.delete_role(RoleName="jumpgate-readonly")
    code, again = deploy_json(repo, "pipeline", "--approve")
    assert code == 0, again
    assert actions(again)["crm-staging/jumpgate-role-readonly"] == "created"
    assert jumpgate("verify", "--root", str(repo), "--target", "local")[0] == 0


def _throttle_first(n: int, operation: str) -> tuple[list[int], Any]:
    seen = [0]

    def hook(client: Any) -> None:
        def maybe_throttle(request: Any, **_: Any) -> AWSResponse | None:
            if seen[0] >= n:
                return None
            seen[0] += 1
            body = (
                b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
                b"<Message>Rate exceeded</Message></Error><RequestId>t</RequestId></ErrorResponse>"
            )
            response = AWSResponse(request.url, 400, {}, None)
            response._content = body
            return response

        client.meta.events.register(f"before-send.cloudformation.{operation}", maybe_throttle)

    return seen, hook


def test_throttling_is_retried(repo: Path, endpoint: str) -> None:
    seen, hook = _throttle_first(3, "DescribeStacks")
    target = Target("local", "eu-west-1", endpoint=endpoint, client_hooks=[hook])
    result = Engine(repo, target, Options()).run_stage("identity")
    assert result.ok, result
    assert seen[0] == 3
    # the baseline and the one group that reaches no prod account
    assert sum(1 for r in result.results if r.action == "created") == 2


def test_interrupted_deploy_reruns_to_convergence(repo: Path, endpoint: str) -> None:
    class Crash(Exception):
        pass

    def hook(client: Any) -> None:
        def crash(**_: Any) -> None:
            raise Crash("the build container was stopped")

        client.meta.events.register("before-call.cloudformation.ExecuteChangeSet", crash)

    target = Target("local", "eu-west-1", endpoint=endpoint, client_hooks=[hook])
    result = Engine(repo, target, Options(workers=2)).run_stage("identity")
    assert not result.ok
    live = stacks_in(endpoint, IDENTITY)
    assert {s["StackStatus"] for s in live.values()} == {"REVIEW_IN_PROGRESS"}
    code, doc = deploy_json(repo, "pipeline", "--approve")
    assert code == 0, doc
    assert {s["StackStatus"] for s in stacks_in(endpoint, IDENTITY).values()} == {"CREATE_COMPLETE"}
    assert jumpgate("verify", "--root", str(repo), "--target", "local")[0] == 0


def _remove_people(repo: Path, *names: str) -> None:
    for name in names:
        replace(
            repo,
            "teams/crm.yaml",
            next(
                line + "\n"
                for line in (repo / "teams/crm.yaml").read_text().splitlines()
                if line.startswith(f"  {name}: ")
            ),
            "",
        )


def test_mass_removal_guard(repo: Path, endpoint: str) -> None:
    assert deploy_json(repo, "pipeline", "--approve")[0] == 0
    _remove_people(repo, "dmitri", "fatima", "gwen")
    replace(
        repo,
        "teams/crm.yaml",
        "  - who: [carol]\n    level: exports\n    environments: [prod]\n",
        "",
    )
    _remove_people(repo, "carol")
    rerender(repo)
    code, doc = deploy_json(repo, "deploy", "--stage", "identity")
    assert code == 1
    assert "refusing to remove 4 people" in doc["stages"][0]["error"]
    users = {u["UserName"] for u in iam(endpoint, IDENTITY).list_users()["Users"]}
    assert {"carol", "dmitri", "fatima", "gwen"} <= users  # nothing was deleted
    code, doc = deploy_json(repo, "deploy", "--stage", "identity", "--allow-mass-removal")
    assert code == 0, doc
    users = {u["UserName"] for u in iam(endpoint, IDENTITY).list_users()["Users"]}
    assert not {"carol", "dmitri", "fatima", "gwen"} & users


def test_offboarding_removes_out_of_band_credentials(repo: Path, endpoint: str) -> None:
    assert deploy_json(repo, "pipeline", "--approve")[0] == 0
    creds = give_credentials(endpoint, IDENTITY, "eu-west-1", "dmitri")
    _remove_people(repo, "dmitri")
    rerender(repo)
    code, doc = deploy_json(repo, "deploy", "--stage", "identity")
    assert code == 0, doc
    removed = next(s for s in doc["stages"][0]["stacks"] if s["stack"] == "jumpgate-user-dmitri")
    assert removed["action"] == "deleted"
    assert f"access key {creds['key']}" in removed["offboarded"]
    assert any(item.startswith("MFA device") for item in removed["offboarded"])
    assert "console password" in removed["offboarded"]
    client = iam(endpoint, IDENTITY)
    assert "dmitri" not in {u["UserName"] for u in client.list_users()["Users"]}
    assert client.list_virtual_mfa_devices()["VirtualMFADevices"] == []


def test_no_approval_no_prod(repo: Path, endpoint: str) -> None:
    code, doc = deploy_json(repo, "pipeline")  # stdin is not a terminal: nobody can approve
    assert code == 1
    assert [s["stage"] for s in doc["stages"]] == ["identity", "dev", "staging"]
    assert "approval" in doc["stopped"]
    assert stacks_in(endpoint, CRM_PROD) == {}
    assert stacks_in(endpoint, CRM_STAGING)


def test_plan_changes_nothing_and_previews_offboarding(repo: Path, endpoint: str) -> None:
    assert deploy_json(repo, "pipeline", "--approve")[0] == 0
    creds = give_credentials(endpoint, IDENTITY, "eu-west-1", "gwen")
    _remove_people(repo, "gwen")
    replace(repo, "teams/crm.yaml", "  - who: [carol]\n", "  - who: [carol, bob]\n")
    rerender(repo)
    before = {n: s["Tags"] for n, s in stacks_in(endpoint, IDENTITY).items()}
    code, plan = deploy_json(repo, "plan")
    assert code == 0
    # A person leaves in the identity stage, before the approval (narrowing never waits);
    # bob joining a prod grant waits for it.
    assert planned(plan) == {
        ("prod", "jumpgate-user-bob"): "would-update",
        ("identity", "jumpgate-user-gwen"): "would-delete",
    }
    gwen = next(s for s in plan["stages"][0]["stacks"] if s["stack"] == "jumpgate-user-gwen")
    assert f"access key {creds['key']} (to remove)" in gwen["offboarded"]
    bob = next(s for s in plan["stages"][3]["stacks"] if s["stack"] == "jumpgate-user-bob")
    assert [c["action"] for c in bob["changes"]] == ["Modify"]
    assert {n: s["Tags"] for n, s in stacks_in(endpoint, IDENTITY).items()} == before
    assert "gwen" in {u["UserName"] for u in iam(endpoint, IDENTITY).list_users()["Users"]}


def test_plan_of_every_stage_reads_one_listing_per_account(repo: Path) -> None:
    accounts = 4  # identity, crm-dev, crm-staging, crm-prod
    code, fresh = deploy_json(repo, "plan")
    assert code == 0
    assert [s["stage"] for s in fresh["stages"]] == ["identity", "dev", "staging", "prod"]
    stacks = [s for stage in fresh["stages"] for s in stage["stacks"] if s["stack"] != "-"]
    new = [s for s in stacks if s["stack"].startswith("jumpgate-")]
    assert len(new) == 18 and {s["action"] for s in new} == {"would-create"}
    assert all(s["changes"] and {c["action"] for c in s["changes"]} == {"Add"} for s in new)
    # a new stack is planned from its template: no change set, one DescribeStacks per account
    assert fresh["cloudformation_write_calls"] == 0
    assert fresh["cloudformation_read_calls"] == accounts

    assert deploy_json(repo, "pipeline", "--approve")[0] == 0
    code, again = deploy_json(repo, "plan")
    assert code == 0
    assert {a for a in actions(again).values() if a.startswith("would")} == set()
    assert (again["cloudformation_write_calls"], again["cloudformation_read_calls"]) == (0, 4)

    replace(
        repo, "teams/crm.yaml", "  gwen: {", "  hugo: {name: Hugo S, email: h@x.example}\n  gwen: {"
    )
    rerender(repo)
    code, one = deploy_json(repo, "plan")
    assert code == 0
    assert {k: v for k, v in actions(one).items() if v.startswith("would")} == {
        "learnaws-identity/jumpgate-user-hugo": "would-create"
    }
    assert (one["cloudformation_write_calls"], one["cloudformation_read_calls"]) == (0, 4)
