"""`--target local|aws|auto` and the deploy options: the command line chooses where the engine
deploys and what verify reads; deploy and verify code never look for the emulator themselves.

auto never writes to real AWS: a running emulator comes first; without one, a command that only
reads (plan, verify, access --deployed) reads the AWS account of the configured credentials after
saying which; a command that writes (deploy, pipeline) refuses and asks for `--target aws`.
"""

from __future__ import annotations

import argparse
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from jumpgate.cli.common import parse_date
from jumpgate.core.aws import DEFAULT_ROLE, DEFAULT_STRICT_ROLE
from jumpgate.deploy.clients import Target, TargetError
from jumpgate.deploy.engine import MAX_PEOPLE_REMOVED, WORKERS
from jumpgate.deploy.pacing import PER_ACCOUNT
from jumpgate.emulator.control import realistic_state, running_endpoint
from jumpgate.model.organization import Organization, load_organization
from jumpgate.model.reader import DataFiles


def aws_credentials_configured() -> bool:
    try:
        return boto3.Session().get_credentials() is not None
    except Exception:
        return False


def local_endpoint(root: Path) -> str | None:
    return os.environ.get("JUMPGATE_LOCAL_ENDPOINT") or running_endpoint(root)


def caller(region: str) -> tuple[str, str]:
    """(account id, caller ARN) of the configured AWS credentials: sts get-caller-identity."""
    sts = boto3.Session(region_name=region).client(
        "sts", config=Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5)
    )
    try:
        identity = sts.get_caller_identity()
    except (ClientError, BotoCoreError) as err:
        raise TargetError(f"cannot reach AWS with the configured credentials: {err}") from err
    return str(identity["Account"]), str(identity["Arn"])


def resolve_target(
    choice: str, root: Path, region: str, role_name: str, *, writes: bool, quiet: bool = False
) -> Target:
    """The target of `--target local|aws|auto` for a command that `writes` or only reads."""
    endpoint = local_endpoint(root)
    if choice == "local" or (choice == "auto" and endpoint is not None):
        if endpoint is None:
            raise TargetError("the local emulator is not running: run `jumpgate local-aws up`")
        if choice == "auto" and not quiet:
            print(
                f"jumpgate: --target auto: using the LOCAL EMULATOR at {endpoint}; "
                "nothing reaches real AWS",
                file=sys.stderr,
            )
        try:  # realistic mode compresses time: the engine's waits follow
            settings = realistic_state(endpoint).get("settings") or {}
        except (OSError, ValueError):
            settings = {}
        return Target(
            "local", region, role_name, endpoint, time_scale=settings.get("time_scale", 1.0)
        )
    if choice == "auto":
        if not aws_credentials_configured():
            raise TargetError(
                "no local emulator is running and no AWS credentials are configured: start "
                "the emulator (`jumpgate local-aws up`) or configure credentials and pass "
                "--target aws"
            )
        if writes:
            raise TargetError(
                "--target auto: no local emulator is running and AWS credentials are "
                "configured; refusing to write to real AWS without --target aws (or start the "
                "emulator: `jumpgate local-aws up`)"
            )
    account, arn = caller(region)
    if not quiet:
        what = "deploying to" if writes else "reading"
        how = "--target aws" if choice == "aws" else "--target auto, read only"
        print(f"jumpgate: {how}: {what} REAL AWS account {account} as {arn}", file=sys.stderr)
    return Target("aws", region, role_name)


def organization(root: Path) -> Organization | None:
    """The organization as the model loads it, for commands that run without the gate; None,
    with the first finding printed, when it cannot be loaded."""
    org, findings = load_organization(root, DataFiles(root).load)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        first = errors[0]
        print(
            f"jumpgate: error: {first.path}:{first.line}:{first.column}: {first.rule_id} "
            f"{first.message} (run `jumpgate validate`)",
            file=sys.stderr,
        )
        return None
    return org


def unreachable(target: Target, accounts: dict[str, str], workers: int = 8) -> list[str]:
    """One line per account (id -> name) whose bootstrap role cannot be assumed."""

    def reach(account_id: str) -> str:
        try:
            target.credentials(account_id)
        except (ClientError, BotoCoreError) as err:
            return f"{accounts[account_id]} ({account_id}): {err}"
        return ""

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return [line for line in pool.map(reach, sorted(accounts)) if line]


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target",
        choices=("auto", "local", "aws"),
        default="auto",
        help="the local emulator or real AWS (default auto: a running emulator; without one, "
        "read-only commands read the configured AWS account and writing commands refuse: "
        "writing to real AWS needs --target aws)",
    )
    parser.add_argument(
        "--role-name",
        default=DEFAULT_ROLE,
        help="the pre-approval deployer role (path/name) assumed in every account that is not "
        f"strict, and in the identity account before the approval (default: {DEFAULT_ROLE})",
    )
    parser.add_argument(
        "--strict-role-name",
        default=DEFAULT_STRICT_ROLE,
        help="the strict (post-approval) deployer role assumed in strict accounts, and in the "
        f"identity account after the approval (default: {DEFAULT_STRICT_ROLE})",
    )


def add_deploy_arguments(parser: argparse.ArgumentParser) -> None:
    add_target_arguments(parser)
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--allow-mass-removal",
        action="store_true",
        help=f"allow removing more than --max-people-removed people (default "
        f"{MAX_PEOPLE_REMOVED}) in one run",
    )
    parser.add_argument("--max-people-removed", type=int, default=MAX_PEOPLE_REMOVED)
    parser.add_argument(
        "--workers", type=int, default=WORKERS, help="stack operations at once, in all accounts"
    )
    parser.add_argument(
        "--per-account",
        type=int,
        default=PER_ACCOUNT,
        help="stack operations at once in one account (halved while it is throttled)",
    )
    parser.add_argument("--today", type=parse_date, default=None, help=argparse.SUPPRESS)
