"""Shared helpers: a copy of the example organization to edit, and ways to run jumpgate on it."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

from jumpgate.validate.flow import validate

REPO = Path(__file__).resolve().parents[1]
TODAY = "2026-11-28"
DATA_DIRS = ("org", "accounts", "teams")

Row = tuple[str, int, int, str, str]


def copy_org(source: Path, target: Path) -> Path:
    """The data files and the rendered files of an organization, copied into `target`."""
    for name in DATA_DIRS:
        shutil.copytree(source / name, target / name)
    rendered = source / "cloudformation"
    if (rendered / "parameters").is_dir():
        shutil.copytree(rendered / "parameters", target / "cloudformation" / "parameters")
    if (rendered / "manifest.json").is_file():
        shutil.copy2(rendered / "manifest.json", target / "cloudformation" / "manifest.json")
    if (source / ".github" / "CODEOWNERS").is_file():  # rendered too (generate/codeowners.py)
        (target / ".github").mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / ".github" / "CODEOWNERS", target / ".github" / "CODEOWNERS")
    return target


def replace(root: Path, rel: str, old: str, new: str, count: int = 1) -> None:
    """Replace text that occurs exactly `count` times (so an edit never silently misses)."""
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == count, f"{old!r} occurs {text.count(old)} times in {rel}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def append(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def rows(root: Path, today: str = TODAY) -> list[Row]:
    """The findings of `jumpgate.validate.flow.validate` as (path, line, column, rule, message)."""
    result = validate(root, dt.date.fromisoformat(today))
    return [(f.path, f.line, f.column, f.rule_id, f.message) for f in result.findings]


def run(*argv: str) -> tuple[int, str, str]:
    """`jumpgate ARGV` in this process: (exit code, stdout, stderr)."""
    from jumpgate.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def validate_json(root: Path, *extra: str) -> tuple[int, list[dict[str, Any]]]:
    """`jumpgate validate --format json`: (exit code, findings)."""
    code, out, _ = run(
        "validate", "--root", str(root), "--format", "json", "--today", TODAY, *extra
    )
    findings: list[dict[str, Any]] = json.loads(out)
    return code, findings


def validate_rows(root: Path) -> tuple[int, list[Row]]:
    """`jumpgate validate --format json` as (exit code, [(path, line, column, rule, message)])."""
    code, findings = validate_json(root)
    return code, [(f["path"], f["line"], f["column"], f["rule"], f["message"]) for f in findings]


# --- stacks, as the manifest lists them, parsed by cfn-policy-validator ----------------------

TEMPLATES = REPO / "cloudformation" / "templates"
GOLDEN_SMALL_ORG = REPO / "tests" / "golden" / "small-org" / "expected"


def manifest_stacks(root: Path) -> list[dict[str, Any]]:
    """The stacks of a rendered organization's manifest (templates always come from REPO)."""
    manifest = json.loads((root / "cloudformation" / "manifest.json").read_text(encoding="utf-8"))
    stacks: list[dict[str, Any]] = manifest["stacks"]
    return stacks


_PARSED: dict[tuple[Path, str], dict[str, Any]] = {}


def parsed(root: Path, stack: dict[str, Any]) -> dict[str, Any]:
    """cfn-policy-validator's offline parse of one stack (cached: ~30 ms each)."""
    from jumpgate.gate.cfnparse import parse_offline, prepare, read_parameter_file

    key = (root, stack["parameter_file"])
    if key not in _PARSED:
        stack_input = prepare(
            (REPO / stack["template"]).read_text(encoding="utf-8"),
            read_parameter_file(root / stack["parameter_file"]),
            region=stack["region"],
            account_id=stack["account_id"],
        )
        _PARSED[key] = parse_offline(stack_input)
    return _PARSED[key]
