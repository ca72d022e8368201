"""Benchmark: the deploy engine against the emulator's realistic mode — estimated real-AWS time.

For each size (a `jumpgate synth` organization): start a private emulator in realistic mode
(`control.up(realistic=True, time_scale=F)`: AWS's latencies × F, rates ÷ F, docs/facts.md),
bootstrap its accounts, run every stage once (the first deploy), then a one-team change (a
member added to a grant) through every stage. Reported per stage: measured emulator seconds
/ F = estimated real-AWS seconds, stacks, the busiest account's stacks, API calls, throttled
calls, retried errors, failures. botocore's retry back-off is scaled by F in this process too
(the harness compresses time; the engine is unchanged).

    .venv/bin/python benchmarks/bench_realistic.py --sizes S M --time-scale 0.1
    .venv/bin/python benchmarks/bench_realistic.py --sizes M --people-batches 0 10

Sizes too large for this machine are extrapolated from the measured per-account rate of the
largest size run (`--model XL`), and printed as a model, not a measurement.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from botocore.retries import standard

from jumpgate.core.aws import DEFAULT_STRICT_ROLE
from jumpgate.deploy.clients import Target
from jumpgate.deploy.engine import WORKERS, Engine, Options
from jumpgate.emulator import control
from jumpgate.generate.expand import strict_stage
from jumpgate.model.organization import Organization
from jumpgate.validate.flow import validate

ROOT = Path(__file__).resolve().parent.parent
JUMPGATE = str(ROOT / ".venv" / "bin" / "jumpgate")
EDITED_TEAM = "teams/t001.yaml"


def one_member_more(text: str) -> str | None:
    """The team file with one of its people added to its first grant that lists people by
    name (a one-team change as a user makes it); None when every grant says `who: all`."""
    people = re.findall(r"^  ([a-z0-9.]+):\n    name:", text, flags=re.MULTILINE)
    grant = re.search(r"^- who:\n((?:  - [a-z0-9.]+\n)+)", text, flags=re.MULTILINE)
    if grant is None:
        return None
    listed = set(re.findall(r"  - ([a-z0-9.]+)\n", grant.group(1)))
    newcomer = next((p for p in people if p not in listed), None)
    if newcomer is None:
        return None
    at = grant.end(1)
    return text[:at] + f"  - {newcomer}\n" + text[at:]


BACKOFF_SCALE = [1.0]  # the phase's time scale (the first deploy and the change may differ)


def scale_botocore_backoff(scale: float) -> None:
    BACKOFF_SCALE[0] = scale
    if getattr(standard.ExponentialBackoff.delay_amount, "scaled", False):
        return
    original = standard.ExponentialBackoff.delay_amount

    def delay_amount(self: Any, context: Any) -> float:
        return float(original(self, context)) * BACKOFF_SCALE[0]

    delay_amount.scaled = True  # type: ignore[attr-defined]

    standard.ExponentialBackoff.delay_amount = delay_amount  # type: ignore[method-assign]


def run_all(
    root: Path, endpoint: str, org: Organization, scale: float, workers: int
) -> list[dict[str, Any]]:
    target = Target("local", org.region, endpoint=endpoint, time_scale=scale)
    target.split_by_approval(org, DEFAULT_STRICT_ROLE)  # each side its own deployers, as on AWS
    engine = Engine(root, target, Options(workers=workers))
    first_strict = strict_stage(org)
    rows = []
    for stage in engine.stages:
        if stage == first_strict:
            target.enter_post_approval()
        before_calls = sum(target.calls.values())
        before_throttles = sum(target.throttles.values())
        before_retries = sum(target.retried.values())
        started = time.perf_counter()
        outcome = engine.run_stage(stage)
        took = time.perf_counter() - started
        per_account = Counter(s.account_id for s in engine.stacks if s.stage == stage)
        rows.append(
            {
                "stage": stage,
                "real_s": took / scale,
                "stacks": sum(per_account.values()),
                "accounts": len(per_account),
                "busiest": max(per_account.values(), default=0),
                "touched": sum(r.touched for r in outcome.results),
                "calls": sum(target.calls.values()) - before_calls,
                "throttled": sum(target.throttles.values()) - before_throttles,
                "retried": sum(target.retried.values()) - before_retries,
                "failed": sum(r.failed for r in outcome.results),
                "attempts>1": sum(r.attempts > 1 for r in outcome.results),
                "ok": outcome.ok,
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    return rows


def measure(
    size: str, scale: float, base: Path, batches: int | None, workers: int, change_scale: float
) -> dict[str, Any]:
    root = base / f"synth-{size}-{batches}"
    extra = [] if batches is None else ["--people-batches", str(batches)]
    subprocess.run(
        [JUMPGATE, "synth", "--size", size, "--out", str(root), *extra],
        check=True,
        capture_output=True,
    )
    subprocess.run([JUMPGATE, "render", "--root", str(root)], check=True, capture_output=True)
    server, _ = control.up(root, realistic=True, time_scale=scale)
    try:
        org = validate(root).org
        identity = next(a.id for a in org.accounts.values() if a.is_identity)
        control.bootstrap_accounts(
            server.endpoint,
            {a.name: a.id for a in org.accounts.values()},
            identity,
            org.region,
            strict_accounts=org.strict_account_ids(),
        )
        time.sleep(10 * scale)  # the bootstrap roles propagate (a StackSet made them long before)
        first = run_all(root, server.endpoint, org, scale, workers)
        edited = one_member_more((root / EDITED_TEAM).read_text())
        if edited is None:
            raise SystemExit(f"{size}: no grant of {EDITED_TEAM} lists people to add one to")
        (root / EDITED_TEAM).write_text(edited)
        subprocess.run([JUMPGATE, "render", "--root", str(root)], check=True, capture_output=True)
        # The change phase may run at another scale: its scans are many short calls, whose
        # emulator CPU time a small F would inflate (÷ F) far more than the waits it compresses.
        control.configure_realistic(server.endpoint, {"time_scale": change_scale})
        scale_botocore_backoff(change_scale)
        change = run_all(root, server.endpoint, org, change_scale, workers)
        scale_botocore_backoff(scale)
        stats = control.realistic_state(server.endpoint)["stats"]
    finally:
        control.down(root)
    return {
        "size": size,
        "people_batches": batches,
        "workers": workers,
        "time_scale": scale,
        "change_time_scale": change_scale,
        "first": first,
        "change": change,
        "emulator": stats,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["S", "M"])
    parser.add_argument("--time-scale", type=float, default=0.1)
    parser.add_argument(
        "--people-batches",
        type=int,
        nargs="+",
        default=[None],
        metavar="N",
        help="run each size with these people_batches values (0: one stack per person; "
        "default: synth's default for the size)",
    )
    parser.add_argument(
        "--change-time-scale",
        type=float,
        default=None,
        help="time scale of the one-team change (default: --time-scale)",
    )
    parser.add_argument(
        "--workers", type=int, default=WORKERS, help=f"the engine's workers (default {WORKERS})"
    )
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON")
    args = parser.parse_args()
    scale_botocore_backoff(args.time_scale)
    base = Path(tempfile.mkdtemp(prefix="jumpgate-realistic-"))
    results = []
    try:
        for size in args.sizes:
            for batches in args.people_batches:
                change_scale = args.change_time_scale or args.time_scale
                results.append(
                    measure(size, args.time_scale, base, batches, args.workers, change_scale)
                )
                first = sum(r["real_s"] for r in results[-1]["first"])
                change = sum(r["real_s"] for r in results[-1]["change"])
                print(
                    f"{size} (people_batches {batches}): first deploy ≈ {first / 60:.1f} min "
                    f"real AWS, one-team change ≈ {change:.0f} s",
                    flush=True,
                )
    finally:
        shutil.rmtree(base, ignore_errors=True)
    if args.out:
        args.out.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
