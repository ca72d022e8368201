"""Benchmark: `jumpgate plan` of a whole organization against the local emulator, at scale.

A script, not a test. For the example organization (the baseline, measured in the same run)
and a `jumpgate synth` organization (default XL: 1,000 accounts, 7,387 stacks), each in a
scratch copy with its own emulator on 127.0.0.1:

1. `jumpgate local-aws up` (emulator start, validate, every account's bootstrap role);
2. `jumpgate plan` (every stage) of the never-deployed organization, N runs: every stack is
   "would-create" from its template, no change set;
3. the whole organization deployed (in-process engine, timed once), then `jumpgate plan` with
   nothing changed, N runs: reads only;
4. a one-team change (a member added to one of teams/t001's grants; crm for the example),
   rendered, then `jumpgate plan`, N runs: change sets for the changed stacks only.

Each plan is a fresh `jumpgate plan --format json` process, as a user runs it. CloudFormation
calls are counted by the engine's botocore `before-call` hook (`cloudformation_read_calls`,
`cloudformation_write_calls` in the JSON output) and divided by the manifest's accounts.

    .venv/bin/python benchmarks/bench_plan_scale.py [--size XL] [--runs 3]

Deploying XL into the emulator takes about 12 minutes on the 2-core machine; `--no-deploy`
skips steps 3 and 4, and `--deployed DIR` measures steps 3 and 4 on a synth organization
already deployed in DIR's running emulator (`jumpgate local-aws up --root DIR`, then a
pipeline) instead of deploying one (the edit is undone afterwards).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
JUMPGATE = str(VENV / "bin" / "jumpgate")
PYTHON = str(VENV / "bin" / "python")
EDITS = {
    "example": ("teams/crm.yaml", "  - who: [carol]\n", "  - who: [carol, bob]\n"),
    "synth": (
        "teams/t001.yaml",
        "  - ada.quist\n  level: admin\n",
        "  - ada.quist\n  - ada.cruz1\n  level: admin\n",
    ),
}
DEPLOY = """
import sys, time
from pathlib import Path
from jumpgate.deploy.clients import Target
from jumpgate.deploy.engine import Engine, Options
from jumpgate.emulator import control
root = Path(sys.argv[1])
target = Target("local", sys.argv[2], endpoint=control.running_endpoint(root))
engine = Engine(root, target, Options(workers=8))
for stage in engine.stages:
    outcome = engine.run_stage(stage)
    if not outcome.ok:
        raise SystemExit(f"stage {stage} failed")
