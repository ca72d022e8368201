"""`jumpgate access`: who can reach what, computed offline from the policies that would be
deployed (docs/access.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from jumpgate.cli.common import add_today_argument, today
from jumpgate.core.aws import DEFAULT_ROLE, DEFAULT_STRICT_ROLE
from jumpgate.core.findings import format_text, has_errors
from jumpgate.report.access import AccessPath, effective_access
from jumpgate.report.access_formats import as_json, as_markdown, as_text, page_data
from jumpgate.validate.flow import validate

HELP = "show who can reach which account, in which role, until when (from the repository)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--person", action="append", metavar="USER", help="only this person")
    parser.add_argument("--team", action="append", metavar="TEAM", help="only this team's people")
    parser.add_argument("--account", action="append", metavar="NAME", help="only this account")
    parser.add_argument(
        "--environment", action="append", metavar="ENV", help="only accounts of this environment"
    )
    parser.add_argument(
        "--format",
        choices=("text", "markdown", "json", "html"),
        default="text",
        help="output format (default: text; html is the self-contained access page)",
    )
    parser.add_argument("--out", type=Path, metavar="FILE", help="write to FILE, not stdout")
    parser.add_argument(
        "--deployed",
        action="store_true",
        help="evaluate IAM as read back from the target (read-only), not the repository",
    )
    parser.add_argument(
        "--target",
        choices=("auto", "local", "aws"),
        default="auto",
        help="with --deployed: read the local emulator or real AWS (default: local when no AWS "
        "credentials are configured)",
    )
    parser.add_argument(
        "--role-name",
        default=DEFAULT_ROLE,
        help="with --deployed: the pre-approval deployer assumed in the accounts that are not "
        f"strict (default: {DEFAULT_ROLE})",
    )
    parser.add_argument(
        "--strict-role-name",
        default=DEFAULT_STRICT_ROLE,
        help="with --deployed: the strict deployer assumed in strict accounts (default: "
        f"{DEFAULT_STRICT_ROLE})",
    )
    add_today_argument(parser)


def _filter(
    paths: list[AccessPath], args: argparse.Namespace, team_people: set[str] | None
) -> list[AccessPath]:
    return [
        p
        for p in paths
        if (not args.person or p.person in args.person)
        and (team_people is None or p.person in team_people)
        and (not args.account or p.account in args.account)
        and (not args.environment or p.environment in args.environment)
    ]


def run(args: argparse.Namespace) -> int:
    day = today(args)
    result = validate(args.root, day)
    if has_errors(result.findings):
        sys.stdout.write(format_text([f for f in result.findings if f.severity == "error"]))
        print(
            "access: the repository has errors; fix them first (`jumpgate validate`)",
            file=sys.stderr,
        )
        return 1
    org = result.org
    unknown = [
        *(f"person {p!r}" for p in args.person or () if p not in result.expansion.users),
        *(f"team {t!r}" for t in args.team or () if t not in org.teams),
        *(f"account {a!r}" for a in args.account or () if a not in org.accounts),
        *(f"environment {e!r}" for e in args.environment or () if e not in org.environments),
    ]
    if unknown:
        print(f"jumpgate: error: unknown {', '.join(unknown)}", file=sys.stderr)
        return 2
    team_people = None
    if args.team:
        team_people = {u for t in args.team for u in org.teams[t].people}
    if args.deployed:  # boto3 only when it is needed (it costs ~0.3 s of start-up)
        from jumpgate.cli.target import resolve_target
        from jumpgate.deploy.clients import TargetError
        from jumpgate.verify.drift import verify

        try:
            target = resolve_target(
                args.target, args.root, org.region, args.role_name, writes=False
            )
            target.split_by_approval(org, args.strict_role_name)
        except TargetError as err:
            print(f"jumpgate: error: {err}", file=sys.stderr)
            return 2
        report = verify(org, result.expansion, target, today=day)
        unread = [f for f in report.findings if f.rule_id == "E914"]
        for finding in unread:
            print(f"access: {finding.message} (left out)", file=sys.stderr)
        everything = report.paths
    else:
        everything = effective_access(org, result.expansion, day)
    paths = _filter(everything, args, team_people)
    if args.format == "html":
        from jumpgate.report.access_page import render_access_page

        output = render_access_page(page_data(org, paths, day.isoformat()))
    else:
        output = {"text": as_text, "markdown": as_markdown, "json": as_json}[args.format](paths)
    if args.out is None:
        sys.stdout.write(output)
    else:
        args.out.write_text(output, encoding="utf-8")
        print(f"access: wrote {args.out} ({len(paths)} paths)", file=sys.stderr)
    return 0
