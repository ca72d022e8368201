"""`jumpgate import`: read an existing identity account and its target accounts (emulator or
AWS) and write the organization, account and team files that reproduce the same access."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from jumpgate.adopt.build import build
from jumpgate.adopt.evaluate import source_paths
from jumpgate.adopt.mapping import Mapped, Settings, kebab
from jumpgate.adopt.notes import Notes
from jumpgate.adopt.read import SourceError, read_source
from jumpgate.adopt.write import files_of, write
from jumpgate.cli.common import add_today_argument, today
from jumpgate.cli.target import add_target_arguments, resolve_target
from jumpgate.core.aws import LOCAL_KEY
from jumpgate.core.findings import format_text
from jumpgate.deploy.clients import TargetError
from jumpgate.validate.flow import validate

HELP = (
    "read an existing identity account and its target accounts, write jumpgate's files that "
    "reproduce the same access, and list what cannot be mapped"
)


ACCOUNT_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


class UsageError(Exception):
    """Bad or missing arguments (exit 2)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_target_arguments(parser)
    parser.add_argument("--identity-account", metavar="ID", help="default: the caller's account")
    parser.add_argument(
        "--accounts",
        metavar="ID=NAME,...",
        help="the target accounts (else --accounts-from, else AWS Organizations if permitted)",
    )
    parser.add_argument(
        "--accounts-from",
        type=Path,
        metavar="DIR",
        help="an existing accounts/ folder (id, environment) to take the target accounts from",
    )
    parser.add_argument(
        "--environments",
        metavar="ACCOUNT=ENV,...",
        help="each account's environment (default: guessed from its name, and reported)",
    )
    parser.add_argument("--path", default="/", help="import the users on this IAM path")
    parser.add_argument("--name", default="imported", help="the organization's name")
    parser.add_argument("--region", default=None, help="the organization's region")
    parser.add_argument("--prefix", default="jumpgate", help="jumpgate's name prefix")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="a new folder")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    add_today_argument(parser)


def _pairs(text: str | None, option: str) -> dict[str, str]:
    out = {}
    for item in (text or "").split(","):
        if not item.strip():
            continue
        key, sep, value = item.strip().partition("=")
        if not sep or not key or not value:
            raise UsageError(f"{option}: expected KEY=VALUE, got {item.strip()!r}")
        out[key] = value
    return out


