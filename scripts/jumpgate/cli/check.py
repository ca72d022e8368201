"""`jumpgate check`: validate, then the offline policy rules on every policy to be deployed."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path

from jumpgate.cli.common import add_report_arguments, failing, report, run_alone, today
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
    # --staged (the hook): what git alone tells of the commit (E006, E008) joins the findings
    findings = sort_findings([*checked.findings, *getattr(args, "staged_findings", [])])
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
