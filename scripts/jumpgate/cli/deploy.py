"""`jumpgate deploy --stage S`: converge one stage's stacks through change sets."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from jumpgate.cli.target import add_deploy_arguments, resolve_target
from jumpgate.deploy.clients import Target, TargetError
from jumpgate.deploy.engine import Engine, Options, StageResult
from jumpgate.deploy.report import Reporter, emit
from jumpgate.deploy.stack import load_manifest
from jumpgate.generate.manifest import ManifestError

HELP = "deploy one stage: change sets for changed stacks, removals after, summary at the end"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stage", required=True, help="stage to deploy (see the manifest)")
    add_deploy_arguments(parser)


def make_engine(args: argparse.Namespace, *, plan: bool) -> tuple[Engine, Target]:
    manifest, _ = load_manifest(args.root)
    target = resolve_target(
        args.target,
        args.root,
        manifest.get("region", "us-east-1"),
        args.role_name,
        quiet=False,
    )
    options = Options(
        plan=plan,
        allow_mass_removal=getattr(args, "allow_mass_removal", False),
        max_people_removed=getattr(args, "max_people_removed", 3),
        workers=getattr(args, "workers", 8),
    )
    return Engine(Path(args.root), target, options, Reporter(args.format)), target


def run_stages(
    args: argparse.Namespace,
    stages: list[str] | None,
    *,
    plan: bool,
    approval_before: str | None = None,
    approve: Callable[[], bool] | None = None,
) -> int:
    try:
        engine, target = make_engine(args, plan=plan)
    except (TargetError, ManifestError) as err:  # ManifestError: missing, unreadable or old
        print(f"jumpgate: error: {err}", file=sys.stderr)
        return 2
    stages = engine.stages if stages is None else stages
    unknown = [s for s in stages if s not in engine.stages]
    if unknown:
        print(
            f"jumpgate: error: unknown stage {unknown[0]!r}; stages: {', '.join(engine.stages)}",
            file=sys.stderr,
        )
        return 2
    results: list[StageResult] = []
    stopped = ""
    for stage in stages:
        if stage == approval_before and approve is not None and not approve():
            stopped = (
                f"manual approval not given; not run: {', '.join(stages[stages.index(stage) :])}"
            )
            break
        outcome = engine.run_stage(stage)
        results.append(outcome)
        if not outcome.ok:
            later = stages[stages.index(stage) + 1 :]
            if later:
                stopped = f"stage {stage} failed; not run: {', '.join(later)}"
            break
    emit(
        results,
        args.format,
        {
            "target": target.kind,
            "stacks_touched": sum(r.touched for stage in results for r in stage.results),
            "cloudformation_write_calls": target.cfn_writes(),
            "cloudformation_read_calls": target.cfn_reads(),
        },
        stopped,
    )
    return 0 if all(r.ok for r in results) and not stopped else 1


def run(args: argparse.Namespace) -> int:
    return run_stages(args, [args.stage], plan=False)
