"""A command line that protects its user: the repository found like git, `--root` before or
after the command, `--target auto` never writing to real AWS, the gate and the approval before
a deploy, exit 2 for an unreachable account, a plan on stdout in a stable order.

"Real AWS" here is the emulator reached through AWS_ENDPOINT_URL with made-up credentials:
the commands cannot tell it from AWS, and no test needs an AWS account."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError

from helpers import REPO, TODAY, replace, run
from jumpgate.demo.journey import give_credentials
from jumpgate.deploy.clients import Target
from localaws_helpers import IDENTITY, emulated_org, jumpgate, rerender

CRM_DEV = "105000000005"
MOTO_CALLER = "arn:aws:sts::123456789012:user/moto"
REFUSED = (
    "jumpgate: error: --target auto: no local emulator is running and AWS credentials are "
    "configured; refusing to write to real AWS without --target aws (or start the emulator: "
    "`jumpgate local-aws up`)\n"
)


@pytest.fixture
def repo(org: Path) -> Path:
    """The example organization with its templates: everything a deploy reads."""
    shutil.copytree(REPO / "cloudformation" / "templates", org / "cloudformation" / "templates")
    return org


@pytest.fixture
def no_target(monkeypatch: pytest.MonkeyPatch) -> None:
    """No emulator named by the environment, no AWS profile or endpoint of the developer's."""
    for name in ("JUMPGATE_LOCAL_ENDPOINT", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")


@pytest.fixture
def aws_credentials(no_target: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE01")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example-secret")


# --- the repository -------------------------------------------------------------------------


def test_root_before_or_after_the_command(org: Path) -> None:
    expected = (0, "", "no findings\n")
    assert run("--root", str(org), "validate", "--today", TODAY) == expected
    assert run("validate", "--root", str(org), "--today", TODAY) == expected
    assert run("--root", str(org / "nowhere"), "validate") == (
        2,
        "",
        f"jumpgate: error: --root {org / 'nowhere'} is not a directory\n",
    )


def test_the_repository_is_found_from_a_subfolder_and_nothing_is_written_there(
    org: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(org / "teams")
    assert run("validate", "--today", TODAY) == (0, "", "no findings\n")
    code, out, _ = run("access", "--person", "carol", "--format", "json", "--today", TODAY)
    assert code == 0 and json.loads(out)
    assert sorted(p.name for p in (org / "teams").iterdir()) == [
        "bi.yaml",
        "crm.yaml",
        "it.yaml",
        "marketing.yaml",
    ]
    assert (org / ".jumpgate-cache").is_dir()


def test_no_repository_is_a_usage_error_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.chdir(empty)
    assert run("validate") == (
        2,
        "",
        f"jumpgate: error: not inside a jumpgate repository: no org/organization.yaml in {empty} "
        "or any folder above it; run jumpgate there or pass --root DIR\n",
    )
    assert list(empty.iterdir()) == []
    code, out, _ = run("rules", "--format", "json")  # needs no repository
    assert code == 0 and json.loads(out)


# --- --target auto never writes to real AWS -------------------------------------------------


def test_auto_with_credentials_and_no_emulator_refuses_to_write(
    repo: Path, aws_credentials: None
) -> None:
    assert run("deploy", "--root", str(repo), "--stage", "identity", "--today", TODAY) == (
        2,
        "",
        REFUSED,
    )
    code, out, err = run("pipeline", "--root", str(repo), "--today", TODAY)
    assert (code, out) == (2, "")
    assert err.endswith(f"parameter files up to date\n{REFUSED}")


def test_auto_with_neither_emulator_nor_credentials(org: Path, no_target: None) -> None:
    assert run("verify", "--root", str(org)) == (
        2,
        "",
        "jumpgate: error: no local emulator is running and no AWS credentials are configured: "
        "start the emulator (`jumpgate local-aws up`) or configure credentials and pass "
        "--target aws\n",
    )


def test_auto_reads_aws_only_after_naming_the_account(
    tmp_path: Path, endpoint: str, aws_credentials: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = emulated_org(tmp_path, endpoint)
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)  # "real AWS"
    code, out, err = jumpgate("plan", "--root", str(root), "--stage", "identity")
    assert code == 0
    assert err.splitlines()[0] == (
        f"jumpgate: --target auto, read only: reading REAL AWS account 123456789012 as "
        f"{MOTO_CALLER}"
    )
    assert "would-create learnaws-identity / jumpgate-baseline" in out
    code, _, err = jumpgate("verify", "--root", str(root), "--target", "aws", "--format", "json")
    assert err.splitlines()[0] == (
        f"jumpgate: --target aws: reading REAL AWS account 123456789012 as {MOTO_CALLER}"
    )


def test_auto_prefers_a_running_emulator_over_credentials(
    tmp_path: Path, endpoint: str, aws_credentials: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = emulated_org(tmp_path, endpoint)
    monkeypatch.setenv("JUMPGATE_LOCAL_ENDPOINT", endpoint)
    code, _, err = jumpgate("deploy", "--root", str(root), "--stage", "identity")
    assert code == 0, err
    assert err.splitlines()[0] == (
        f"jumpgate: --target auto: using the LOCAL EMULATOR at {endpoint}; nothing reaches real AWS"
    )


# --- the gate and the approval --------------------------------------------------------------


def test_deploy_runs_the_gate_first(repo: Path, aws_credentials: None) -> None:
    replace(repo, "teams/crm.yaml", "    level: exports\n", "    level: exprots\n")
    code, out, err = run("deploy", "--root", str(repo), "--stage", "identity", "--today", TODAY)
    assert code == 1
    assert out.startswith("teams/crm.yaml:33:12: E207 unknown access level 'exprots'")
    assert err.endswith(
        "jumpgate: deploy refused: the gate (jumpgate check --render-check) found errors; "
        "nothing deployed\n"
    )


def test_stale_parameter_files_refuse_deploy_and_pipeline(
    repo: Path, aws_credentials: None
) -> None:
    replace(repo, "teams/crm.yaml", "  - who: [carol]\n", "  - who: [carol, bob]\n")
    for command in (["deploy", "--stage", "identity"], ["pipeline"]):
        code, out, err = run(*command, "--root", str(repo), "--today", TODAY)
        assert code == 1
        assert out.split("\n")[0] == (
            "cloudformation/manifest.json:43:1: E601 differs from what the team files render"
        )
        assert "refused: the gate (jumpgate check --render-check) found errors" in err


def test_a_strict_stage_needs_the_approval(repo: Path, aws_credentials: None) -> None:
    assert run("deploy", "--root", str(repo), "--stage", "prod", "--today", TODAY) == (
        2,
        "",
        "jumpgate: error: stage prod deploys a strict environment (prod): it needs the manual "
        "approval; re-run with --approve\n",
    )
    # With the approval, the next guard speaks: auto does not write to real AWS.
    assert run("deploy", "--root", str(repo), "--stage", "prod", "--approve", "--today", TODAY) == (
        2,
        "",
        REFUSED,
    )


# --- exit codes -----------------------------------------------------------------------------


def _unreachable(account_id: str, monkeypatch: pytest.MonkeyPatch, method: str) -> None:
    original = getattr(Target, method)

    def broken(self: Target, *args: Any) -> Any:
        if args[0] == account_id:
            raise EndpointConnectionError(endpoint_url="https://sts.amazonaws.com/")
        return original(self, *args)

    monkeypatch.setattr(Target, method, broken)


def test_an_unreachable_account_exits_2_in_deploy(
    tmp_path: Path, endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = emulated_org(tmp_path, endpoint)
    _unreachable(CRM_DEV, monkeypatch, "credentials")
    monkeypatch.setenv("JUMPGATE_LOCAL_ENDPOINT", endpoint)
    code, out, err = jumpgate("deploy", "--root", str(root), "--stage", "dev", "--target", "local")
    assert (code, out) == (2, "")
    assert err == (
        "jumpgate: error: cannot reach account crm-dev (105000000005): Could not connect to the "
        'endpoint URL: "https://sts.amazonaws.com/"\n'
        "jumpgate: nothing deployed\n"
    )


def test_a_stage_reaches_only_its_own_accounts(
    tmp_path: Path, endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On AWS a strict account has no pre-approval deployer and a non-strict one no strict
    deployer: a stage must not need any account it does not deploy to (it did: every stage
    checked every account first, so no stage could run against a real organization)."""
    root = emulated_org(tmp_path, endpoint)
    _unreachable(CRM_DEV, monkeypatch, "credentials")
    monkeypatch.setenv("JUMPGATE_LOCAL_ENDPOINT", endpoint)
    code, _, err = jumpgate(
        "deploy", "--root", str(root), "--stage", "identity", "--target", "local"
    )
    assert code == 0
    assert "cannot reach" not in err
    assert "created learnaws-identity / jumpgate-baseline" in err


def test_a_connection_error_in_verify_reports_that_account_and_every_other(
    tmp_path: Path, endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = emulated_org(tmp_path, endpoint)
    monkeypatch.setenv("JUMPGATE_LOCAL_ENDPOINT", endpoint)
    assert jumpgate("pipeline", "--root", str(root), "--target", "local", "--approve")[0] == 0
    _unreachable(CRM_DEV, monkeypatch, "client")
    code, out, _ = jumpgate("verify", "--root", str(root), "--target", "local", "--format", "json")
    assert code == 2
    document = json.loads(out)
    assert [(f["path"], f["rule"], f["message"]) for f in document["findings"]] == [
        (
            "iam://crm-dev",
            "E914",
            'crm-dev: Could not connect to the endpoint URL: "https://sts.amazonaws.com/"',
        )
    ]
    assert document["matrix"]["alice"] == {
        "crm-dev": ["admin?", "readonly?"],  # its roles could not be read
        "crm-prod": ["admin*", "readonly"],
        "crm-staging": ["admin", "readonly"],
    }


# --- plan -----------------------------------------------------------------------------------


def test_plan_is_on_stdout_in_a_stable_order_and_reads_as_a_plan(
    tmp_path: Path, endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = emulated_org(tmp_path, endpoint)
    monkeypatch.setenv("JUMPGATE_LOCAL_ENDPOINT", endpoint)
    # everyone in crm holds prod read-only: their user stacks deploy behind the approval
    assert jumpgate("pipeline", "--root", str(root), "--approve")[0] == 0
    key = give_credentials(endpoint, IDENTITY, "eu-west-1", "gwen")["key"]
    replace(
        root, "teams/crm.yaml", "  gwen: {name: Gwen Harris, email: gwen@learnaws.example}\n", ""
    )
    replace(root, "teams/crm.yaml", "  - who: [carol]\n", "  - who: [carol, bob]\n")
    replace(
        root,
        "teams/crm.yaml",
        "  bob: {",
        "  hugo: {name: Hugo Silva, email: h@x.example}\n  bob: {",
    )
    rerender(root)
    # a leaver goes in the identity stage (narrowing does not wait for the approval)
    code, out, err = jumpgate("plan", "--root", str(root), "--stage", "identity")
    assert code == 0
    assert out.split("Deploy summary")[0] == (
        "   would-delete learnaws-identity / jumpgate-user-gwen\n"
        f"                  offboarded: would remove access key {key}\n"
        "                  offboarded: would remove MFA device gwen\n"
    )
    assert "jumpgate-user-gwen" not in err  # the plan itself is on stdout only
    assert jumpgate("plan", "--root", str(root), "--stage", "identity")[1] == out
    # who gains prod access waits for the approval: the prod stage, in a stable order
    code, out, _ = jumpgate("plan", "--root", str(root), "--stage", "prod")
    assert code == 0
    assert out.split("Deploy summary")[0] == (
        "   would-update learnaws-identity / jumpgate-user-bob\n"
        "                  Modify User [AWS::IAM::User]\n"
        "   would-create learnaws-identity / jumpgate-user-hugo\n"
        "                  Add User [AWS::IAM::User]\n"
    )
    assert jumpgate("plan", "--root", str(root), "--stage", "prod")[1] == out
