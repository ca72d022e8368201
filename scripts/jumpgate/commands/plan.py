"""`jumpgate plan --stage S`: show what a deploy would change, without changing anything."""

from __future__ import annotations

import argparse

from jumpgate.commands.deploy import run_stages
from jumpgate.deploy_report import add_deploy_arguments

HELP = "show the change sets a deploy of one stage would execute (nothing is executed)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stage", required=True, help="stage to plan (see the manifest)")
    add_deploy_arguments(parser)


def run(args: argparse.Namespace) -> int:
    return run_stages(args, [args.stage], plan=True)
