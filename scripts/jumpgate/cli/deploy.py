"""`jumpgate deploy --stage S`: converge one stage's stacks through change sets.

The gate comes first (`jumpgate check --render-check`: validate, the policy rules, stale
generated files): on an error nothing is deployed. A stage with a strict environment (prod)
needs `--approve`, the manual approval `pipeline` asks for before it. `--repair` then writes
back what was changed by hand on the stage's resources (`cli/repair.py`).
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from jumpgate.cli.common import failing, report, today
from jumpgate.cli.target import (
    add_deploy_arguments,
    resolve_target,
    unreachable,
)
from jumpgate.deploy.clients import Target, TargetError
from jumpgate.deploy.engine import WORKERS, Engine, Options, StageResult
from jumpgate.deploy.pacing import PER_ACCOUNT
from jumpgate.deploy.repair import RepairOutcome
from jumpgate.deploy.report import Reporter, emit
from jumpgate.deploy.stack import load_manifest
from jumpgate.generate.expand import strict_stage
from jumpgate.generate.manifest import ManifestError
from jumpgate.model.organization import Organization

HELP = "deploy one stage: change sets for changed stacks, removals after, summary at the end"
EXIT_TARGET = 2  # the target cannot be chosen or reached: nothing was attempted


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stage", required=True, help="stage to deploy (see the manifest)")
    parser.add_argument(
        "--approve",
        action="store_true",
        help="the manual approval a stage with a strict environment (prod) needs",
    )
    add_repair_argument(parser)
    add_deploy_arguments(parser)


def add_repair_argument(parser: argparse.ArgumentParser) -> None:
    from jumpgate.cli.repair import HELP as REPAIR_HELP

    parser.add_argument("--repair", action="store_true", help=REPAIR_HELP)


def strict_stages(org: Organization) -> dict[str, list[str]]:
    """Stage -> its strict environments (the ones a deploy needs an approval for)."""
    stages: dict[str, list[str]] = {}
    for name, env in org.environments.items():
        if env.strict:
            stages.setdefault(env.stage, []).append(name)
    return stages


def passes_gate(args: argparse.Namespace, command: str) -> Organization | None:
    """The organization when `jumpgate check --render-check` finds no error; else None, with
    the findings printed."""
    from jumpgate.cli.check import gate  # the policy rules load only for deploying commands

    checked = gate(args.root, today(args))
    if failing(checked.findings, "error"):
        report(checked.findings, "json" if args.format == "json" else "text")
        print(
            f"jumpgate: {command} refused: the gate (jumpgate check --render-check) found "
            "errors; nothing deployed",
            file=sys.stderr,
        )
        return None
    return checked.result.org


def make_engine(
    args: argparse.Namespace, org: Organization, *, plan: bool
) -> tuple[Engine, Target]:
    manifest, _ = load_manifest(args.root)
    target = resolve_target(
        args.target,
        args.root,
        manifest.get("region", "us-east-1"),
        args.role_name,
        writes=not plan,
    )
    target.split_by_approval(org, args.strict_role_name)
    options = Options(
        plan=plan,
        allow_mass_removal=getattr(args, "allow_mass_removal", False),
        max_people_removed=getattr(args, "max_people_removed", 3),
        workers=getattr(args, "workers", WORKERS),
        per_account=getattr(args, "per_account", PER_ACCOUNT),
    )
    return Engine(Path(args.root), target, options, Reporter(args.format)), target


@contextmanager
def stop_on_signals(engine: Engine) -> Iterator[None]:
    """SIGINT/SIGTERM: the engine stops submitting and finishes what is in flight; a second
    signal has its default effect (exits at once)."""

    def handler(signum: int, _frame: object) -> None:
        engine.request_stop(signal.Signals(signum).name)
        signal.signal(signum, previous[signal.Signals(signum)])

    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for sig in previous:
            signal.signal(sig, handler)
    except ValueError:  # not the main thread (a library caller): no handlers
        yield
        return
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def post_approval_stages(org: Organization, stages: list[str]) -> list[str]:
    """The stages from the first strict one on: deployed after the approval, by the strict
    deployers (on AWS the pipeline's post-approval CodeBuild project and role)."""
    first = strict_stage(org)
    return stages[stages.index(first) :] if first in stages else []


def reachable_or_report(
    args: argparse.Namespace, engine: Engine, target: Target, stages: list[str], *, plan: bool
) -> bool:
    """Whether every account `stages` deploy to (and the identity account, which every stage
    reads) can be reached through the deployer of its side of the approval; if not, say which
    and that nothing was done. Only those accounts: a strict account has no pre-approval
    deployer, a non-strict one no strict deployer."""
    wanted = {target.identity_account} if target.identity_account else set()
    for stage in stages:
        wanted.update(engine.stage_accounts(stage))
    names = {a: n for a, n in engine.account_ids.items() if a in wanted}
    lost = unreachable(target, names, getattr(args, "workers", 8))
    for line in lost:
        print(f"jumpgate: error: cannot reach account {line}", file=sys.stderr)
    if lost:
        print(f"jumpgate: nothing {'planned' if plan else 'deployed'}", file=sys.stderr)
    return not lost


def run_stages(
    args: argparse.Namespace,
    org: Organization,
    stages: list[str] | None,
    *,
    plan: bool,
    approve: Callable[[], bool] | None = None,
) -> int:
    """Run `stages` (default: every stage) in order; the stages behind the approval run through
    the strict deployers, after `approve()` (when given) says yes."""
    try:
        engine, target = make_engine(args, org, plan=plan)
    except (TargetError, ManifestError) as err:  # ManifestError: missing, unreadable or old
        print(f"jumpgate: error: {err}", file=sys.stderr)
        return EXIT_TARGET
    stages = engine.stages if stages is None else stages
    unknown = [s for s in stages if s not in engine.stages]
    if unknown:
        print(
            f"jumpgate: error: unknown stage {unknown[0]!r}; stages: {', '.join(engine.stages)}",
            file=sys.stderr,
        )
        return 2
    behind = post_approval_stages(org, engine.stages)
    before = [s for s in stages if s not in behind]
    if before and not reachable_or_report(args, engine, target, before, plan=plan):
        return EXIT_TARGET
    results: list[StageResult] = []
    stopped = ""
    repairs: list[RepairOutcome] = []
    with stop_on_signals(engine):
        for stage in stages:
            if stage in behind and not target.post_approval:
                if approve is not None and not approve():
                    stopped = (
                        "manual approval not given; not run: "
                        f"{', '.join(stages[stages.index(stage) :])}"
                    )
                    break
                target.enter_post_approval()
                later = [s for s in stages if s in behind]
                if not reachable_or_report(args, engine, target, later, plan=plan):
                    return EXIT_TARGET
            outcome = engine.run_stage(stage)
            results.append(outcome)
            if not outcome.ok:
                later = stages[stages.index(stage) + 1 :]
                if engine.stopping:
                    stopped = f"interrupted by {engine.stopped_by}" + (
                        f"; not run: {', '.join(later)}" if later else ""
                    )
                elif later:
                    stopped = f"stage {stage} failed; not run: {', '.join(later)}"
                break
            if getattr(args, "repair", False):
                from jumpgate.cli.repair import repair_stage

                repairs.append(
                    repair_stage(engine, stage, plan=plan, fmt=args.format, today=today(args))
                )
    extra: dict[str, Any] = {"repair": [r.as_dict() for r in repairs]} if repairs else {}
    if args.format != "json":
        extra = {}
    emit(
        results,
        args.format,
        {
            **extra,
            "target": target.kind,
            "stacks_touched": sum(r.touched for stage in results for r in stage.results),
            "cloudformation_write_calls": target.cfn_writes(),
            "cloudformation_read_calls": target.cfn_reads(),
            "throttled_calls": sum(target.throttles.values()),
            "retried_errors": sum(target.retried.values()),
        },
        stopped,
    )
    if engine.stopping:
        return 128 + int(signal.Signals[engine.stopped_by])  # 130 for SIGINT, 143 for SIGTERM
    clean = all(r.ok for r in results) and not stopped
    return 0 if clean and all(r.ok or (r.planned and not r.error) for r in repairs) else 1


def run(args: argparse.Namespace) -> int:
    org = passes_gate(args, "deploy")
    if org is None:
        return 1
    strict = strict_stages(org).get(args.stage)
    if strict and not args.approve:
        print(
            f"jumpgate: error: stage {args.stage} deploys a strict environment "
            f"({', '.join(strict)}): it needs the manual approval; re-run with --approve",
            file=sys.stderr,
        )
        return 2
    return run_stages(args, org, [args.stage], plan=False)