def _accounts_from(folder: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(id -> name, name -> environment) of an accounts/ folder."""
    if not folder.is_dir():
        raise UsageError(f"--accounts-from {folder}: not a folder")
    targets, environments = {}, {}
    for path in sorted(folder.glob("*.yaml")):
        try:
            data: Any = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
        except (OSError, YAMLError) as err:
            raise UsageError(f"{path}: cannot be read: {str(err).splitlines()[0]}") from err
        if not isinstance(data, dict) or "id" not in data:
            raise UsageError(f"{path}: not an account file (no id)")
        if data.get("environment") != "identity":
            targets[str(data["id"])] = path.stem
            if data.get("environment"):
                environments[path.stem] = str(data["environment"])
    return targets, environments


class _Clients:
    """IAM (and Organizations) clients in each account: on the emulator as its administrator,
    on AWS the caller's own account directly and the others through --role-name."""

    def __init__(self, args: argparse.Namespace, region: str) -> None:
        self.region = region
        self.target = resolve_target(args.target, args.root, region, args.role_name, writes=False)
        self.base = boto3.Session(region_name=region)
        self.caller = ""

    def plain(self, service: str) -> Any:
        if self.target.kind == "local":
            return self.base.client(
                service,
                endpoint_url=self.target.endpoint,
                aws_access_key_id=LOCAL_KEY,
                aws_secret_access_key=LOCAL_KEY,
            )
        return self.base.client(service)

    def caller_account(self) -> str:
        if not self.caller:
            self.caller = str(self.plain("sts").get_caller_identity()["Account"])
        return self.caller

    def client(self, account_id: str, service: str) -> Any:
        if self.target.kind == "local":
            from jumpgate.emulator.control import admin_client

            return admin_client(str(self.target.endpoint), account_id, service, self.region)
        if account_id == self.caller_account():
            return self.plain(service)
        return self.target.client(account_id, service)

    def iam(self, account_id: str) -> Any:
        return self.client(account_id, "iam")


def _organizations_accounts(clients: _Clients, identity: str) -> dict[str, str]:
    try:
        pages = clients.client(identity, "organizations").get_paginator("list_accounts")
        found = {a["Id"]: a["Name"] for page in pages.paginate() for a in page["Accounts"]}
    except (ClientError, BotoCoreError) as err:
        raise UsageError(
            "no target accounts: give --accounts ID=NAME,... or --accounts-from DIR "
            f"(AWS Organizations: {str(err).splitlines()[0]})"
        ) from err
    if not [i for i in found if i != identity]:
        raise UsageError("no target accounts: give --accounts ID=NAME,... or --accounts-from DIR")
    return {i: kebab(n, 64) for i, n in found.items() if i != identity}


def _settings(args: argparse.Namespace, clients: _Clients, region: str) -> Settings:
    identity = args.identity_account or clients.caller_account()
    targets = _pairs(args.accounts, "--accounts")
    environments = _pairs(args.environments, "--environments")
    if args.accounts_from is not None:
        listed, envs = _accounts_from(args.accounts_from)
        targets = {**listed, **targets}
        environments = {**envs, **environments}
    if not targets:
        targets = _organizations_accounts(clients, identity)
    identity_name = targets.pop(identity, "identity")
    for account_id, name in targets.items():
        if not (len(account_id) == 12 and account_id.isdigit()):
            raise UsageError(f"--accounts: {account_id!r} is not a 12-digit account id")
        if not ACCOUNT_NAME.match(name):
            raise UsageError(f"--accounts: {name!r} is not an account name (a-z, 0-9, -)")
    return Settings(args.name, region, args.prefix, identity, identity_name, targets, environments)


def run(args: argparse.Namespace) -> int:
    out: Path = args.out
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        print(f"jumpgate: error: {out} is not an empty folder; choose a new one", file=sys.stderr)
        return 2
    region = args.region or boto3.Session().region_name or "us-east-1"
    try:
        clients = _Clients(args, region)
        settings = _settings(args, clients, region)
        source = read_source(clients.iam, settings.identity_id, settings.targets, args.path)
    except (UsageError, TargetError, SourceError) as err:
        print(f"jumpgate: error: {err}", file=sys.stderr)
        return 2
    except (ClientError, BotoCoreError) as err:
        print(f"jumpgate: error: {str(err).splitlines()[0]}", file=sys.stderr)
        return 2
    notes = Notes()
    paths = source_paths(source, set(settings.targets), today(args), notes)
    mapped = build(source, paths, settings, notes)
    if not mapped.teams:
        print(
            f"jumpgate: error: no users on {args.path} in a group or with access: nothing to "
            "import",
            file=sys.stderr,
        )
        return 2
    files = files_of(mapped)
    write(out, files)
    result = validate(out, today(args))
    return _report(args, out, files, mapped, notes, result.ok, format_text(result.findings))


def _report(
    args: argparse.Namespace,
    out: Path,
    files: dict[str, str],
    mapped: Mapped,
    notes: Notes,
    valid: bool,
    findings: str,
) -> int:
    paths = sorted(mapped.paths, key=lambda p: (p[0], p[1], p[2], p[3] or ""))
    if args.format == "json":
        document = {
            "out": str(out),
            "files": sorted(files),
            "valid": valid,
            "paths": [
                {"person": p, "account": a, "level": lvl, "expires": exp}
                for p, a, lvl, exp in paths
            ],
            "unmapped": [note.as_dict() for note in notes.sorted()],
        }
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        teams, accounts = len(mapped.teams), len(mapped.accounts)
        levels = len(mapped.organization["levels"])
        print(
            f"import: wrote {len(files)} files to {out}: {accounts} accounts, {teams} teams, "
            f"{levels} levels; {len(paths)} paths (person → account → level)"
        )
        listed = notes.sorted()
        print(
            f"{len(listed)} item(s) not mapped as they are (docs/import.md):"
            if listed
            else "everything was mapped as it is"
        )
        for note in listed:
            print(f"  {note.kind}: {note.arn}: {note.message}")
    if not valid:
        sys.stderr.write(findings)
        print(f"jumpgate: the files written to {out} do not validate", file=sys.stderr)
        return 1
    return 0
