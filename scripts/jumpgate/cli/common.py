"""Options and output shared by the commands that report findings."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from jumpgate.core.findings import Finding, Severity, format_json, format_text, summary_line


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from err


def add_report_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=("text", "json", "junit", "sarif"),
        default="text",
        help="output format (default: text)",
    )
    parser.add_argument(
        "--fail-on",
        choices=("error", "warning"),
        default="error",
        help="lowest severity that makes the exit code 1 (default: error)",
    )
    add_today_argument(parser)


def add_today_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--today",
        type=parse_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="judge expiry dates as of this day (default: today, UTC; or $JUMPGATE_TODAY)",
    )


def run_alone(
    prog: str,
    description: str,
    add_arguments: Callable[[argparse.ArgumentParser], None],
    run: Callable[[argparse.Namespace], int],
    argv: Sequence[str] | None,
    on_internal_error: Callable[[argparse.Namespace], int] = lambda _: 2,
) -> int:
    """One command as its own program (`python -m jumpgate.cli.X`, the pre-commit hooks): it
    skips the CLI's import of every command (the deploy commands pull in boto3: 0.3 s)."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--root", type=Path, default=Path("."), metavar="DIR")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    add_arguments(parser)
    args = parser.parse_args(argv)
    args.root = args.root.resolve()
    try:
        return run(args)
    except Exception as exc:  # as cli.main: an internal error must never look like a finding
        if args.debug:
            raise
        print(f"jumpgate: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return on_internal_error(args)


def today(args: argparse.Namespace) -> dt.date:
    if args.today is not None:
        return args.today  # type: ignore[no-any-return]
    env = os.environ.get("JUMPGATE_TODAY")
    return parse_date(env) if env else dt.datetime.now(dt.UTC).date()


def failing(findings: Sequence[Finding], fail_on: str) -> bool:
    blocking = {Severity.ERROR} if fail_on == "error" else {Severity.ERROR, Severity.WARNING}
    return any(f.severity in blocking for f in findings)


def report(findings: Sequence[Finding], fmt: str, *, quiet_ok: bool = False) -> None:
    if fmt == "json":
        sys.stdout.write(format_json(findings))
        return
    if fmt in ("junit", "sarif"):
        from jumpgate.gate.formats import render_findings

        sys.stdout.write(render_findings(fmt, findings))
        return
    if findings:
        sys.stdout.write(format_text(findings))
        print(summary_line(findings), file=sys.stderr)
    elif not quiet_ok:
        print("no findings", file=sys.stderr)
