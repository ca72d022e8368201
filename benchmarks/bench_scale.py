"""Benchmark: jumpgate at organization sizes S, M, L, XL (`jumpgate synth`), next to a floor.

A script, not a test. For each size it synthesizes an organization into a temporary folder and
measures, as a user runs them (fresh processes), the median wall time of N runs and the peak
RSS of:

* validate + render, from scratch: no parameter files and no cache (the full work; render
  reuses what validate recorded for the same input bytes, as it does for a user);
* render --check with nothing changed (the everyday case: caches keyed by content are warm);
* the floor: a process that only parses the same YAML input with the fastest loader available
  (libyaml through PyYAML's CSafeLoader) and writes the same output bytes to the same files,
  with the same 4 writer threads as `render`.

Before each timed run the previous run's outputs are moved aside (not deleted) and the file
system is synced: on this machine's ext4 (mounted with `discard`), creating thousands of files
right after deleting thousands is 2-3x slower for seconds, which would measure the benchmark's
own clean-up rather than jumpgate. Everything moved aside is deleted once every size is done.

    .venv/bin/python benchmarks/bench_scale.py [--sizes S M L XL] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import marshal
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import cast

REPO = Path(__file__).resolve().parent.parent
JUMPGATE = [sys.executable, "-m", "jumpgate.cli.main"]

FLOOR = r"""
import marshal, os, sys, yaml
from concurrent.futures import ThreadPoolExecutor
root, blob = sys.argv[1], sys.argv[2]
for folder in ("org", "accounts", "teams"):
    for entry in sorted(os.scandir(os.path.join(root, folder)), key=lambda e: e.name):
        with open(entry.path, "rb") as handle:
            yaml.load(handle, Loader=yaml.CSafeLoader)
with open(blob, "rb") as handle:
    outputs = marshal.load(handle)
by_folder = {}
for rel, data in outputs.items():
    by_folder.setdefault(os.path.dirname(rel), []).append((rel, data))
def write(entries):
    os.makedirs(os.path.join(root, "floor-out", os.path.dirname(entries[0][0])), exist_ok=True)
    for rel, data in entries:
        with open(os.path.join(root, "floor-out", rel), "wb") as handle:
            handle.write(data)
with ThreadPoolExecutor(4) as pool:
    list(pool.map(write, by_folder.values()))
"""


def timed(cmd: Sequence[str], cwd: Path) -> tuple[float, int, str]:
    """(wall seconds, peak RSS in MB, stderr) of one fresh process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err}")
    return wall, usage.ru_maxrss // 1024, err


def clean_outputs(root: Path, trash: Path) -> None:
    """Move the outputs and caches aside (deleted after measuring: see the module docstring)."""
    aside = trash / str(len(list(trash.iterdir())) if trash.is_dir() else 0)
    aside.mkdir(parents=True)
    for index, path in enumerate(
        (
            root / "cloudformation" / "parameters",
            root / ".jumpgate-cache",
            root / "floor-out",
            root / "cloudformation" / "manifest.json",
        )
    ):
        if path.exists():
            path.rename(aside / str(index))
    os.sync()


def measure(size: str, runs: int, work: Path) -> dict[str, object]:
    root = work / size
    subprocess.run(
        [*JUMPGATE, "synth", "--size", size, "--out", str(root), "--root", str(REPO)],
        check=True,
        stderr=subprocess.DEVNULL,
    )
    trash = work / f"{size}-trash"
    full, validate, render, full_rss, written = [], [], [], 0, 0
    for _ in range(runs):
        clean_outputs(root, trash)
        wall_v, rss_v, _ = timed([*JUMPGATE, "validate", "--root", str(root)], root)
        wall_r, rss_r, err = timed([*JUMPGATE, "render", "--root", str(root)], root)
        full.append(wall_v + wall_r)
        validate.append(wall_v)
        render.append(wall_r)
        full_rss = max(full_rss, rss_v, rss_r)
        written = int(err.split("render: ")[1].split(" written")[0])
    check, check_rss = [], 0
    for _ in range(runs):
        wall, rss, _ = timed([*JUMPGATE, "render", "--check", "--root", str(root)], root)
        check.append(wall)
        check_rss = max(check_rss, rss)
    outputs = {
        str(p.relative_to(root)): p.read_bytes() for p in (root / "cloudformation").rglob("*.json")
    }
    blob = work / f"{size}-outputs.marshal"
    blob.write_bytes(marshal.dumps(outputs))
    floor = []
    for _ in range(runs):
        clean_outputs(root, trash)
        wall, _, _ = timed([sys.executable, "-c", FLOOR, str(root), str(blob)], root)
        floor.append(wall)
    inputs = sum(1 for f in ("org", "accounts", "teams") for _ in (root / f).iterdir())
    return {
        "size": size,
        "inputs": inputs,
        "files_written": written,
        "validate_render_s": statistics.median(full),
        "validate_render_range_s": [min(full), max(full)],
        "validate_s": statistics.median(validate),
        "render_s": statistics.median(render),
        "validate_render_peak_mb": full_rss,
        "render_check_s": statistics.median(check),
        "render_check_peak_mb": check_rss,
        "floor_s": statistics.median(floor),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["S", "M", "L", "XL"])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print JSON rows instead of a table")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="jumpgate-bench-") as tmp:
        rows = [measure(size, args.runs, Path(tmp)) for size in args.sizes]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"median of {args.runs} fresh processes each; peak RSS of the largest process")
    print("budgets at XL: validate+render <= 3 s, peak <= 500 MB, render --check <= 2 s")
    header = (
        "size",
        "input files",
        "files written",
        "validate+render",
        "(min-max)",
        "(validate / render)",
        "peak MB",
        "render --check",
        "peak MB",
        "floor",
        "x floor",
    )
    print("| " + " | ".join(header) + " |")
    print("|" + " --- |" * len(header))
    for r in rows:
        ratio = float(r["validate_render_s"]) / float(r["floor_s"])  # type: ignore[arg-type]
        low, high = cast(list[float], r["validate_render_range_s"])
        print(
            f"| {r['size']} | {r['inputs']:,} | {r['files_written']:,} | "
            f"{r['validate_render_s']:.2f} s | {low:.2f}-{high:.2f} | "
            f"{r['validate_s']:.2f} / {r['render_s']:.2f} s | "
            f"{r['validate_render_peak_mb']} | "
            f"{r['render_check_s']:.2f} s | {r['render_check_peak_mb']} | "
            f"{r['floor_s']:.2f} s | {ratio:.1f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
