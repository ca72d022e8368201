"""`jumpgate onboard PERSON`: the page, its JSON and its ~/.aws/config — and that config run by
the real AWS CLI (v1, a development dependency) against the emulator with IAM enforcement on:
every granted role's profile works, with the user name as session name; a role the person does
not hold is denied."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import TODAY, run
from jumpgate.demo.journey import give_credentials, mfa_code
from jumpgate.emulator import control
from localaws_helpers import IDENTITY, REGION, emulated_org, jumpgate

AWS = str(Path(sys.executable).with_name("aws"))
CRM_DEV, CRM_STAGING, CRM_PROD = "105000000005", "106000000006", "107000000007"


def test_onboarding_page_of_a_person_with_an_expiring_grant(org: Path) -> None:
    code, out, err = run("onboard", "alice", "--root", str(org), "--today", TODAY)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[:3] == [
        "# Access to learnaws AWS: Alice Martin (alice)",
        "",
        "Sign in: <https://100000000001.signin.aws.amazon.com/console> as IAM user `alice`.",
    ]
    assert (
        "| `crm-prod-admin` | crm-prod (prod) | admin | 2026-12-31 | 1 h; MFA ≤ 1 h old | "
        "[Switch Role](https://signin.aws.amazon.com/switchrole?roleName=jumpgate/jumpgate-admin"
        "&account=107000000007&displayName=crm-prod%20admin&color=F2B0A9) |"
    ) in lines
    assert "--password-reset-required" in out
    assert [line for line in lines if line.startswith("| `")] == [
        line for line in lines if line.startswith("| `crm-")
    ]


def test_onboarding_json_and_the_config_alone(org: Path) -> None:
    code, out, _ = run("onboard", "carol", "--root", str(org), "--format", "json", "--today", TODAY)
    assert code == 0
    page = json.loads(out)
    assert {
        k: page[k] for k in ("signin_url", "mfa_serial", "base_profile", "session_profile")
    } == {
        "signin_url": "https://100000000001.signin.aws.amazon.com/console",
        "mfa_serial": "arn:aws:iam::100000000001:mfa/carol",
        "base_profile": "learnaws",
        "session_profile": "learnaws-mfa",
    }
    assert [
        (r["profile"], r["duration_seconds"], r["max_session_seconds"]) for r in page["roles"]
    ] == [
        ("crm-dev-readonly", 3600, 43200),
        ("crm-staging-readonly", 3600, 28800),
        ("crm-prod-crm-exports", 3600, 3600),
        ("crm-prod-readonly", 3600, 3600),
    ]
    code, config, _ = run("onboard", "carol", "--root", str(org), "--aws-config", "--today", TODAY)
    assert code == 0 and config == page["aws_config"]
    assert (
        "[profile crm-prod-readonly]\n"
        "source_profile = learnaws-mfa\n"
        "role_arn = arn:aws:iam::107000000007:role/jumpgate/jumpgate-readonly\n"
        "role_session_name = carol\n"
        "duration_seconds = 3600\n"
        "region = eu-west-1\n"
    ) in config
    assert (
        "[profile learnaws-mfa]\nregion = eu-west-1\n"
        "credential_process = aws-vault exec learnaws --json\n" in config
    )


def test_source_identity_roles_have_no_switch_role_link(org: Path) -> None:
    path = org / "org" / "organization.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("    strict: true\n", "    strict: true\n    require_source_identity: true\n"),
        encoding="utf-8",
    )
    code, out, err = run(
        "onboard", "carol", "--root", str(org), "--format", "json", "--today", TODAY
    )
    assert code == 0, err
    prod = [r for r in json.loads(out)["roles"] if r["environment"] == "prod"]
    assert [(r["switch_role_url"], r["console_note"]) for r in prod] == [
        (
            None,
            "not from the console: the role requires SourceIdentity, which Switch Role cannot "
            "set; use the CLI profile",
        )
    ] * 2


def test_unknown_person_is_a_usage_error(org: Path) -> None:
    assert run("onboard", "zed", "--root", str(org)) == (
        2,
        "",
        "jumpgate: error: unknown person 'zed': not in any team file\n",
    )


def _aws(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [AWS, *argv], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_the_generated_config_works_with_the_real_aws_cli(
    tmp_path: Path, endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = emulated_org(tmp_path, endpoint)
    monkeypatch.setenv("JUMPGATE_LOCAL_ENDPOINT", endpoint)
    assert jumpgate("pipeline", "--root", str(root), "--target", "local", "--approve")[0] == 0
    # The administrator's part: a key and an MFA device for carol (boto3, as with the AWS CLI).
    creds = give_credentials(endpoint, IDENTITY, REGION, "carol")
    # The credential process: GetSessionToken with MFA through the AWS CLI itself (aws-vault's
    # part on a laptop; the code is what carol's authenticator app shows now).
    code_now = mfa_code(endpoint, creds["seed"])
    helper = (
        f"{AWS} sts get-session-token --profile {{base}} --serial-number {{mfa_serial}} "
        f"--token-code {code_now} --output json --query "
        '"{Version: `1`, AccessKeyId: Credentials.AccessKeyId, SecretAccessKey: '
        "Credentials.SecretAccessKey, SessionToken: Credentials.SessionToken, "
        'Expiration: Credentials.Expiration}"'
    )
    code, config, err = jumpgate(
        "onboard", "carol", "--root", str(root), "--aws-config", "--credential-process", helper
    )
    assert code == 0, err
    not_granted = f"arn:aws:iam::{CRM_PROD}:role/jumpgate/jumpgate-admin"
    config += (
        f"[profile not-granted]\nsource_profile = learnaws-mfa\nrole_arn = {not_granted}\n"
        "role_session_name = carol\nregion = eu-west-1\n"
    )
    (tmp_path / "config").write_text(config, encoding="utf-8")
    (tmp_path / "credentials").write_text(
        f"[learnaws]\naws_access_key_id = {creds['key']}\n"
        f"aws_secret_access_key = {creds['secret']}\n",
        encoding="utf-8",
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    control.enforce_iam(endpoint, True)
    try:
        seen = {}
        for profile in (
            "crm-dev-readonly",
            "crm-staging-readonly",
            "crm-prod-crm-exports",
            "crm-prod-readonly",
        ):
            done = _aws(env, "sts", "get-caller-identity", "--profile", profile)
            assert done.returncode == 0, done.stderr
            seen[profile] = json.loads(done.stdout)["Arn"]
        denied = _aws(env, "sts", "get-caller-identity", "--profile", "not-granted")
    finally:
        control.enforce_iam(endpoint, False)
    assert seen == {
        "crm-dev-readonly": f"arn:aws:sts::{CRM_DEV}:assumed-role/jumpgate-readonly/carol",
        "crm-staging-readonly": f"arn:aws:sts::{CRM_STAGING}:assumed-role/jumpgate-readonly/carol",
        "crm-prod-crm-exports": f"arn:aws:sts::{CRM_PROD}:assumed-role/jumpgate-crm-exports/carol",
        "crm-prod-readonly": f"arn:aws:sts::{CRM_PROD}:assumed-role/jumpgate-readonly/carol",
    }
    assert denied.returncode == 255
    assert "An error occurred (AccessDenied) when calling the AssumeRole operation" in denied.stderr
