"""Benchmark: `jumpgate access` at organization sizes S..XL, next to a floor in the same run.

A script, not a test. For each size it synthesizes an organization (`jumpgate synth`), renders
it once (so the caches a user has are warm), then measures the median wall time of N fresh
processes of:

* the floor: the validate flow in a fresh process (`jumpgate.validate.flow.validate`: loading
  with the repository's caches warm, cross-file rules and the expansion — what any answer about
  the organization costs; `jumpgate validate` itself would answer from its result cache);
* `jumpgate access --format json` (the model: every group and trust policy evaluated);
* `jumpgate access --format html` (the model plus the access page).

Budget (issue 10): `jumpgate access --format json` at XL in at most 3 s.

    .venv/bin/python benchmarks/bench_access.py [--sizes S XL] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

JUMPGATE = [sys.executable, "-m", "jumpgate.cli.main"]


def median_wall(cmd: Sequence[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr[-400:]!r}")
    return statistics.median(times)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["S", "M", "L", "XL"])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"{'size':<4} {'paths':>7} {'floor s':>8} {'json s':>7} {'html s':>7} {'json/floor':>11}")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "org"
            subprocess.run(
                [*JUMPGATE, "synth", "--size", size, "--out", str(root)],
                check=True,
                capture_output=True,
            )
            subprocess.run(
                [*JUMPGATE, "render", "--root", str(root)], check=True, capture_output=True
            )
            at = ["--root", str(root)]
            flow = (
                "import sys; from pathlib import Path; from jumpgate.validate.flow import "
                "validate; validate(Path(sys.argv[1]))"
            )
            floor = median_wall([sys.executable, "-c", flow, str(root)], args.runs)
            as_json = median_wall([*JUMPGATE, "access", *at, "--format", "json"], args.runs)
            page = Path(tmp) / "access.html"
            as_html = median_wall(
                [*JUMPGATE, "access", *at, "--format", "html", "--out", str(page)], args.runs
            )
            out = subprocess.run(
                [*JUMPGATE, "access", *at, "--format", "json"], check=True, capture_output=True
            ).stdout
            paths = out.count(b'"person"')
            print(
                f"{size:<4} {paths:>7} {floor:>8.2f} {as_json:>7.2f} {as_html:>7.2f} "
                f"{as_json / floor:>11.2f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
