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
        and ("column" not in expect or int(str(f["column"])) == expect["column"])
    ]
    assert hits, f"{case.name}: expected {expect}, got {findings}"
    if case.blocks:
        assert code == 1, f"{case.name}: an {expect['rule']} must block (exit {code})"


HOSTILE = [c for c in BAD if c.hostile]
# Refused in a fresh process, as a commit would be, with the example organization around the
# hostile file: CPU time (user + system: the machine may be shared, so wall time measures the
# neighbours; a wall-clock bound still catches a hang) and peak memory of that process alone.
MAX_SECONDS = 2.0
MAX_WALL_SECONDS = 55.0  # only a hang guard: wall time on a shared 2-core machine says little
MAX_MEGABYTES = 200


def test_every_hostile_case_is_bounded_and_there_are_some() -> None:
    assert len(HOSTILE) >= 6


# The child reports its own peak memory: RUSAGE_CHILDREN would be the largest of every
# process this test run ever waited for, and Linux keeps ru_maxrss across fork and exec (a
# child of a 360 MB pytest starts at 360 MB); VmHWM belongs to the exec'd image alone.
CHILD = (
    "import re, resource, sys\n"
    "from jumpgate.cli.check import main\n"
    "code = main(sys.argv[1:])\n"
    "usage = resource.getrusage(resource.RUSAGE_SELF)\n"
    "cpu = usage.ru_utime + usage.ru_stime\n"
    "status = open('/proc/self/status').read()\n"
    "peak = re.search(r'VmHWM:\\s+(\\d+) kB', status).group(1)\n"
    "sys.stderr.write(f'\\nusage {cpu} {peak}\\n')\n"
    "sys.exit(code)\n"
)


@pytest.mark.parametrize("case", HOSTILE, ids=[c.name for c in HOSTILE])
def test_hostile_case_is_refused_quickly_in_little_memory(case: Case, tmp_path: Path) -> None:
    import subprocess
    import sys
    import time

    root = copy_example(tmp_path / "repo")
    apply_edits(root, case)
    argv = ["--render-check", "--format", "json", "--root", str(root), "--today", TODAY]
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *argv], capture_output=True, text=True, timeout=60
    )
    seconds = time.perf_counter() - start
    assert done.returncode == 1, done.stderr
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr
    assert case.expect is not None
    assert any(f["rule"] == case.expect["rule"] for f in json.loads(done.stdout))
    cpu, peak_kb = done.stderr.rsplit("usage ", 1)[1].split()
    assert float(cpu) < MAX_SECONDS, f"{case.name}: {float(cpu):.2f} s of CPU"
    assert seconds < MAX_WALL_SECONDS, f"{case.name}: {seconds:.2f} s"
    assert int(peak_kb) / 1024 < MAX_MEGABYTES, f"{case.name}: {int(peak_kb) / 1024:.0f} MB"


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
