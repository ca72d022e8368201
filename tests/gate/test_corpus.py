"""The corpora through the CLI: every bad case produces its finding (rule, file, line) and
blocks when its rule is an error; every good case produces nothing at all."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from corpus.runner import TODAY, Case, apply_edits, copy_example, load_cases
from jumpgate.cli.main import main
from jumpgate.gate import hooks

BAD = load_cases("bad.yaml")
GOOD = load_cases("good.yaml")
LINE = re.compile(r"^(?P<path>[^:\s]+):(?P<line>\d+):(?P<column>\d+): (?P<rule>[EWI]\d+) ")


def _parse_text(text: str) -> list[dict[str, object]]:
    out = []
    for raw in text.splitlines():
        match = LINE.match(raw)
        if match:
            out.append({**match.groupdict(), "line": int(match["line"])})
    return out


def run_case(
    case: Case, root: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, list[dict[str, object]]]:
    touched = apply_edits(root, case)
    capsys.readouterr()
    if case.hook == "check":
        if case.render:
            main(["render", "--root", str(root), "--today", TODAY])
            capsys.readouterr()
        code = main(
            ["check", "--render-check", "--root", str(root), "--today", TODAY, "--format", "json"]
        )
        return code, json.loads(capsys.readouterr().out)
    monkeypatch.chdir(root)
    code = hooks.main([case.hook, *touched])
    return code, _parse_text(capsys.readouterr().out)


def test_corpus_is_large_enough() -> None:
    assert len(BAD) >= 40
    assert len({c.name for c in BAD}) == len(BAD)
    assert len(GOOD) >= 8


@pytest.mark.parametrize("case", BAD, ids=[c.name for c in BAD])
def test_bad_case(
    case: Case,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert case.expect is not None
    root = copy_example(tmp_path / "repo")
    code, findings = run_case(case, root, capsys, monkeypatch)
    expect = case.expect
    hits = [
        f
        for f in findings
        if f["rule"] == expect["rule"]
        and f["path"] == expect["path"]
        and ("line" not in expect or f["line"] == expect["line"])
    ]
    assert hits, f"{case.name}: expected {expect}, got {findings}"
    if case.blocks:
        assert code == 1, f"{case.name}: an {expect['rule']} must block (exit {code})"


@pytest.mark.parametrize("case", GOOD, ids=[c.name for c in GOOD])
def test_good_case(
    case: Case,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = copy_example(tmp_path / "repo")
    code, findings = run_case(case, root, capsys, monkeypatch)
    assert findings == [], f"{case.name}: {findings}"
    assert code == 0
