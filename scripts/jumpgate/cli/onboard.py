"""`jumpgate onboard PERSON`: the person's sign-in URL, first sign-in, MFA enrolment, an AWS CLI
config for every granted role and console Switch Role links (Markdown, JSON, or the config)."""

from __future__ import annotations

import argparse
import sys

from jumpgate.cli.common import parse_date, today
from jumpgate.report.onboard import (
    DEFAULT_HELPER,
    OnboardError,
    as_json,
    as_markdown,
    aws_config,
    onboarding,
)
from jumpgate.validate.flow import validate

HELP = (
    "a person's onboarding page: sign-in URL, first password and MFA, ~/.aws/config profiles "
    "and console Switch Role links for every role they are granted"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("person", help="user name, as in the team files")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--format", choices=("markdown", "json"), default="markdown")
    output.add_argument(
        "--aws-config", action="store_true", help="print only the ~/.aws/config profiles"
    )
    parser.add_argument(
        "--credential-process",
        default=DEFAULT_HELPER,
        metavar="COMMAND",
        help="the command that prints the MFA session's credentials ({base}: the key's profile, "
        "{mfa_serial}; default: %(default)s)",
    )
    parser.add_argument(
        "--today",
        type=parse_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="the roles granted on this day (default: today, UTC; or $JUMPGATE_TODAY)",
    )


def run(args: argparse.Namespace) -> int:
    day = today(args)
    result = validate(args.root, day)
    if not result.ok:
        print(
            "jumpgate: error: the team files do not validate; run `jumpgate validate`",
            file=sys.stderr,
        )
        return 1
    try:
        page = onboarding(
            result.org, result.expansion, args.person, day, helper=args.credential_process
        )
    except OnboardError as err:
        print(f"jumpgate: error: {err}", file=sys.stderr)
        return 2
    if args.aws_config:
        sys.stdout.write(aws_config(page))
    elif args.format == "json":
        sys.stdout.write(as_json(page))
    else:
        sys.stdout.write(as_markdown(page))
    return 0
