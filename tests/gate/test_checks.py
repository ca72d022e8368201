"""Policy rules beyond the corpus: rules that only a broken builder could trigger, the action
database (offline, fast, no false positives on AWS's job-function policies), suppression."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from corpus.runner import REPO, TODAY, copy_example
from jumpgate.cli.main import main
from jumpgate.gate import run as checks
from jumpgate.gate.checks import iamdb, r_session, r_unknown
from jumpgate.gate.checks import targets as targets_module
from jumpgate.gate.checks.base import CUSTOM, Context, Target
from jumpgate.generate.policies import compact_group_policy
from jumpgate.validate.flow import validate

DAY = dt.date.fromisoformat(TODAY)


def run_check(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict[str, Any]]]:
    capsys.readouterr()
    code = main(["check", "--root", str(root), "--today", TODAY, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def test_example_org_has_no_findings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = copy_example(tmp_path / "repo")
    shutil.copytree(REPO / "analyze", root / "analyze")
    assert run_check(root, capsys) == (0, [])


def test_prod_change_without_its_reference_warns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy_example(tmp_path / "repo")
    shutil.copytree(REPO / "analyze", root / "analyze")
    crm = root / "teams/crm.yaml"
    crm.write_text(crm.read_text().replace("s3:PutObject]", "s3:PutObject, s3:DeleteObject]"))
    main(["render", "--root", str(root), "--today", TODAY])
    code, findings = run_check(root, capsys)
    assert code == 0
    assert [(f["rule"], f["path"], f["line"]) for f in findings] == [("W725", "teams/crm.yaml", 12)]
    assert "custom policy" in findings[0]["message"]
    assert main(["analyze", "--root", str(root), "--today", TODAY, "--write-references"]) == 0
    assert run_check(root, capsys) == (0, [])


def test_trust_policy_of_anything_but_the_identity_account(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = targets_module.trust_policy

    def tampered(role: Any, identity: str, path: str) -> dict[str, Any]:
        doc = real(role, identity, path)
        doc["Statement"][0]["Principal"] = {"AWS": ["arn:aws:iam::999999999999:root", "*"]}
        return doc

    monkeypatch.setattr(targets_module, "trust_policy", tampered)
    code, findings = run_check(copy_example(tmp_path / "repo"), capsys)
    assert code == 1
    assert {f["rule"] for f in findings} == {"E718", "E719"}
    assert {f["path"] for f in findings} == {"org/organization.yaml", "teams/crm.yaml"}


def test_group_policy_without_mfa(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = targets_module.group_policy

    def tampered(group: Any, path: str) -> dict[str, Any]:
        doc = real(group, path)
        doc["Statement"][0]["Condition"] = {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}
        return doc

    monkeypatch.setattr(targets_module, "group_policy", tampered)
    code, findings = run_check(copy_example(tmp_path / "repo"), capsys)
    assert code == 1
    assert {f["rule"] for f in findings} == {"E716"}
    crm = [f for f in findings if f["path"] == "teams/crm.yaml"]
    assert sorted(f["line"] for f in crm) == [26, 29, 32, 35]  # every grant of the team


@pytest.mark.parametrize(
    ("change", "rules"),
    [
        ("compact", set()),  # the compact form of every group: accepted
        ("no-condition", {"E717"}),  # a wildcard account alone: any account
        ("foreign-account", {"E717"}),  # narrowed, but to an account not in accounts/
        ("any-role", {"E717"}),  # a wildcard role name
    ],
)
def test_group_policy_wildcard_account_only_with_resource_account(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    change: str,
    rules: set[str],
) -> None:
    def tampered(group: Any, path: str) -> dict[str, Any]:
        doc = compact_group_policy(group, path)
        statement = doc["Statement"][0]
        if change == "no-condition":
            del statement["Condition"]["StringEquals"]
        elif change == "foreign-account":
            statement["Condition"]["StringEquals"]["aws:ResourceAccount"].append("999999999999")
        elif change == "any-role":
            statement["Resource"] = statement["Resource"].rsplit("/", 1)[0] + "/*"
        return doc

    monkeypatch.setattr(targets_module, "group_policy", tampered)
    code, findings = run_check(copy_example(tmp_path / "repo"), capsys)
    assert {f["rule"] for f in findings} == rules
    assert code == (1 if rules else 0)


def test_session_longer_than_the_environment() -> None:
    result = validate(Path(__file__).resolve().parents[2], DAY)
    exp = result.expansion
    key = next(k for k, r in exp.roles.items() if r.account == "crm-prod")
    exp.roles[key] = dataclasses.replace(exp.roles[key], max_session_seconds=7200)
    ctx = Context(result.org, exp, DAY, "100000000001")
    hits = list(r_session.check_org(ctx))
    assert [(h.rule_id, h.source.doc.path) for h in hits] == [
        ("E720", exp.roles[key].level.source.doc.path)
    ]


def test_level_asking_longer_sessions_is_info(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy_example(tmp_path / "repo")
    org = root / "org/organization.yaml"
    text = org.read_text()
    org.write_text(
        text.replace(
            "    description: Read security configuration for audits\n",
            "    description: Read security configuration for audits\n"
            "    max_session_seconds: 28800\n",
        )
    )
    code, findings = run_check(root, capsys)
    assert code == 0
    assert {(f["rule"], f["line"]) for f in findings} == {("I721", 49)}


def test_policy_close_to_its_size_limit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = copy_example(tmp_path / "repo")
    crm = root / "teams/crm.yaml"
    arns = ", ".join(f"arn:aws:s3:::learnaws-crm-exports/part-{i:03d}/*" for i in range(80))
    crm.write_text(
        crm.read_text().replace(
            "Resource: arn:aws:s3:::learnaws-crm-exports/*\n", f"Resource: [{arns}]\n"
        )
    )
    main(["render", "--root", str(root), "--today", TODAY])
    code, findings = run_check(root, capsys)
    assert code == 0
    assert [(f["rule"], f["line"]) for f in findings] == [("W724", 15)]


def test_suppression_limited_to_a_sid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = copy_example(tmp_path / "repo")
    crm = root / "teams/crm.yaml"
    crm.write_text(
        crm.read_text().replace(
            "Resource: arn:aws:s3:::learnaws-crm-exports/*\n",
            'Resource: "*"\n    suppress:\n'
            "      - {rule: E708, sid: ListExportBucket, reason: the wrong statement named}\n",
        )
    )
    code, findings = run_check(root, capsys)
    assert code == 1
    assert sorted((f["rule"], f["line"]) for f in findings) == [("E708", 23), ("W731", 26)]


def test_action_database_is_offline_and_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the action database must not touch the network")

    monkeypatch.setattr(socket, "create_connection", no_network)
    iamdb.load_index()
    start = time.perf_counter()
    for _ in range(1000):
        assert iamdb.lookup("s3:GetObject") is not None
        assert iamdb.lookup("s3:GetObjekt") is None
    per_lookup = (time.perf_counter() - start) / 2000
    assert per_lookup < 0.0005
    assert iamdb.suggest("s3:GetObjekt") == "s3:GetObject"
    assert iamdb.known_service("iam") and not iamdb.known_service("s3x")
    assert len(iamdb.expand("s3:Get*")) > 20


JOB_FUNCTION = ("ViewOnlyAccess", "Billing")


def _managed(name: str) -> dict[str, Any]:
    moto_policies = pytest.importorskip("moto.iam.aws_managed_policies")
    data: dict[str, Any] = json.loads(moto_policies.aws_managed_policies_data)
    document: dict[str, Any] = data[name]["Document"]
    return document


@pytest.mark.parametrize("name", JOB_FUNCTION)
def test_no_unknown_action_in_aws_job_function_policies(name: str) -> None:
    """AWS's own job-function policies (moto's bundled copies) name only actions the database
    knows. (The judgment rules — write on "*" and the like — are for custom policies: managed
    policies are referenced by ARN and judged by their level, see docs/gate.md.)"""
    result = validate(Path(__file__).resolve().parents[2], DAY)
    ctx = Context(result.org, result.expansion, DAY, "100000000001")
    level = result.org.levels["readonly"]
    target = Target(CUSTOM, name, _managed(name), level.source, ("policy",), True, ("prod",))
    from jumpgate.gate.checks import r_resource_type

    hits = [*r_unknown.check_policy(target, ctx), *r_resource_type.check_policy(target, ctx)]
    assert hits == []


def test_managed_policies_are_not_checked_by_content() -> None:
    result = validate(Path(__file__).resolve().parents[2], DAY)
    kinds = {
        t.kind
        for t in targets_module.build_targets(
            Context(result.org, result.expansion, DAY, "100000000001")
        )
    }
    assert kinds == {"custom policy", "group policy", "trust policy"}
    assert checks.run_checks(result.org, result.expansion, DAY).findings == []


def test_reference_differences_name_each_part() -> None:
    """W725's message names what differs: managed policies, custom policy, trust policy."""
    from jumpgate.gate.checks import r_reference

    result = validate(Path(__file__).resolve().parents[2], DAY)
    ctx = Context(result.org, result.expansion, DAY, "100000000001")
    role = next(r for r in result.expansion.roles.values() if r.level.name == "exports")
    trust = r_reference.trust_policy(role, ctx.identity_id, result.org.path)
    same = {"ManagedPolicyArns": [], "IdentityPolicies": {"p": role.level.policy}}
    assert r_reference._differences(role, {**same, "TrustPolicy": trust}, ctx) == []
    assert r_reference._differences(role, {}, ctx) == ["custom policy", "trust policy"]
    changed = {"ManagedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"], "TrustPolicy": {}}
    assert r_reference._differences(role, {**same, **changed}, ctx) == [
        "managed policies",
        "trust policy",
    ]
