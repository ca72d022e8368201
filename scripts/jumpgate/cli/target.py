"""`--target local|aws|auto` and the deploy options: the command line chooses where the engine
deploys and what verify reads; deploy and verify code never look for the emulator themselves."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import boto3

from jumpgate.core.aws import DEFAULT_ROLE
from jumpgate.deploy.clients import Target, TargetError
from jumpgate.deploy.engine import MAX_PEOPLE_REMOVED, WORKERS
from jumpgate.deploy.pacing import PER_ACCOUNT
from jumpgate.emulator.control import realistic_state, running_endpoint


def aws_credentials_configured() -> bool:
    try:
        return boto3.Session().get_credentials() is not None
    except Exception:
        return False


def local_endpoint(root: Path) -> str | None:
    return os.environ.get("JUMPGATE_LOCAL_ENDPOINT") or running_endpoint(root)


def resolve_target(
    choice: str, root: Path, region: str, role_name: str, *, quiet: bool = False
) -> Target:
    """`--target local|aws|auto`: auto means local when no AWS credentials are configured."""
    kind = choice
    if choice == "auto":
        kind = "aws" if aws_credentials_configured() else "local"
        if kind == "local" and not quiet:
            print(
                "jumpgate: NO AWS CREDENTIALS CONFIGURED — using the LOCAL EMULATOR "
                "(--target local). Nothing is deployed to real AWS.",
                file=sys.stderr,
            )
    if kind == "local":
        endpoint = local_endpoint(root)
        if endpoint is None:
            raise TargetError("the local emulator is not running: run `jumpgate local-aws up`")
        try:  # realistic mode compresses time: the engine's waits follow
            settings = realistic_state(endpoint).get("settings") or {}
        except (OSError, ValueError):
            settings = {}
        return Target(
            "local", region, role_name, endpoint, time_scale=settings.get("time_scale", 1.0)
        )
    return Target("aws", region, role_name)


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target",
        choices=("auto", "local", "aws"),
        default="auto",
        help="where to deploy: the local emulator or real AWS (default: local when no AWS "
        "credentials are configured)",
    )
    parser.add_argument(
        "--role-name",
        default=DEFAULT_ROLE,
        help=f"bootstrap role assumed in every account (default: {DEFAULT_ROLE})",
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
