"""`jumpgate analyze`: IAM Access Analyzer checks of every stack (needs AWS credentials)."""

from __future__ import annotations

import argparse
import sys

from jumpgate.cli.common import add_report_arguments, failing, report, today
from jumpgate.core.findings import sort_findings
from jumpgate.gate.analyze import AnalyzeError, analyze, credentials_available, write_references
from jumpgate.generate.render import check as render_check
from jumpgate.generate.render import rendered_files
from jumpgate.validate.flow import validate

HELP = (
    "run IAM Access Analyzer (through cfn-policy-validator) on every stack: validate, "
    "no new access on prod against analyze/reference, never-granted actions"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--stack", action="append", metavar="NAME", help="analyze only this stack (repeatable)"
    )
    parser.add_argument("--stage", help="analyze only the stacks of this stage")
    parser.add_argument(
        "--write-references",
        action="store_true",
        help="offline: write analyze/reference/ from the current prod roles, to commit",
    )
    add_report_arguments(parser)


def run(args: argparse.Namespace) -> int:
    result = validate(args.root, today(args))
    if not result.ok:
        report(result.findings, args.format)
        print("analyze: fix the findings of `jumpgate validate` first", file=sys.stderr)
        return 1
    stale = render_check(args.root, rendered_files(result.org, result.expansion))
    if stale:
        report(stale, args.format)
        print(
            "analyze: the parameter files are not current; run `jumpgate render`", file=sys.stderr
        )
        return 1
    if args.write_references:
        written = write_references(args.root, result)
        for rel in written:
            print(f"  wrote   {rel}", file=sys.stderr)
        print(f"analyze: {len(written)} reference file(s) written", file=sys.stderr)
        return 0
    clients = getattr(args, "clients", None)  # tests inject botocore-stubbed clients
    if clients is None and not credentials_available():
        print(
            "jumpgate analyze: no AWS credentials found. IAM Access Analyzer runs in AWS: run it "
            "in CodeBuild, or with AWS_PROFILE / AWS_ACCESS_KEY_ID set. (`jumpgate check` is "
            "the offline gate.)",
            file=sys.stderr,
        )
        return 2
    try:
        findings, count = analyze(
            args.root, result, names=args.stack, stage=args.stage, clients=clients
        )
    except AnalyzeError as err:
        print(f"jumpgate analyze: {err}", file=sys.stderr)
        return 2
    findings = sort_findings(findings)
    report(findings, args.format, quiet_ok=True)
    print(f"analyze: {count} stack(s) analyzed", file=sys.stderr)
    return 1 if failing(findings, args.fail_on) else 0
