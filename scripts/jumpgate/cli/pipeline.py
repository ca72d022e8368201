"""`jumpgate pipeline`: what CodePipeline runs, locally — validate, then every stage in order
(identity → dev → staging → manual approval → prod); a failure stops all later stages. The
stages from the first strict one on run through the strict deployers, as the pipeline's
post-approval CodeBuild project does on AWS.
"""

from __future__ import annotations

import argparse
import sys

from rich.console import Console

from jumpgate.cli.deploy import passes_gate, run_stages
from jumpgate.cli.target import add_deploy_arguments
from jumpgate.generate.expand import strict_stage

HELP = (
    "validate, then deploy every stage in order with a manual approval before the first "
    "strict stage (prod)"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_deploy_arguments(parser)
    parser.add_argument(
        "--approve", action="store_true", help="give the manual approval before prod up front"
    )
    parser.add_argument("--plan", action="store_true", help="plan every stage, execute nothing")


def approval_prompt(auto: bool, stage: str | None) -> bool:
    console = Console(stderr=True)
    console.rule("[bold]manual approval[/]")
    if auto:
        console.print("approved (--approve)")
        return True
    if not sys.stdin.isatty():
        console.print(f"[red]approval needed before {stage}: re-run with --approve[/]")
        return False
    answer = console.input(f"Deploy to [bold]{stage}[/]? [y/N] ")
    return answer.strip().lower() in ("y", "yes")


def run(args: argparse.Namespace) -> int:
    console = Console(stderr=True)
    console.rule("stage [bold]validate[/]")
    org = passes_gate(args, "pipeline")
    if org is None:
        console.print("[bold red]validate failed: nothing deployed[/]")
        return 1
    console.print("  [green]ok[/] validate, policy checks, parameter files up to date")
    return run_stages(
        args,
        org,
        None,
        plan=args.plan,
        approve=lambda: args.plan or approval_prompt(args.approve, strict_stage(org)),
    )
