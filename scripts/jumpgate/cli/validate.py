"""`jumpgate validate`: schemas, cross-file rules, naming and quotas."""

from __future__ import annotations

import argparse

from jumpgate.cli.common import add_report_arguments, failing, report, today
from jumpgate.validate.resultcache import validated

HELP = "check the team, account and organization files (schemas and cross-file rules)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_report_arguments(parser)


def run(args: argparse.Namespace) -> int:
    findings, _ = validated(args.root, today(args))
    report(findings, args.format)
    return 1 if failing(findings, args.fail_on) else 0
