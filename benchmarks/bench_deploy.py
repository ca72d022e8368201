"""Benchmark: the deploy engine against the local emulator, on the example organization.

A script, not a test. On a scratch copy of the repository and a private emulator:
1. the first full pipeline (every stack created);
2. a no-op pipeline (nothing changed) N times: wall time, CloudFormation calls, write calls
   (must be 0: the hash on each stack is compared after one DescribeStacks per account);
3. a one-person change (add a person to a team, render, pipeline; then remove them again) N
   times: wall time, stacks touched, CloudFormation write calls.

    .venv/bin/python benchmarks/bench_deploy.py [--runs 5]

Measured in-process (no interpreter start-up); the `jumpgate pipeline` CLI adds ~1 s of imports.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from jumpgate.demo.journey import IGNORE
from jumpgate.deploy.clients import Target
from jumpgate.deploy.engine import Engine, Options, StageResult
from jumpgate.emulator import control
from jumpgate.generate.render import rendered_files, write
from jumpgate.validate.flow import validate

ROOT = Path(__file__).resolve().parent.parent
NEWCOMER = "  zoe: {name: Zoe Adams, email: zoe@learnaws.example}\n"


def pipeline(root: Path, endpoint: str) -> tuple[float, list[StageResult], Target]:
    target = Target("local", "eu-west-1", endpoint=endpoint)
    started = time.perf_counter()
    engine = Engine(root, target, Options())
    results = []
    for stage in engine.stages:
        outcome = engine.run_stage(stage)
        results.append(outcome)
        if not outcome.ok:
            raise SystemExit(f"stage {stage} failed: {outcome}")
    return time.perf_counter() - started, results, target


def render(root: Path) -> None:
    result = validate(root)
    assert result.ok
    write(root, rendered_files(result.org, result.expansion))


def touched(results: list[StageResult]) -> list[str]:
    return [f"{r.account}/{r.stack}:{r.action}" for s in results for r in s.results if r.touched]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="jumpgate-bench-")) / "repo"
    shutil.copytree(ROOT, scratch, ignore=IGNORE)
    server, _ = control.up(scratch)
    try:
        org = validate(scratch).org
        identity = next(a.id for a in org.accounts.values() if a.is_identity)
        control.bootstrap_accounts(
            server.endpoint, {a.name: a.id for a in org.accounts.values()}, identity, org.region
        )
        first, results, target = pipeline(scratch, server.endpoint)
        stacks = sum(len(s.results) for s in results)
        print(
            f"first pipeline: {first:.2f} s, {stacks} stacks, "
            f"{target.cfn_writes()} CloudFormation write calls"
        )

        noop_times, noop_calls, noop_writes = [], [], []
        for _ in range(args.runs):
            took, results, target = pipeline(scratch, server.endpoint)
            assert not touched(results), touched(results)
            noop_times.append(took)
            noop_calls.append(sum(n for op, n in target.calls.items() if op.startswith("cloudf")))
            noop_writes.append(target.cfn_writes())
        print(
            f"no-op pipeline: median {statistics.median(noop_times):.2f} s over {args.runs} "
            f"runs (min {min(noop_times):.2f}), CloudFormation calls "
            f"{statistics.median(noop_calls):.0f} (reads), write calls {max(noop_writes)}"
        )

        team = scratch / "teams" / "crm.yaml"
        original = team.read_text()
        change_times, change_touched, change_writes = [], [], []
        for i in range(args.runs):
            adding = i % 2 == 0
            team.write_text(
                original.replace("people:\n", "people:\n" + NEWCOMER, 1) if adding else original
            )
            render(scratch)
            took, results, target = pipeline(scratch, server.endpoint)
            change_times.append(took)
            change_touched.append(touched(results))
            change_writes.append(target.cfn_writes())
        print(
            f"one-person change: median {statistics.median(change_times):.2f} s over "
            f"{args.runs} runs (min {min(change_times):.2f}); stacks touched per run "
            f"{sorted({len(t) for t in change_touched})} ({change_touched[0]} / "
            f"{change_touched[1] if len(change_touched) > 1 else ''}); CloudFormation write "
            f"calls per run {sorted(set(change_writes))}"
        )
    finally:
        control.down(scratch)
        shutil.rmtree(scratch.parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
