"""Benchmark: `jumpgate validate` and `jumpgate render --check` on the example organization.

A script, not a test. Prints the median wall time of N runs of each command (as a user runs
it: a fresh process), next to a baseline measured in the same run: a Python process that only
imports jumpgate's dependencies and exits (the floor any CLI in Python pays).

    .venv/bin/python benchmarks/bench_validate_render.py [--runs 11] [--root DIR]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def wall(cmd: Sequence[str], runs: int, cwd: Path) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            cmd, cwd=cwd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        times.append(time.perf_counter() - start)
    return times


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--root", type=Path, default=ROOT)
    args = parser.parse_args(argv)
    python = sys.executable
    jumpgate = [python, "-m", "jumpgate.cli.main"]
    root = str(args.root)
    cases = {
        "baseline: python + imports only": [python, "-c", "import ruamel.yaml, jsonschema, rich"],
        "jumpgate validate": [*jumpgate, "validate", "--root", root],
        "jumpgate render --check": [*jumpgate, "render", "--check", "--root", root],
        "validate && render --check": [
            "sh",
            "-c",
            f"{' '.join(jumpgate)} validate --root {root} "
            f"&& {' '.join(jumpgate)} render --check --root {root}",
        ],
    }
    results = {name: statistics.median(wall(cmd, args.runs, ROOT)) for name, cmd in cases.items()}
    base = results["baseline: python + imports only"]
    print(f"{'case':<34} {'median s':>9} {'x baseline':>11}   ({args.runs} runs each)")
    for name, median in results.items():
        print(f"{name:<34} {median:>9.3f} {median / base:>11.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
