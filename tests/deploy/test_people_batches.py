"""People in batch stacks (`people_batches`), deployed by the real engine in the emulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from helpers import replace
from jumpgate.demo.journey import give_credentials
from jumpgate.emulator import control
from jumpgate.generate.people import batch_of, batch_stack_name, logical_id
from localaws_helpers import (
    IDENTITY,
    actions,
    cfn,
    deploy_json,
    emulated_org,
    iam,
    jumpgate,
    rerender,
)

BATCHES = 4
# Lab: one person whose only grant is read-only in crm-dev, so her batch needs no approval.
LAB = """team: lab
description: A team with access to one development account
people:
  nina: {name: Nina Berg, email: nina@learnaws.example}
access:
  - who: all
    level: readonly
    accounts: [crm-dev]
"""


def batch(user: str) -> str:
    return batch_stack_name("jumpgate", batch_of(user, BATCHES))


@pytest.fixture
def repo(tmp_path: Path, endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = emulated_org(tmp_path, endpoint)
    replace(
        root, "org/organization.yaml", "prefix: jumpgate\n", "prefix: jumpgate\npeople_batches: 4\n"
    )
    (root / "teams" / "lab.yaml").write_text(LAB)
    rerender(root)
    monkeypatch.setenv("JUMPGATE_LOCAL_ENDPOINT", endpoint)
    return root


def users(endpoint: str) -> dict[str, dict[str, Any]]:
    client = iam(endpoint, IDENTITY)
    found = {}
    for user in client.list_users(PathPrefix="/jumpgate/")["Users"]:
        name = user["UserName"]
        groups = client.list_groups_for_user(UserName=name)["Groups"]
        tags = client.list_user_tags(UserName=name)["Tags"]
        found[name] = {
            "groups": sorted(g["GroupName"] for g in groups),
            "tags": {t["Key"]: t["Value"] for t in tags},
        }
    return found


def _remove_person(root: Path, team: str, name: str) -> None:
    text = (root / "teams" / f"{team}.yaml").read_text()
    line = next(line for line in text.splitlines() if line.startswith(f"  {name}: "))
    replace(root, f"teams/{team}.yaml", line + "\n", "")


def test_batches_render_and_deploy_what_the_team_files_declare(repo: Path, endpoint: str) -> None:
    manifest = (repo / "cloudformation" / "manifest.json").read_text()
    assert "jumpgate-user-" not in manifest
    stages = {
        line.split('"name":"')[1].split('"')[0]: line.split('"stage":"')[1].split('"')[0]
        for line in manifest.splitlines()
        if '"name":"jumpgate-people-' in line
    }
    # nina, the only person without a prod grant, shares no batch with anyone who has one
    assert stages[batch("nina")] == "identity"
    assert {stages[batch(p)] for p in ("alice", "bob", "carol", "gwen")} == {"prod"}

    code, doc = deploy_json(repo, "pipeline", "--approve")
    assert code == 0, doc
    seen = users(endpoint)
    assert sorted(seen) == ["alice", "bob", "carol", "dmitri", "fatima", "gwen", "nina"]
    assert seen["nina"] == {
        "groups": ["jumpgate-lab-readonly-crm-dev", "jumpgate-people"],
        "tags": {
            "jumpgate:email": "nina@learnaws.example",
            "jumpgate:name": "Nina Berg",
            "jumpgate:teams": "lab",
        },
    }
    assert seen["alice"]["tags"]["jumpgate:strict-groups"] == ":b3d699a3:d122cfe4:"
    identity_stacks = {s["StackName"] for s in cfn(endpoint, IDENTITY).describe_stacks()["Stacks"]}
    assert {s for s in identity_stacks if "people-" in s} == {
        batch_stack_name("jumpgate", n) for n in range(BATCHES)
    }
    assert jumpgate("verify", "--root", str(repo), "--target", "local")[0] == 0
    code, again = deploy_json(repo, "pipeline", "--approve")
    assert code == 0
    assert set(actions(again).values()) == {"unchanged"}


def test_one_person_change_touches_one_batch(repo: Path, endpoint: str) -> None:
    assert deploy_json(repo, "pipeline", "--approve")[0] == 0
    replace(
        repo,
        "teams/crm.yaml",
        "  gwen: {",
        "  hugo: {name: Hugo Silva, email: hugo@x.example}\n  gwen: {",
    )
    rerender(repo)
    code, plan = deploy_json(repo, "plan")
    assert code == 0, plan
    changes = [c for st in plan["stages"] for s in st["stacks"] for c in s["changes"]]
    assert [(c["action"], c["label"], c["resource_type"]) for c in changes] == [
        ("Add", "hugo", "AWS::IAM::User")
    ]
    code, doc = deploy_json(repo, "pipeline", "--approve")
    assert code == 0, doc
    touched = {k: v for k, v in actions(doc).items() if v != "unchanged"}
    assert touched == {f"learnaws-identity/{batch('hugo')}": "updated"}
    assert "hugo" in users(endpoint)


def test_leaving_a_batch_behind_the_approval_loses_credentials_at_once(
    repo: Path, endpoint: str
) -> None:
    assert deploy_json(repo, "pipeline", "--approve")[0] == 0
    creds = give_credentials(endpoint, IDENTITY, "eu-west-1", "gwen")
    _remove_person(repo, "crm", "gwen")
    rerender(repo)
    # The identity stage, before any approval: gwen's batch waits (its others reach prod), her
    # credentials do not.
    code, doc = deploy_json(repo, "deploy", "--stage", "identity")
    assert code == 0, doc
    first = {s["stack"]: s for s in doc["stages"][0]["stacks"]}
    assert first[batch("gwen")]["action"] == "offboarded"
    assert f"access key {creds['key']} of gwen" in first[batch("gwen")]["offboarded"]
    assert "console password of gwen" in first[batch("gwen")]["offboarded"]
    client = iam(endpoint, IDENTITY)
    assert client.list_access_keys(UserName="gwen")["AccessKeyMetadata"] == []
    assert "gwen" in users(endpoint)  # the user itself goes with her batch, after the approval
    code, out, err = jumpgate(
        "deploy", "--root", str(repo), "--target", "local", "--stage", "prod", "--approve"
    )
    assert code == 0, out
    assert f"Remove {logical_id('gwen')} gwen [AWS::IAM::User]" in err  # the change set shown
    assert "gwen" not in users(endpoint)
    assert jumpgate("verify", "--root", str(repo), "--target", "local")[0] == 0


def test_mass_removal_guard_counts_people_in_batches(repo: Path, endpoint: str) -> None:
    assert deploy_json(repo, "pipeline", "--approve")[0] == 0
    replace(
        repo,
        "teams/crm.yaml",
        "  - who: [carol]\n    level: exports\n    environments: [prod]\n",
        "",
    )
    for person in ("carol", "dmitri", "fatima", "gwen"):
        _remove_person(repo, "crm", person)
    rerender(repo)
    code, doc = deploy_json(repo, "pipeline", "--approve")
    assert code == 1
    errors = [s["error"] for s in doc["stages"] if s["error"]]
    assert errors[0] == (
        "refusing to remove 4 people at once (carol, dmitri, fatima, gwen); the limit is 3. "
        "If this is intended, re-run with --allow-mass-removal"
    )
    assert {"carol", "dmitri", "fatima", "gwen"} <= set(users(endpoint))  # nobody was touched
    code, doc = deploy_json(repo, "pipeline", "--approve", "--allow-mass-removal")
    assert code == 0, doc
    assert not {"carol", "dmitri", "fatima", "gwen"} & set(users(endpoint))


def test_introducing_batches_on_a_deployed_organization_is_refused(
    repo: Path, endpoint: str
) -> None:
    replace(repo, "org/organization.yaml", "people_batches: 4\n", "")
    rerender(repo)
    assert deploy_json(repo, "pipeline", "--approve")[0] == 0
    replace(
        repo, "org/organization.yaml", "prefix: jumpgate\n", "prefix: jumpgate\npeople_batches: 4\n"
    )
    rerender(repo)
    before = users(endpoint)
    code, doc = deploy_json(repo, "pipeline", "--approve")
    assert code == 1
    error = doc["stages"][0]["error"]
    assert error.startswith(
        "refusing to move 7 people between stacks (alice: jumpgate-user-alice → "
    )
    assert "`people_batches` was changed or introduced on a deployed organization" in error
    assert doc["stages"][0]["stacks"] == []
    assert users(endpoint) == before


def test_repair_recreates_a_batch_member_without_touching_the_others(
    repo: Path, endpoint: str
) -> None:
    assert deploy_json(repo, "pipeline", "--approve")[0] == 0
    identity = iam(endpoint, IDENTITY)
    for group in identity.list_groups_for_user(UserName="gwen")["Groups"]:
        identity.remove_user_from_group(GroupName=group["GroupName"], UserName="gwen")
    identity.delete_user(UserName="gwen")
    identity.tag_user(UserName="alice", Tags=[{"Key": "jumpgate:teams", "Value": "bi"}])
    before = users(endpoint)
    code, out, err = jumpgate(
        "deploy", "--root", str(repo), "--target", "local", "--stage", "prod", "--repair",
        "--approve",
    )  # fmt: skip
    assert code == 0, (out, err)
    lines = [line for line in out.splitlines() if line.startswith("repair ")]
    assert lines == [
        f"repair learnaws-identity {batch('gwen')} user/alice: tags jumpgate:teams differ: TagUser",
        f"repair learnaws-identity {batch('gwen')} user/gwen: user deleted out of band (the new "
        "user has no password, MFA or keys): CreateUser",
    ]
    after = users(endpoint)
    assert after["gwen"] == {
        "groups": ["jumpgate-crm-readonly-dev-staging-prod", "jumpgate-people"],
        "tags": {
            "jumpgate:email": "gwen@learnaws.example",
            "jumpgate:name": "Gwen Harris",
            "jumpgate:strict-groups": ":d122cfe4:",
            "jumpgate:teams": "crm",
        },
    }
    assert after["alice"]["tags"]["jumpgate:teams"] == "crm"
    assert {k: v for k, v in after.items() if k not in ("alice", "gwen")} == {
        k: v for k, v in before.items() if k not in ("alice", "gwen")
    }
    assert jumpgate("verify", "--root", str(repo), "--target", "local")[0] == 0
    code, doc = deploy_json(repo, "pipeline", "--approve")
    assert code == 0 and set(actions(doc).values()) == {"unchanged"}


def test_batches_deploy_and_offboard_with_iam_enforced(repo: Path, endpoint: str) -> None:
    """Each side of the approval with only its own deployer's rights (bootstrap.yaml): the
    pre-approval deployer reads the batches and offboards; the strict one deletes the user."""
    control.enforce_iam(endpoint, True)
    try:
        code, doc = deploy_json(repo, "pipeline", "--approve")
        assert code == 0, doc
        creds = give_credentials(endpoint, IDENTITY, "eu-west-1", "gwen")
        _remove_person(repo, "crm", "gwen")
        rerender(repo)
        code, doc = deploy_json(repo, "pipeline", "--approve")
        assert code == 0, doc
        first = {s["stack"]: s for s in doc["stages"][0]["stacks"]}
        assert f"access key {creds['key']} of gwen" in first[batch("gwen")]["offboarded"]
        assert actions(doc)[f"learnaws-identity/{batch('gwen')}"] == "updated"
    finally:
        control.enforce_iam(endpoint, False)
    assert "gwen" not in users(endpoint)
    assert jumpgate("verify", "--root", str(repo), "--target", "local")[0] == 0
