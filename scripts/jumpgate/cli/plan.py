"""`jumpgate plan [--stage S]`: show what a deploy would change, without changing anything.

Without `--stage`, every stage is planned in one run: each account's stacks are read once
(one paginated DescribeStacks per account) for all of them."""

from __future__ import annotations

import argparse
import sys

from jumpgate.cli.deploy import add_repair_argument, run_stages
from jumpgate.cli.target import add_deploy_arguments, organization

HELP = (
    "show the change sets a deploy would execute, for one stage or every stage "
    "(nothing is executed)"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--stage", help="stage to plan (see the manifest); default: every stage, in order"
    )
    add_repair_argument(parser)
    add_deploy_arguments(parser)


def run(args: argparse.Namespace) -> int:
    if args.repair and not args.stage:
        print("jumpgate: error: plan --repair needs --stage", file=sys.stderr)
        return 2
    org = organization(args.root)
    if org is None:
        return 1
    return run_stages(args, org, [args.stage] if args.stage else None, plan=True)
