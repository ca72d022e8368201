"""`jumpgate verify`: read IAM back from every account, report drift, print the access matrix."""

from __future__ import annotations

import argparse
import json
import sys

from rich.console import Console
from rich.table import Table

from jumpgate.cli.common import add_today_argument, today
from jumpgate.cli.target import add_target_arguments, resolve_target
from jumpgate.core.findings import format_text, has_errors, summary_line
from jumpgate.deploy.clients import TargetError
from jumpgate.validate.flow import validate
from jumpgate.verify.drift import Report, verify

HELP = (
    "compare the deployed IAM state with the declared access (drift: exit 1) "
    "and show who can reach what"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_target_arguments(parser)
    parser.add_argument("--format", choices=("text", "json"), default="text")
    add_today_argument(parser)


def level_codes(report: Report) -> dict[str, str]:
    """Short codes for levels (first letters, made unique) so the matrix fits a terminal."""
    levels = sorted(
        {c.rstrip("*?") for row in report.matrix.values() for cells in row.values() for c in cells}
    )
    codes: dict[str, str] = {}
    for level in levels:
        parts = [p for p in level.replace("_", "-").split("-") if p]
        code = "".join(p[0] for p in parts).upper() if len(parts) > 1 else level[:1].upper()
        base, n = code, 1
        while code in codes.values():
            n += 1
            code = f"{base}{n}"
        codes[level] = code
    return codes


def matrix_table(report: Report, accounts: list[str]) -> Table:
    used = [a for a in accounts if any(a in row for row in report.matrix.values())]
    codes = level_codes(report)
    legend = ", ".join(f"{code}={level}" for level, code in codes.items())
    table = Table(
        title="Access matrix: people × accounts → level",
        caption=f"{legend}; * expires; ? role missing",
    )
    table.add_column("person", style="bold", no_wrap=True)
    for account in used:
        table.add_column(account.replace("-", "\n", 1), justify="center")
    for person, row in sorted(report.matrix.items()):
        cells = []
        for account in used:
            labels = [
                codes[c.rstrip("*?")] + c[len(c.rstrip("*?")) :] for c in row.get(account, [])
            ]
            cells.append(",".join(sorted(labels)) or "·")
        table.add_row(person, *cells)
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
        target = resolve_target(args.target, args.root, org.region, args.role_name, writes=False)
        target.split_by_approval(org, args.strict_role_name)
    except TargetError as err:
        print(f"jumpgate: error: {err}", file=sys.stderr)
        return 2
    report = verify(org, exp, target, root=args.root, today=today(args))
    drift = has_errors(report.findings) or bool(report.findings)
    # An account that cannot be read is an unreachable target (2), as in deploy, not drift (1);
    # every other account's results are still reported.
    failed = 2 if any(f.rule_id == "E914" for f in report.findings) else 1 if drift else 0
    if args.format == "json":
        document = {
            "ok": not drift,
            "target": target.kind,
            "findings": [f.as_dict() for f in report.findings],
            "matrix": report.matrix,
            "paths": [p.as_contract() for p in report.paths],
        }
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
        return failed
    console = Console() if sys.stdout.isatty() else Console(width=160)
    # Accounts by team, then in deploy order (dev before staging before prod), never A-Z.
    stage = {name: index for index, name in enumerate(org.environments)}
    order = [
        a.name
        for a in sorted(
            (a for a in org.accounts.values() if not a.is_identity),
            key=lambda a: (a.team or "", stage.get(a.environment, 99), a.name),
        )
    ]
    console.print(matrix_table(report, order))
    if report.findings:
        sys.stdout.write(format_text(report.findings))
        print(summary_line(report.findings), file=sys.stderr)
        console.print(f"[bold red]drift: {len(report.findings)} difference(s)[/]")
        return failed
    people = len(report.matrix)
    roles = sum(len(o.roles) for o in report.observed.values())
    console.print(
        f"[green]no drift[/]: {people} people, {roles} roles in {len(report.observed)} accounts "
        f"match the declared access ({target.kind})"
    )
    return 0
