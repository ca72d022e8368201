"""Benchmark: `jumpgate diff`, as the pre-commit hook and a reviewer run it. A script, not a test.

In a scratch git repository holding the example organization (or, with `--size`, a `jumpgate
synth` organization), one team file is edited and staged, then (median of N runs):

- floor: `python -c "import jumpgate"` (interpreter start-up, measured in the same run);
- hook: `python -m jumpgate.cli.diff --staged` (HEAD vs the index), as pre-commit runs it;
  the hook's cost is its median minus the floor's (budget 0.3 s for the example);
- committed: `python -m jumpgate.cli.diff HEAD~1 HEAD` after committing the edit (budget 3 s
  for a one-team change at XL).

    .venv/bin/python benchmarks/bench_diff.py [--runs 7] [--size XL]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOOK_BUDGET = 0.3  # seconds over the floor, the example organization
XL_BUDGET = 3.0  # seconds, a one-team change at XL


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def median(cmd: Sequence[str], cwd: Path, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def scratch(tmp: Path, size: str | None) -> tuple[Path, str, str, str]:
    """The repository, and the one-team edit: (root, file, old text, new text)."""
    root = tmp / "repo"
    if size is None:
        root.mkdir()
        for name in ("org", "accounts", "teams"):
            shutil.copytree(ROOT / name, root / name)
        edit = ("teams/crm.yaml", "who: [alice]\n", "who: [alice, bob]\n")
    else:
        cmd = [PYTHON, "-m", "jumpgate.cli.main", "synth", "--size", size, "--out", str(root)]
        subprocess.run(cmd, check=True, capture_output=True)
        edit = ("teams/t001.yaml", "", "")  # made by _add_member
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "--no-verify", "-m", "base")
    return (root, *edit)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per measurement (default 7)")
    parser.add_argument("--size", choices=("S", "M", "L", "XL"), help="a synthetic organization")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="jumpgate-bench-diff-") as tmp:
        root, rel, old, new = scratch(Path(tmp), args.size)
        path = root / rel
        text = path.read_text()
        if args.size is not None:
            new = _add_member(text)
        else:
            assert text.count(old) == 1, old
            new = text.replace(old, new)
        path.write_text(new)
        git(root, "add", rel)
        floor = median([PYTHON, "-c", "import jumpgate"], root, args.runs)
        hook = median([PYTHON, "-m", "jumpgate.cli.diff", "--staged"], root, args.runs)
        git(root, "commit", "-q", "--no-verify", "-m", "one-team edit")
        committed = median([PYTHON, "-m", "jumpgate.cli.diff", "HEAD~1", "HEAD"], root, args.runs)
        out = subprocess.run(
            [PYTHON, "-m", "jumpgate.cli.diff", "HEAD~1", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    label = args.size or "example"
    print(f"{label}: floor (import jumpgate) median {floor:.3f} s over {args.runs} runs")
    print(
        f"{label}: hook (diff --staged) median {hook:.3f} s: +{hook - floor:.3f} s over the floor"
    )
    print(f"{label}: diff HEAD~1 HEAD median {committed:.3f} s")
    print(f"{label}: the edit's diff: {out.splitlines()[-1]}")
    ok = hook - floor <= HOOK_BUDGET if args.size is None else committed <= XL_BUDGET
    budget = f"+{HOOK_BUDGET} s over the floor" if args.size is None else f"{XL_BUDGET} s"
    print(f"{label}: budget {budget}: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


def _add_member(text: str) -> str:
    """A synthetic team file with one more member in its first explicit grant (`- who:` with a
    block list): the team's first person not already in that list."""
    lines = text.splitlines(keepends=True)
    people = [
        line.strip().rstrip(":")
        for line in lines[lines.index("people:\n") + 1 :]
        if line.startswith("  ") and not line.startswith("   ") and line.strip().endswith(":")
    ]
    for number, line in enumerate(lines):
        if line.rstrip() != "- who:":
            continue
        members = []
        for item in lines[number + 1 :]:
            if not item.lstrip().startswith("- ") or not item.startswith("  "):
                break
            members.append(item.strip()[2:])
        newcomer = next((p for p in people if p not in members), None)
        if newcomer is not None:
            indent = lines[number + 1][: len(lines[number + 1]) - len(lines[number + 1].lstrip())]
            lines.insert(number + 1, f"{indent}- {newcomer}\n")
            return "".join(lines)
    raise SystemExit("no grant to add a member to in the synthetic team file")


if __name__ == "__main__":
    raise SystemExit(main())
