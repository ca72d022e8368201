"""`--target local|aws|auto`: the command line chooses where the engine deploys and what
verify reads; deploy and verify code never look for the emulator themselves."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import boto3

from jumpgate.deploy.clients import Target, TargetError
from jumpgate.emulator.control import running_endpoint


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
        return Target("local", region, role_name, endpoint)
    return Target("aws", region, role_name)
