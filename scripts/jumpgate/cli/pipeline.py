"""`jumpgate pipeline`: what CodePipeline runs, locally — validate, then every stage in order
(identity → dev → staging → manual approval → prod); a failure stops all later stages.
"""

from __future__ import annotations

import argparse
import sys

from rich.console import Console

from jumpgate.cli.deploy import passes_gate, run_stages
from jumpgate.cli.target import add_deploy_arguments
from jumpgate.deploy.stack import load_manifest

HELP = "validate, then deploy every stage in order with a manual approval before prod"
APPROVAL_STAGE = "prod"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_deploy_arguments(parser)
    parser.add_argument(
        "--approve", action="store_true", help="give the manual approval before prod up front"
    )
    parser.add_argument("--plan", action="store_true", help="plan every stage, execute nothing")


def approval_prompt(auto: bool) -> bool:
    console = Console(stderr=True)
    console.rule("[bold]manual approval[/]")
    if auto:
        console.print("approved (--approve)")
        return True
    if not sys.stdin.isatty():
        console.print("[red]approval needed before prod: re-run with --approve[/]")
        return False
    answer = console.input("Deploy to [bold]prod[/]? [y/N] ")
    return answer.strip().lower() in ("y", "yes")


def run(args: argparse.Namespace) -> int:
    console = Console(stderr=True)
    console.rule("stage [bold]validate[/]")
    if passes_gate(args, "pipeline") is None:
        console.print("[bold red]validate failed: nothing deployed[/]")
        return 1
    console.print("  [green]ok[/] validate, policy checks, parameter files up to date")
    manifest, _ = load_manifest(args.root)
    stages = list(manifest["stages"])
    approval = APPROVAL_STAGE if APPROVAL_STAGE in stages else None
    return run_stages(
        args,
        stages,
        plan=args.plan,
        approval_before=approval,
        approve=lambda: args.plan or approval_prompt(args.approve),
    )
