"""`jumpgate validate`: schemas, cross-file rules, naming and quotas."""

from __future__ import annotations

import argparse

from jumpgate.commands.common import add_report_arguments, failing, report, today
from jumpgate.pipeline import validate

HELP = "check the team, account and organization files (schemas and cross-file rules)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_report_arguments(parser)


def run(args: argparse.Namespace) -> int:
    result = validate(args.root, today(args))
    report(result.findings, args.format)
    return 1 if failing(result.findings, args.fail_on) else 0
