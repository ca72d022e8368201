"""`jumpgate local-aws up|down|status`: the local AWS emulator (moto, on 127.0.0.1)."""

from __future__ import annotations

import argparse
import json
import sys

from rich.console import Console

from jumpgate.core.aws import DEFAULT_ROLE
from jumpgate.emulator import control
from jumpgate.validate.flow import validate

HELP = "start, stop or show the local AWS emulator and create the organization's accounts in it"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("up", "down", "status"))
    parser.add_argument("--role-name", default=DEFAULT_ROLE, help="bootstrap role to create")
    parser.add_argument(
        "--realistic",
        action="store_true",
        help="AWS's timing, request rates, IAM propagation, credential lifetimes and transient "
        "faults (docs/facts.md); without it they are off",
    )
    parser.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        metavar="F",
        help="with --realistic: durations × F and rates ÷ F (0.05: 20 times faster than AWS)",
    )
    parser.add_argument(
        "--no-enforce",
        action="store_true",
        help="start with IAM enforcement off (faster; nothing is denied); default: on, as AWS",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text", help="for status")


def run(args: argparse.Namespace) -> int:
    console = Console(stderr=True)
    if args.action == "down":
        stopped = control.down(args.root)
        console.print("local AWS stopped" if stopped else "local AWS was not running")
        return 0
    if args.action == "status":
        server = control.running(args.root)
        if server is None:
            console.print("local AWS: not running (start it with `jumpgate local-aws up`)")
            return 1
        details = control.read_details(args.root)
        enforce = bool(details.get("enforce", False))
        if args.format == "json":
            status = {
                "endpoint": server.endpoint,
                "enforce": enforce,
                "admin_credentials": details.get("admin_credentials"),
            }
            print(json.dumps(status, indent=2))
            return 0
        print(
            f"local AWS: running, pid {server.pid}, endpoint {server.endpoint}, IAM enforcement "
            f"{'on' if enforce else 'off'}"
        )
        return 0
    if not 0 < args.time_scale <= 1:
        print("jumpgate: error: --time-scale must be in (0, 1]", file=sys.stderr)
        return 2
    server, started = control.up(
        args.root,
        enforce=not args.no_enforce,
        realistic=args.realistic,
        time_scale=args.time_scale,
    )
    result = validate(args.root)
    org = result.org
    accounts = {a.name: a.id for a in org.accounts.values()}
    identity = next((a.id for a in org.accounts.values() if a.is_identity), None)
    if identity is None:
        print("jumpgate: error: no identity account in accounts/", file=sys.stderr)
        return 2
    region = org.region or "us-east-1"
    strict = org.strict_account_ids()
    new = control.bootstrap_accounts(
        server.endpoint, accounts, identity, region, args.role_name, strict_accounts=strict
    )
    if started or not control.read_details(args.root).get("admin_credentials"):
        admin = control.create_admin(server.endpoint, identity, region)
        control.record(args.root, admin_credentials=admin)
    enforce = bool(control.read_details(args.root).get("enforce", False))
    console.print(
        f"local AWS {'started' if started else 'already running'}: {server.endpoint} "
        f"(pid {server.pid}); {len(accounts)} accounts ({len(new)} new), deployer roles "
        f"from bootstrap.yaml ({len(strict)} strict accounts); IAM enforcement "
        f"{'on' if enforce else 'off (--no-enforce)'}; "
        f"administrator key: `jumpgate local-aws status --format json`"
        + (f"; realistic mode, time scale {args.time_scale:g}" if args.realistic else "")
    )
    print(server.endpoint)
    return 0
