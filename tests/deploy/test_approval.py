"""The prod approval gates prod access, proven on the emulator by reading IAM back and
evaluating it with the access model; accounts that leave the registry leave no role behind."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from helpers import replace
from jumpgate.core.aws import DEFAULT_STRICT_ROLE
from jumpgate.deploy.clients import Target
from jumpgate.report.access import AccessPath, effective_access
from jumpgate.validate.flow import validate
from jumpgate.verify.drift import verify
from localaws_helpers import REGION, deploy_json, emulated_org, iam, planned, rerender

CRM_STAGING = "106000000006"
TODAY = dt.date(2026, 11, 29)
Path_ = tuple[str, str, str, str | None, int]


@pytest.fixture
def repo(tmp_path: Path, endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = emulated_org(tmp_path, endpoint)
    monkeypatch.setenv("JUMPGATE_LOCAL_ENDPOINT", endpoint)
    return root


def _key(path: AccessPath) -> Path_:
    return (path.person, path.account, path.level, path.expires, path.max_session_seconds)


def deployed_strict(root: Path, endpoint: str) -> set[Path_]:
    """Access into strict environments as IAM has it now, through the access model."""
    result = validate(root, TODAY)
    target = Target("local", REGION, endpoint=endpoint)
    target.split_by_approval(result.org, DEFAULT_STRICT_ROLE)
    report = verify(result.org, result.expansion, target, today=TODAY)
    return {_key(p) for p in report.paths if p.strict}


def declared_strict(root: Path) -> set[Path_]:
    result = validate(root, TODAY)
    return {_key(p) for p in effective_access(result.org, result.expansion, TODAY) if p.strict}


def test_prod_access_waits_for_the_approval(repo: Path, endpoint: str) -> None:
    assert deploy_json(repo, "pipeline", "--approve")[0] == 0
    before = deployed_strict(repo, endpoint)
    assert before == declared_strict(repo)
    # Widen prod every way a team file can: a new person who holds prod access, an existing
    # person joining a prod grant, a new prod grant, a later expiry.
    replace(
        repo,
        "teams/crm.yaml",
        "  gwen: {",
        "  hugo: {name: Hugo Silva, email: h@x.example}\n  gwen: {",
    )
    replace(repo, "teams/crm.yaml", "  - who: [carol]\n", "  - who: [carol, bob]\n")
    replace(repo, "teams/crm.yaml", "expires: 2026-12-31", "expires: 2027-01-05")
    (repo / "teams/crm.yaml").write_text(
        (repo / "teams/crm.yaml").read_text(encoding="utf-8")
        + "  - who: [dmitri]\n    group: dmitri-incident\n    level: admin\n"
        + "    accounts: [crm-prod]\n    expires: 2026-12-15\n    reason: INC-4712\n",
        encoding="utf-8",
    )
    rerender(repo)
    wanted = declared_strict(repo)
    assert wanted - before == {
        ("alice", "crm-prod", "admin", "2027-01-05", 3600),
        ("bob", "crm-prod", "crm/exports", None, 3600),
        ("dmitri", "crm-prod", "admin", "2026-12-15", 3600),
        ("hugo", "crm-prod", "readonly", None, 3600),
    }

    code, doc = deploy_json(repo, "pipeline")  # nobody approves
    assert code == 1 and "approval" in doc["stopped"]
    assert deployed_strict(repo, endpoint) == before  # nobody got anything early
    assert "hugo" not in {
        u["UserName"] for u in iam(endpoint, "100000000001").list_users()["Users"]
    }

    assert deploy_json(repo, "pipeline", "--approve")[0] == 0
    assert deployed_strict(repo, endpoint) == wanted


def test_narrowing_prod_access_does_not_wait(repo: Path, endpoint: str) -> None:
    assert deploy_json(repo, "pipeline", "--approve")[0] == 0
    replace(
        repo, "teams/crm.yaml", "  gwen: {name: Gwen Harris, email: gwen@learnaws.example}\n", ""
    )
    rerender(repo)
    code, doc = deploy_json(repo, "pipeline")
    assert code == 1 and "approval" in doc["stopped"]
    assert not {p for p in deployed_strict(repo, endpoint) if p[0] == "gwen"}
    assert "gwen" not in {
        u["UserName"] for u in iam(endpoint, "100000000001").list_users()["Users"]
    }


def access_roles(roles: list[dict[str, Any]]) -> list[str]:
    """The roles jumpgate deploys for access; the bootstrap deployer (the StackSet's, removed
    when the account leaves the OU) is not one of them."""
    return [r["RoleName"] for r in roles if not r["RoleName"].endswith("deployer")]


def test_an_account_that_leaves_keeps_no_jumpgate_role(repo: Path, endpoint: str) -> None:
    assert deploy_json(repo, "pipeline", "--approve")[0] == 0
    roles = iam(endpoint, CRM_STAGING).list_roles(PathPrefix="/jumpgate/")["Roles"]
    assert sorted(access_roles(roles)) == ["jumpgate-admin", "jumpgate-readonly"]
    (repo / "accounts" / "crm-staging.yaml").unlink()
    rerender(repo)
    code, doc = deploy_json(repo, "pipeline", "--approve")
    assert code == 0, doc
    removed = {
        s["stack"]: s["action"]
        for stage in doc["stages"]
        for s in stage["stacks"]
        if s["account"] == CRM_STAGING
    }
    assert removed == {"jumpgate-role-admin": "deleted", "jumpgate-role-readonly": "deleted"}
    assert (
        access_roles(iam(endpoint, CRM_STAGING).list_roles(PathPrefix="/jumpgate/")["Roles"]) == []
    )


def test_a_group_that_stops_reaching_prod_still_changes_only_after_the_approval(
    repo: Path, endpoint: str
) -> None:
    grant = "  - who: [bob]\n    group: ops\n    level: readonly\n    environments: [dev, prod]\n"
    crm = repo / "teams/crm.yaml"
    crm.write_text(crm.read_text(encoding="utf-8") + grant, encoding="utf-8")
    rerender(repo)
    assert deploy_json(repo, "pipeline", "--approve")[0] == 0
    group = iam(endpoint, "100000000001").get_group(GroupName="jumpgate-crm-ops")["Group"]
    assert group["Path"] == "/jumpgate/strict/"
    replace(repo, "teams/crm.yaml", "environments: [dev, prod]\n", "environments: [dev]\n")
    rerender(repo)
    # Its stack now says "identity", but only the strict deployer may change a strict group:
    # the engine converges it behind the approval.
    code, plan = deploy_json(repo, "plan")
    assert code == 0
    # The prod role's trust no longer names the group, bob's tag no longer lists it: both are
    # narrowing, and both are the prod stage's (a prod role; a person still in strict groups).
    assert planned(plan) == {
        ("prod", "jumpgate-group-crm-ops"): "would-update",
        ("prod", "jumpgate-role-readonly"): "would-update",
        ("prod", "jumpgate-user-bob"): "would-update",
    }
