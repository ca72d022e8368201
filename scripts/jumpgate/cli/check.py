"""`jumpgate check`: validate, then the offline policy rules on every policy to be deployed."""

from __future__ import annotations

import argparse
import sys

from jumpgate.cli.common import add_report_arguments, failing, report, run_alone, today
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
    # E0xx/E1xx: a data file was left out of the model; access rules would judge a partial one
    complete = not any(f.rule_id[1] in "01" for f in result.findings)
    checked = run_checks(result.org, result.expansion, day, with_access_rules=complete)
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
    """`python -m jumpgate.cli.check`: the pre-commit hook's entry point (with `--staged`)."""
    return run_alone("jumpgate check", HELP, _hook_arguments, _hook_run, argv)


def _hook_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--staged",
        action="store_true",
        help="as a pre-commit hook: run only when the index changes what the gate checks",
    )
    add_arguments(parser)


def _hook_run(args: argparse.Namespace) -> int:
    if args.staged:
        from jumpgate.gate.hooks import staged_gate

        relevant, args.staged_findings = staged_gate(args.root)
        if not relevant:  # nothing the check reads; only what git alone tells, if anything
            report(sort_findings(args.staged_findings), args.format, quiet_ok=True)
            return 1 if args.staged_findings else 0
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
