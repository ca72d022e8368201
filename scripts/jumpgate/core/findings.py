"""Findings: what every check produces, and how findings are printed.

A finding always names the file, line and column that caused it, a stable rule id
from the catalogue (`rules.py`), and a one-line hint on how to fix it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


def severity_of_id(rule_id: str) -> Severity:
    """A rule id's first letter is its severity (the catalogue in `rules.py` keeps to it)."""
    return _SEVERITY_LETTERS[rule_id[0]]


_SEVERITY_LETTERS = {"E": Severity.ERROR, "W": Severity.WARNING, "I": Severity.INFO}


@dataclass(frozen=True, order=True)
class Finding:
    path: str  # relative to the repository root, forward slashes
    line: int  # 1-based; 0 when the whole file is concerned
    column: int  # 1-based; 0 when the whole file is concerned
    rule_id: str
    message: str
    hint: str

    @property
    def severity(self) -> Severity:
        return severity_of_id(self.rule_id)

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "rule": self.rule_id,
            "severity": self.severity.value,
            "message": self.message,
            "hint": self.hint,
        }


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(set(findings))


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)


def format_text(findings: Sequence[Finding]) -> str:
    """`path:line:col: RULE message` then an indented hint, like compilers and cfn-lint."""
    lines = []
    for f in findings:
        lines.append(f"{f.path}:{f.line}:{f.column}: {f.rule_id} {f.message}")
        lines.append(f"    hint: {f.hint}")
    return "\n".join(lines) + ("\n" if lines else "")


def format_json(findings: Sequence[Finding]) -> str:
    return json.dumps([f.as_dict() for f in findings], indent=2) + "\n"


def summary_line(findings: Sequence[Finding]) -> str:
    errors = sum(1 for f in findings if f.severity is Severity.ERROR)
    warnings = sum(1 for f in findings if f.severity is Severity.WARNING)
    return f"{errors} error(s), {warnings} warning(s)"
