"""`jumpgate check`: validate, then the offline policy rules on every policy to be deployed."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path

from jumpgate.cli.common import add_report_arguments, failing, report, today
from jumpgate.core.findings import Finding, sort_findings
from jumpgate.gate.run import run_checks
from jumpgate.generate.render import check as render_check
from jumpgate.generate.render import rendered_files
from jumpgate.validate.flow import Result, validate

HELP = (
    "validate, then check every policy that would be deployed (custom, group and trust "
    "policies) offline"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--render-check",
        action="store_true",
        help="also report stale, missing and orphaned generated files (as `render --check`)",
    )
    add_report_arguments(parser)


@dataclass
class Gate:
    """What `jumpgate check [--render-check]` found: the gate deploy and pipeline run first."""

    result: Result
    findings: list[Finding]
    policies: int
    suppressed: int


def gate(root: Path, day: dt.date, *, render_checked: bool = True) -> Gate:
    result = validate(root, day)
    # E0xx/E1xx: a data file was left out of the model; access rules would judge a partial one
    complete = not any(f.rule_id[1] in "01" for f in result.findings)
    checked = run_checks(result.org, result.expansion, day, with_access_rules=complete)
    findings = [*result.findings, *checked.findings]
    if render_checked and result.ok:
        findings += render_check(root, rendered_files(result.org, result.expansion))
    return Gate(result, sort_findings(findings), checked.policies, checked.suppressed)


def run(args: argparse.Namespace) -> int:
    checked = gate(args.root, today(args), render_checked=args.render_check)
    report(checked.findings, args.format, quiet_ok=True)
    print(
        f"check: {checked.policies} policies checked, {checked.suppressed} finding(s) suppressed",
        file=sys.stderr,
    )
    return 1 if failing(checked.findings, args.fail_on) else 0


def main(argv: list[str] | None = None) -> int:
    """`python -m jumpgate.cli.check`: the pre-commit hook's entry point. It skips the
    CLI's import of every command (the deploy commands pull in boto3: 0.3 s per commit)."""
    parser = argparse.ArgumentParser(prog="jumpgate check", description=HELP)
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
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
