"""`jumpgate analyze` against the IAM Access Analyzer API contract, offline: botocore's
Stubber checks every request against the service model and answers with model-valid
responses, in the order cfn-policy-validator makes the calls."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.stub import ANY, Stubber

from corpus.runner import REPO, TODAY, copy_example
from jumpgate.cli.main import main

ANALYZER = "arn:aws:access-analyzer:eu-west-1:100000000001:analyzer/jumpgate"
GROUP_STACK = "jumpgate-group-crm-exports-prod"
ROLE_STACK = "jumpgate-role-crm-exports"


OK = {"HTTPStatusCode": 200, "RequestId": "r", "HTTPHeaders": {}, "RetryAttempts": 0}


def passed() -> dict[str, Any]:
    """A fresh PASS result (cfn-policy-validator annotates the responses it gets)."""
    return {"result": "PASS", "message": "ok", "reasons": [], "ResponseMetadata": OK}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = copy_example(tmp_path / "repo")
    shutil.copytree(REPO / "analyze", root / "analyze")
    return root


def stubbed() -> tuple[Any, Stubber]:
    client = botocore.session.get_session().create_client(
        "accessanalyzer",
        region_name="eu-west-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    return client, Stubber(client)


def expect_analyzer(stub: Stubber) -> None:
    stub.add_response(
        "list_analyzers",
        {
            "analyzers": [
                {
                    "arn": ANALYZER,
                    "name": "jumpgate",
                    "type": "ACCOUNT",
                    "createdAt": dt.datetime(2026, 1, 1),
                    "status": "ACTIVE",
                }
            ]
        },
        {"type": "ACCOUNT"},
    )


def finding(kind: str, code: str, details: str) -> dict[str, Any]:
    return {
        "findingDetails": details,
        "findingType": kind,
        "issueCode": code,
        "learnMoreLink": "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html",
        "locations": [],
    }


def run(
    repo: Path, capsys: pytest.CaptureFixture[str], client: Any, *extra: str
) -> tuple[int, list[dict[str, Any]]]:
    from jumpgate.cli import main as cli

    parser = cli.build_parser()
    args = parser.parse_args(
        ["analyze", "--root", str(repo), "--today", TODAY, "--format", "json", *extra]
    )
    args.root = repo
    args.clients = lambda service, region: {"accessanalyzer": client}[service]
    capsys.readouterr()
    code = cli.command_module("analyze").run(args)
    return code, json.loads(capsys.readouterr().out)


def test_no_credentials_is_a_clear_message(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(repo / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(repo / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", raising=False)
    code = main(["analyze", "--root", str(repo), "--today", TODAY])
    captured = capsys.readouterr()
    assert code == 2
    assert "no AWS credentials" in captured.err
    assert "Traceback" not in captured.err + captured.out


def test_group_stack_security_warning_points_at_the_grant(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client, stub = stubbed()
    expect_analyzer(stub)
    stub.add_response(
        "validate_policy",
        {"findings": [finding("SECURITY_WARNING", "PASS_ROLE_WITH_STAR_IN_RESOURCE", "x")]},
        {"policyDocument": ANY, "policyType": "IDENTITY_POLICY"},
    )
    stub.add_response(
        "check_access_not_granted",
        passed(),
        {"policyDocument": ANY, "policyType": "IDENTITY_POLICY", "access": [{"actions": ANY}]},
    )
    with stub:
        code, findings = run(repo, capsys, client, "--stack", GROUP_STACK)
        stub.assert_no_pending_responses()
    assert code == 1
    assert [(f["rule"], f["path"], f["line"]) for f in findings] == [("E802", "teams/crm.yaml", 32)]
    assert "PASS_ROLE_WITH_STAR_IN_RESOURCE" in findings[0]["message"]


def _role_calls(stub: Stubber, *, new_access: bool, granted: bool) -> None:
    expect_analyzer(stub)
    stub.add_response(
        "validate_policy",
        {"findings": []},
        {
            "policyDocument": ANY,
            "policyType": "RESOURCE_POLICY",
            "validatePolicyResourceType": "AWS::IAM::AssumeRolePolicyDocument",
        },
    )
    stub.add_response(
        "create_access_preview",
        {"id": "preview-1"},
        {"analyzerArn": ANALYZER, "configurations": ANY},
    )
    stub.add_response(
        "validate_policy",
        {"findings": [finding("SUGGESTION", "EMPTY_OBJECT_RESOURCE", "y")]},
        {"policyDocument": ANY, "policyType": "IDENTITY_POLICY"},
    )
    stub.add_response(
        "get_access_preview",
        {
            "accessPreview": {
                "id": "preview-1",
                "analyzerArn": ANALYZER,
                "configurations": {},
                "createdAt": dt.datetime(2026, 1, 1),
                "status": "COMPLETED",
            }
        },
        {"accessPreviewId": "preview-1", "analyzerArn": ANALYZER},
    )
    stub.add_response(
        "list_access_preview_findings",
        {"findings": []},
        {"accessPreviewId": "preview-1", "analyzerArn": ANALYZER},
    )
    fail = {
        "result": "FAIL",
        "message": "The policy document grants access to perform a listed action.",
        "reasons": [{"description": "s3:PutObject", "statementIndex": 1}],
        "ResponseMetadata": OK,
    }
    access = {"access": [{"actions": ANY}], "policyDocument": ANY}
    stub.add_response(
        "check_access_not_granted",
        fail if granted else passed(),
        {**access, "policyType": "IDENTITY_POLICY"},
    )
    stub.add_response(
        "check_access_not_granted", passed(), {**access, "policyType": "RESOURCE_POLICY"}
    )
    compare = {"existingPolicyDocument": ANY, "newPolicyDocument": ANY}
    grows = {
        "result": "FAIL",
        "message": "The modified permissions grant new access compared to your reference policy.",
        "reasons": [
            {"description": "New access in the statement with index: 1.", "statementIndex": 1}
        ],
        "ResponseMetadata": OK,
    }
    stub.add_response(
        "check_no_new_access",
        grows if new_access else passed(),
        {**compare, "policyType": "IDENTITY_POLICY"},
    )
    stub.add_response("check_no_new_access", passed(), {**compare, "policyType": "RESOURCE_POLICY"})


def test_prod_role_passes_against_its_reference(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client, stub = stubbed()
    _role_calls(stub, new_access=False, granted=False)
    with stub:
        code, findings = run(repo, capsys, client, "--stack", ROLE_STACK)
        stub.assert_no_pending_responses()
    assert code == 0
    assert [(f["rule"], f["path"]) for f in findings] == [("I804", "teams/crm.yaml")]


def test_prod_role_growing_access_and_never_granted_action_block(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client, stub = stubbed()
    _role_calls(stub, new_access=True, granted=True)
    with stub:
        code, findings = run(repo, capsys, client, "--stack", ROLE_STACK)
        stub.assert_no_pending_responses()
    assert code == 1
    rules = sorted(f["rule"] for f in findings)
    assert rules == ["E805", "E806", "I804"]
    assert {(f["path"], f["line"]) for f in findings} == {("teams/crm.yaml", 12)}


def _validate_role_calls(stub: Stubber, custom: bool) -> None:
    """validate (trust, access preview, custom policy) and check-access-not-granted of a role."""
    expect_analyzer(stub)
    stub.add_response("validate_policy", {"findings": []}, None)
    stub.add_response("create_access_preview", {"id": "p"}, None)
    if custom:
        stub.add_response("validate_policy", {"findings": []}, None)
    stub.add_response(
        "get_access_preview",
        {
            "accessPreview": {
                "id": "p",
                "analyzerArn": ANALYZER,
                "configurations": {},
                "createdAt": dt.datetime(2026, 1, 1),
                "status": "COMPLETED",
            }
        },
        None,
    )
    stub.add_response("list_access_preview_findings", {"findings": []}, None)
    for _ in range(2 if custom else 1):
        stub.add_response("check_access_not_granted", passed(), None)


def test_new_managed_policy_on_prod_is_found_offline(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    admin = repo / "analyze/reference/crm-prod/jumpgate-role-admin.json"
    reference = json.loads(admin.read_text())
    reference["ManagedPolicyArns"] = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    admin.write_text(json.dumps(reference))
    client, stub = stubbed()
    _validate_role_calls(stub, custom=False)
    stub.add_response("check_no_new_access", passed(), None)  # the trust policy
    with stub:
        code, findings = run(
            repo, capsys, client, "--stack", "jumpgate-role-admin", "--stage", "prod"
        )
        stub.assert_no_pending_responses()
    assert code == 1
    assert [(f["rule"], f["path"], f["line"]) for f in findings] == [
        ("E808", "org/organization.yaml", 29)
    ]


def test_missing_reference_blocks(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "analyze/reference/crm-prod/jumpgate-role-crm-exports.json").unlink()
    client, stub = stubbed()
    _validate_role_calls(stub, custom=True)
    with stub:
        code, findings = run(repo, capsys, client, "--stack", ROLE_STACK)
        stub.assert_no_pending_responses()
    assert code == 1
    assert [f["rule"] for f in findings] == ["E807"]


def test_write_references_is_offline_and_idempotent(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.rmtree(repo / "analyze" / "reference")
    assert main(["analyze", "--root", str(repo), "--today", TODAY, "--write-references"]) == 0
    assert "11 reference file(s) written" in capsys.readouterr().err
    assert main(["analyze", "--root", str(repo), "--today", TODAY, "--write-references"]) == 0
    assert "0 reference file(s) written" in capsys.readouterr().err
    for path in (REPO / "analyze" / "reference").rglob("*.json"):
        rel = path.relative_to(REPO)
        assert (repo / rel).read_text() == path.read_text(), f"{rel} is stale"
