"""`jumpgate demo`: the newcomer's tour — validate and render the organization, then show it."""

from __future__ import annotations

import argparse
from collections import Counter

from rich.console import Console
from rich.table import Table

from jumpgate.cli.common import report, today
from jumpgate.generate.render import rendered_files, write
from jumpgate.validate.flow import validate

HELP = (
    "the newcomer's journey: validate and summarize, then run the whole pipeline in a local "
    "AWS emulator, change access, redeploy, verify and prove access"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--today", default=None, help=argparse.SUPPRESS)
    parser.add_argument(
        "--summary-only",
        action="store_true",
        help="only validate, render and summarize (no emulator, no deploy)",
    )


def run(args: argparse.Namespace) -> int:
    console = Console()
    args.today = None
    result = validate(args.root, today(args))
    org, exp = result.org, result.expansion
    console.rule(f"[bold]jumpgate[/] · organization [bold]{org.name}[/]")
    if not result.ok:
        report(result.findings, "text")
        console.print("[red]validation failed; nothing rendered[/]")
        return 1
    outcome = write(args.root, rendered_files(org, exp))
    console.print(
        f"validate: [green]ok[/] ({len(result.findings)} warning(s))   "
        f"render: {len(outcome.written)} written, {len(outcome.deleted)} deleted, "
        f"{outcome.unchanged} unchanged"
    )

    accounts = Table(title="Accounts", show_lines=False)
    for column in ("account", "id", "environment", "team"):
        accounts.add_column(column)
    for account in sorted(org.accounts.values(), key=lambda a: (a.team or "", a.name)):
        accounts.add_row(account.name, account.id, account.environment, account.team or "—")
    console.print(accounts)

    teams = Table(title="Teams")
    for column in ("team", "people", "grants", "groups"):
        teams.add_column(column)
    for name, team in sorted(org.teams.items()):
        groups = sum(1 for g in exp.groups.values() if g.grant.team == name)
        teams.add_row(name, str(len(team.people)), str(len(team.grants)), str(groups))
    console.print(teams)

    stages = Counter(s.stage for s in exp.stacks)
    stacks = Table(title="Stacks by stage (deploy order)")
    stacks.add_column("stage")
    stacks.add_column("stacks", justify="right")
    stacks.add_column("accounts", justify="right")
    for stage in exp.stages:
        accounts_in_stage = {s.account for s in exp.stacks if s.stage == stage}
        stacks.add_row(stage, str(stages[stage]), str(len(accounts_in_stage)))
    console.print(stacks)
    console.print(
        f"{len(org.accounts)} accounts · {len(org.teams)} teams · {len(exp.users)} people · "
        f"{len(exp.groups)} groups · {len(exp.roles)} roles · {len(exp.stacks)} stacks"
    )
    if args.summary_only:
        return 0
    from jumpgate.cli.main import main as cli
    from jumpgate.demo.journey import run_journey

    return run_journey(args.root, console, cli)
