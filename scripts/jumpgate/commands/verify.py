"""`jumpgate verify`: read IAM back from every account, report drift, print the access matrix."""

from __future__ import annotations

import argparse
import json
import sys

from rich.console import Console
from rich.table import Table

from jumpgate.awsclients import TargetError, resolve_target
from jumpgate.deploy_report import add_target_arguments
from jumpgate.findings import format_text, has_errors, summary_line
from jumpgate.pipeline import validate
from jumpgate.verify import Report, verify

HELP = (
    "compare the deployed IAM state with the declared access (drift: exit 1) "
    "and show who can reach what"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_target_arguments(parser)
    parser.add_argument("--format", choices=("text", "json"), default="text")


def matrix_table(report: Report, accounts: list[str]) -> Table:
    used = [a for a in accounts if any(a in row for row in report.matrix.values())]
    table = Table(title="Access matrix (people × accounts → level; * expires)")
    table.add_column("person", style="bold")
    for account in used:
        table.add_column(account)
    for person, row in sorted(report.matrix.items()):
        table.add_row(person, *(", ".join(row.get(a, [])) or "·" for a in used))
    return table


def run(args: argparse.Namespace) -> int:
    result = validate(args.root)
    if not result.ok:
        print(
            "jumpgate: error: the team files do not validate; run `jumpgate validate`",
            file=sys.stderr,
        )
        return 2
    org, exp = result.org, result.expansion
    try:
        target = resolve_target(args.target, args.root, org.region, args.role_name)
    except TargetError as err:
        print(f"jumpgate: error: {err}", file=sys.stderr)
        return 2
    report = verify(org, exp, target)
    drift = has_errors(report.findings) or bool(report.findings)
    if args.format == "json":
        document = {
            "ok": not drift,
            "target": target.kind,
            "findings": [f.as_dict() for f in report.findings],
            "matrix": report.matrix,
        }
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
        return 1 if drift else 0
    console = Console()
    order = sorted(a.name for a in org.accounts.values() if not a.is_identity)
    console.print(matrix_table(report, order))
    if report.findings:
        sys.stdout.write(format_text(report.findings))
        print(summary_line(report.findings), file=sys.stderr)
        console.print(f"[bold red]drift: {len(report.findings)} difference(s)[/]")
        return 1
    people = len(report.matrix)
    roles = sum(len(o.roles) for o in report.observed.values())
    console.print(
        f"[green]no drift[/]: {people} people, {roles} roles in {len(report.observed)} accounts "
        f"match the declared access ({target.kind})"
    )
    return 0
