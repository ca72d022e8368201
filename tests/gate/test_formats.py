"""JUnit XML (CodeBuild reports) and SARIF 2.1.0 output of validate / check."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from corpus.runner import TODAY, copy_example
from jumpgate.cli.main import main
from jumpgate.core.findings import Finding
from jumpgate.gate.formats import junit, sarif

FINDINGS = [
    Finding("teams/crm.yaml", 23, 20, "E702", "unknown action 's3:GetObjekt'", "did you mean?"),
    Finding("teams/crm.yaml", 29, 19, "W703", "grants nothing", "match actions to ARNs"),
    Finding("teams/huge.yaml", 0, 0, "E005", "is 2,000,000 bytes", "split the file"),
]


def test_junit_errors_fail_and_warnings_pass() -> None:
    root = ET.fromstring(junit(FINDINGS))
    suite = root.find("testsuite")
    assert suite is not None
    assert suite.get("tests") == "3" and suite.get("failures") == "2"
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [
        "E702 teams/crm.yaml:23:20",
        "W703 teams/crm.yaml:29:19",
        "E005 teams/huge.yaml",
    ]
    failure = cases[0].find("failure")
    assert failure is not None and failure.get("type") == "E702"
    assert cases[1].find("failure") is None and cases[1].find("system-out") is not None


def test_junit_without_findings_has_one_passing_case() -> None:
    suite = ET.fromstring(junit([])).find("testsuite")
    assert suite is not None
    assert suite.get("failures") == "0"
    assert [c.get("name") for c in suite.findall("testcase")] == ["no findings"]


def test_sarif_results_rules_and_regions() -> None:
    log = json.loads(sarif(FINDINGS))
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["E005", "E702", "W703"]
    levels = [r["level"] for r in run["results"]]
    assert levels == ["error", "warning", "error"]
    first = run["results"][0]["locations"][0]["physicalLocation"]
    assert first == {
        "artifactLocation": {"uri": "teams/crm.yaml"},
        "region": {"startLine": 23, "startColumn": 20},
    }
    assert "region" not in run["results"][2]["locations"][0]["physicalLocation"]
    for result in run["results"]:
        rule = run["tool"]["driver"]["rules"][result["ruleIndex"]]
        assert rule["id"] == result["ruleId"]


@pytest.mark.parametrize("command", ["validate", "check"])
@pytest.mark.parametrize("fmt", ["junit", "sarif"])
def test_commands_write_the_formats(
    command: str, fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy_example(tmp_path / "repo")
    crm = root / "teams/crm.yaml"
    crm.write_text(crm.read_text().replace("accounts: [crm-prod]", "accounts: [crm-prd]"))
    capsys.readouterr()
    code = main([command, "--root", str(root), "--today", TODAY, "--format", fmt])
    out = capsys.readouterr().out
    assert code == 1
    if fmt == "junit":
        assert "E206 teams/crm.yaml:37:" in out
        ET.fromstring(out)
    else:
        assert json.loads(out)["runs"][0]["results"][0]["ruleId"] == "E206"