print(sum(1 for _ in engine.stacks))
"""


def sh(cmd: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, check=False, capture_output=True, text=True)


def example_repo(base: Path) -> Path:
    root = base / "example"
    for folder in ("org", "accounts", "teams", "cloudformation"):
        shutil.copytree(ROOT / folder, root / folder)
    return root


def synth_repo(base: Path, size: str) -> Path:
    root = base / f"synth-{size}"
    done = sh([JUMPGATE, "synth", "--size", size, "--out", str(root)])
    if done.returncode:
        raise SystemExit(done.stderr)
    if sh([JUMPGATE, "render", "--root", str(root)]).returncode:
        raise SystemExit("render failed")
    return root


def plan(root: Path) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    done = sh([JUMPGATE, "plan", "--root", str(root), "--target", "local", "--format", "json"])
    took = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"plan failed: {done.stderr[-2000:]}")
    return took, json.loads(done.stdout)


def plans(root: Path, runs: int, accounts: int) -> dict[str, Any]:
    times, reads, writes = [], [], []
    document: dict[str, Any] = {}
    for _ in range(runs):
        took, document = plan(root)
        times.append(took)
        reads.append(document["cloudformation_read_calls"])
        writes.append(document["cloudformation_write_calls"])
    counted = Counter(s["action"] for stage in document["stages"] for s in stage["stacks"])
    return {
        "median": statistics.median(times),
        "reads": max(reads),
        "per_account": max(reads) / accounts,
        "writes": max(writes),
        "actions": dict(counted),
    }


def measure(name: str, root: Path, region: str, runs: int, deploy: bool) -> dict[str, Any]:
    manifest = json.loads((root / "cloudformation" / "manifest.json").read_text())
    accounts = len({s["account_id"] for s in manifest["stacks"]})
    row: dict[str, Any] = {"org": name, "accounts": accounts, "stacks": len(manifest["stacks"])}
    started = time.perf_counter()
    up = sh([JUMPGATE, "local-aws", "up", "--root", str(root)])
    row["up"] = time.perf_counter() - started
    if up.returncode:
        raise SystemExit(up.stderr)
    try:
        row["new"] = plans(root, runs, accounts)
        if deploy:
            started = time.perf_counter()
            done = sh([PYTHON, "-c", DEPLOY, str(root), region])
            row["deploy"] = time.perf_counter() - started
            if done.returncode:
                raise SystemExit(done.stderr[-2000:])
            row["noop"] = plans(root, runs, accounts)
            rel, old, new = EDITS["example" if name == "example" else "synth"]
            path = root / rel
            text = path.read_text()
            assert text.count(old) == 1, f"{rel}: the edit's anchor is missing"
            path.write_text(text.replace(old, new))
            if sh([JUMPGATE, "render", "--root", str(root)]).returncode:
                raise SystemExit("render failed after the edit")
            row["change"] = plans(root, runs, accounts)
    finally:
        sh([JUMPGATE, "local-aws", "down", "--root", str(root)])
    return row


def measure_deployed(root: Path, runs: int) -> dict[str, Any]:
    manifest = json.loads((root / "cloudformation" / "manifest.json").read_text())
    accounts = len({s["account_id"] for s in manifest["stacks"]})
    row: dict[str, Any] = {
        "org": root.name,
        "accounts": accounts,
        "stacks": len(manifest["stacks"]),
    }
    row["noop"] = plans(root, runs, accounts)
    rel, old, new = EDITS["synth"]
    path = root / rel
    text = path.read_text()
    assert text.count(old) == 1, f"{rel}: the edit's anchor is missing"
    try:
        path.write_text(text.replace(old, new))
        if sh([JUMPGATE, "render", "--root", str(root)]).returncode:
            raise SystemExit("render failed after the edit")
        row["change"] = plans(root, runs, accounts)
    finally:
        path.write_text(text)
        sh([JUMPGATE, "render", "--root", str(root)])
    return row


def show(rows: list[dict[str, Any]]) -> None:
    print(f"{'org':10} {'accounts':>8} {'stacks':>6} {'up s':>6} {'deploy s':>9}")
    for row in rows:
        deploy = f"{row['deploy']:9.1f}" if "deploy" in row else f"{'-':>9}"
        up = f"{row['up']:6.1f}" if "up" in row else f"{'-':>6}"
        print(f"{row['org']:10} {row['accounts']:8} {row['stacks']:6} {up} {deploy}")
    print()
    print(
        f"{'org':10} {'plan':24} {'median s':>8} {'CFN reads':>9} {'/account':>8} "
        f"{'writes':>6}  actions"
    )
    labels = {"new": "never deployed", "noop": "deployed, no change", "change": "one-team change"}
    for row in rows:
        for key, label in labels.items():
            if key in row:
                p = row[key]
                actions = ", ".join(f"{a} {n}" for a, n in sorted(p["actions"].items()))
                print(
                    f"{row['org']:10} {label:24} {p['median']:8.2f} {p['reads']:9} "
                    f"{p['per_account']:8.2f} {p['writes']:6}  {actions}"
                )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=("S", "M", "L", "XL"), default="XL")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-deploy", action="store_true", help="plan the new organizations only")
    parser.add_argument(
        "--deployed", type=Path, metavar="DIR", help="an already deployed synth org"
    )
    args = parser.parse_args()
    os.environ.pop("JUMPGATE_LOCAL_ENDPOINT", None)
    base = Path(tempfile.mkdtemp(prefix="jumpgate-plan-scale-"))
    try:
        rows = [
            measure("example", example_repo(base), "eu-west-1", args.runs, not args.no_deploy),
            measure(
                args.size,
                synth_repo(base, args.size),
                "eu-west-1",
                args.runs,
                not (args.no_deploy or args.deployed),
            ),
        ]
        if args.deployed:
            rows.append(measure_deployed(args.deployed.resolve(), args.runs))
    finally:
        shutil.rmtree(base, ignore_errors=True)
    show(rows)
    over = [r for r in rows if any(r.get(k, {}).get("median", 0) > 60 for k in ("new", "noop"))]
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
