"""`jumpgate check`: validate, then the offline policy rules on every policy to be deployed."""

from __future__ import annotations

import argparse
import sys

from jumpgate.cli.common import add_report_arguments, failing, report, today
from jumpgate.core.findings import sort_findings
from jumpgate.gate.run import run_checks
from jumpgate.generate.render import check as render_check
from jumpgate.generate.render import rendered_files
from jumpgate.validate.flow import validate

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


def run(args: argparse.Namespace) -> int:
    day = today(args)
    result = validate(args.root, day)
    checked = run_checks(result.org, result.expansion, day)
    findings = [*result.findings, *checked.findings, *getattr(args, "staged_findings", [])]
    if args.render_check and result.ok:
        findings += render_check(args.root, rendered_files(result.org, result.expansion))
    findings = sort_findings(findings)
    report(findings, args.format, quiet_ok=True)
    print(
        f"check: {checked.policies} policies checked, {checked.suppressed} finding(s) suppressed",
        file=sys.stderr,
    )
    return 1 if failing(findings, args.fail_on) else 0


def main(argv: list[str] | None = None) -> int:
    """`python -m jumpgate.cli.check`: the pre-commit hook's entry point. It skips the
    CLI's import of every command (the deploy commands pull in boto3: 0.3 s per commit)."""
    from pathlib import Path

    parser = argparse.ArgumentParser(prog="jumpgate check", description=HELP)
    parser.add_argument("--root", type=Path, default=Path("."), metavar="DIR")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    parser.add_argument(
        "--staged",
        action="store_true",
        help="as a pre-commit hook: run only when the index changes what the gate checks",
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    args.root = args.root.resolve()
    try:
        if args.staged:
            from jumpgate.gate.hooks import staged_gate

            relevant, args.staged_findings = staged_gate(args.root)
            if not relevant:  # nothing the check reads; only what git alone tells, if anything
                report(sort_findings(args.staged_findings), args.format, quiet_ok=True)
                return 1 if args.staged_findings else 0
        return run(args)
    except Exception as exc:  # as cli.main: an internal error must never look like a finding
        if args.debug:
            raise
        print(f"jumpgate: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
