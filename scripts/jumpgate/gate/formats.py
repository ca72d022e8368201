"""Machine formats for findings: JUnit XML (CodeBuild test reports) and SARIF 2.1.0 (code
review annotations). Text and JSON live in findings.py."""

from __future__ import annotations

import json
from collections.abc import Sequence
from xml.etree import ElementTree as ET

from jumpgate import __version__
from jumpgate.core.findings import Finding, Severity
from jumpgate.core.rules import RULES

FORMATS = ("text", "json", "junit", "sarif")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _where(f: Finding) -> str:
    return f"{f.path}:{f.line}:{f.column}" if f.line else f.path


def junit(findings: Sequence[Finding], suite: str = "jumpgate") -> str:
    """One test case per finding (errors fail it; warnings and infos pass with output); one
    passing case when there is nothing to report, so the report is never empty."""
    errors = [f for f in findings if f.severity is Severity.ERROR]
    root = ET.Element("testsuites", name=suite, tests=str(max(1, len(findings))))
    root.set("failures", str(len(errors)))
    node = ET.SubElement(
        root,
        "testsuite",
        name=suite,
        tests=str(max(1, len(findings))),
        failures=str(len(errors)),
        errors="0",
        skipped="0",
    )
    if not findings:
        ET.SubElement(node, "testcase", classname=suite, name="no findings", time="0")
    for f in findings:
        case = ET.SubElement(
            node, "testcase", classname=f.path, name=f"{f.rule_id} {_where(f)}", time="0"
        )
        text = f"{_where(f)}: {f.rule_id} {f.message}\nhint: {f.hint}"
        if f.severity is Severity.ERROR:
            failure = ET.SubElement(case, "failure", message=f.message, type=f.rule_id)
            failure.text = text
        else:
            ET.SubElement(case, "system-out").text = f"{f.severity.value}: {text}"
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def sarif(findings: Sequence[Finding], tool: str = "jumpgate") -> str:
    used = sorted({f.rule_id for f in findings})
    rules = [
        {
            "id": rule_id,
            "name": rule_id,
            "shortDescription": {"text": RULES[rule_id].title if rule_id in RULES else rule_id},
            "help": {"text": RULES[rule_id].hint if rule_id in RULES else ""},
            "defaultConfiguration": {
                "level": _SARIF_LEVEL[RULES[rule_id].severity] if rule_id in RULES else "error"
            },
        }
        for rule_id in used
    ]
    results = []
    for f in findings:
        location: dict[str, object] = {"artifactLocation": {"uri": f.path}}
        if f.line:
            location["region"] = {"startLine": f.line, "startColumn": max(1, f.column)}
        results.append(
            {
                "ruleId": f.rule_id,
                "ruleIndex": used.index(f.rule_id),
                "level": _SARIF_LEVEL[f.severity],
                "message": {"text": f"{f.message} (hint: {f.hint})"},
                "locations": [{"physicalLocation": location}],
            }
        )
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": tool,
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"


def render_findings(fmt: str, findings: Sequence[Finding], tool: str = "jumpgate") -> str:
    if fmt == "junit":
        return junit(findings, tool)
    if fmt == "sarif":
        return sarif(findings, tool)
    raise ValueError(f"unknown format {fmt!r}")
