"""Start, stop and describe the local emulator; create the organization's accounts in it.

State lives in `<repo>/.jumpgate/local-aws.json` (port, pid, endpoint). The server is a
separate process (`python -m jumpgate.emulator.serve`) listening on 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from jumpgate.core.aws import DEFAULT_ROLE, LOCAL_KEY
from jumpgate.emulator import bootstrap

STATE_DIR = ".jumpgate"
STATE_FILE = "local-aws.json"
LOG_FILE = "local-aws.log"


@dataclass
class Server:
    pid: int
    port: int

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def state_path(root: Path) -> Path:
    return root / STATE_DIR / STATE_FILE


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def read_state(root: Path) -> Server | None:
    try:
        data = json.loads(state_path(root).read_text())
        return Server(int(data["pid"]), int(data["port"]))
    except (OSError, ValueError, KeyError):
        return None


def read_details(root: Path) -> dict[str, Any]:
    """The state file as written (endpoint, enforce, admin_credentials once created)."""
    try:
        data = json.loads(state_path(root).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def record(root: Path, **fields: Any) -> None:
    data = read_details(root)
    data.update(fields)
    state_path(root).write_text(json.dumps(data))


def running(root: Path) -> Server | None:
    server = read_state(root)
    if server and _alive(server.pid) and _answers(server.port):
        return server
    return None


def running_endpoint(root: Path) -> str | None:
    server = running(root)
    return server.endpoint if server else None


def start_server(
    log: Path, timeout: float = 30.0, enforce: bool = True
) -> tuple[subprocess.Popen[bytes], int]:
    """Start the server process on a free loopback port (IAM enforcement on unless `enforce`
    is false); return it and its port."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "jumpgate.emulator.serve", "--port", "0"]
            + ([] if enforce else ["--no-enforce"]),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the emulator exited early; see {log}")
        for line in log.read_text(errors="replace").splitlines():
            if line.startswith("ready "):
                return process, int(line.split()[1])
        time.sleep(0.05)
    process.terminate()
    raise RuntimeError(f"the emulator did not start within {timeout:.0f} s; see {log}")


def up(
    root: Path,
    *,
    enforce: bool = True,
    realistic: bool = False,
    time_scale: float = 1.0,
    settings: dict[str, Any] | None = None,
) -> tuple[Server, bool]:
    """Start the emulator unless it already runs; return it and whether it was started.

    `enforce`: IAM enforcement as AWS evaluates it (off: nothing is denied) for a new server.
    `realistic`: AWS timing, throttling and faults (emulator/realistic.py), durations × and
    rates ÷ `time_scale`; `settings` overrides single values. Without it the mode is off."""
    server = running(root)
    started = server is None
    if server is None:
        process, port = start_server(root / STATE_DIR / LOG_FILE, enforce=enforce)
        server = Server(process.pid, port)
        path = state_path(root)
        state = {"pid": server.pid, "port": port, "endpoint": server.endpoint, "enforce": enforce}
        path.write_text(json.dumps(state))
        gitignore = root / STATE_DIR / ".gitignore"
        if not gitignore.exists():
            gitignore.write_text("*\n")
    configure_realistic(
        server.endpoint,
        {**(settings or {}), "time_scale": time_scale} if realistic else None,
    )
    return server, started


def _realistic_api(endpoint: str, settings: dict[str, Any] | None, post: bool) -> Any:
    request = urllib.request.Request(
        f"{endpoint}/jumpgate-api/realistic",
        data=json.dumps(settings).encode() if post else None,
        headers={"Content-Type": "application/json"},
        method="POST" if post else "GET",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def configure_realistic(endpoint: str, settings: dict[str, Any] | None) -> dict[str, Any]:
    """Turn realistic mode on with these settings (None: off); counters restart at zero."""
    document: dict[str, Any] = _realistic_api(endpoint, settings, post=True)
    return document


def realistic_state(endpoint: str) -> dict[str, Any]:
    """{"settings": ... or None, "stats": {"throttled:<class>": n, "expired": n, ...}}."""
    document: dict[str, Any] = _realistic_api(endpoint, None, post=False)
    return document


def stop_pid(pid: int, timeout: float = 10.0) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except OSError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            finished, _ = os.waitpid(pid, os.WNOHANG)
            if finished:
                return
        except ChildProcessError:
            if not _alive(pid):
                return
        time.sleep(0.05)
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)


def down(root: Path) -> bool:
    server = read_state(root)
    state_path(root).unlink(missing_ok=True)
    if server and _alive(server.pid):
        stop_pid(server.pid)
        return True
    return False


def _admin_client(endpoint: str, account_id: str, service: str, region: str) -> Any:
    client = boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=LOCAL_KEY,
        aws_secret_access_key=LOCAL_KEY,
        config=Config(retries={"max_attempts": 5, "mode": "standard"}),
    )

    def add_account(request: Any, **_: Any) -> None:
        request.headers["x-moto-account-id"] = account_id

    client.meta.events.register("before-sign", add_account)
    return client


def admin_client(endpoint: str, account_id: str, service: str, region: str) -> Any:
    """A client acting directly in an account of the emulator (tests, fault injection, demo)."""
    return _admin_client(endpoint, account_id, service, region)


def bootstrap_accounts(
    endpoint: str,
    accounts: dict[str, str],
    identity_account_id: str,
    region: str,
    role_name: str = DEFAULT_ROLE,
    workers: int = 8,
    strict_accounts: frozenset[str] = frozenset(),
) -> list[str]:
    """Create every account's deployer roles, as the StackSet does on AWS: the roles, trust and
    policies of `cloudformation/pipeline/bootstrap.yaml` (`bootstrap.deployers`) — both in the
    identity account, only the strict (post-approval) deployer in the accounts of
    `strict_accounts` (ids), only the pre-approval deployer elsewhere; in the identity account
    also the pipeline's two deploy roles (`bootstrap.pipeline_deploy_role`), which the operator
    keys stand for when they name no account (`principals`).

    `role_name` gives the prefix (its path). moto creates an account on first use; a deployer
    makes it reachable by AssumeRole. Returns the names of the accounts that were new. Accounts
    in parallel, one IAM client per worker thread (the account is a request header, set per
    call): creating a client per account cost more than the calls.
    """
    path_part, _, name = role_name.rpartition("/")
    prefix = path_part.split("/")[0] if path_part else name.removesuffix("-deployer")
    session = boto3.Session(
        aws_access_key_id=LOCAL_KEY, aws_secret_access_key=LOCAL_KEY, region_name=region
    )
    local = threading.local()
    create = threading.Lock()

    def set_account(request: Any, **_: Any) -> None:
        request.headers["x-moto-account-id"] = local.account_id

    def iam_client() -> Any:
        client = getattr(local, "iam", None)
        if client is None:
            with create:  # creating clients from one session is not thread-safe
                client = session.client(
                    "iam",
                    endpoint_url=endpoint,
                    config=Config(
                        retries={"max_attempts": 5, "mode": "standard"},
                        max_pool_connections=workers,
                    ),
                )
            client.meta.events.register("before-sign", set_account)
            local.iam = client
        return client

    def one(account_name: str, account_id: str) -> str | None:
        iam = iam_client()
        local.account_id = account_id
        strict = account_id in strict_accounts and account_id != identity_account_id
        new = False
        for role in bootstrap.deployers(prefix, identity_account_id, account_id, strict):
            new = _create_deployer(iam, role) or new
        if new and account_id == identity_account_id:
            for post_approval in (False, True):
                _pipeline_role(iam, prefix, identity_account_id, region, post_approval)
        return account_name if new else None

    with ThreadPoolExecutor(max_workers=workers) as pool:
        done = pool.map(lambda item: one(*item), sorted(accounts.items()))
        return [account_name for account_name in done if account_name is not None]


def _create_deployer(iam: Any, role: dict[str, Any]) -> bool:
    """Create one deployer role with its policies; False when it already exists."""
    name = role["RoleName"]
    try:
        iam.create_role(
            RoleName=name,
            Path=role.get("Path", "/"),
            AssumeRolePolicyDocument=json.dumps(role["AssumeRolePolicyDocument"]),
            Description=role.get("Description", ""),
            MaxSessionDuration=int(role["MaxSessionDuration"]),
            Tags=role.get("Tags", []),
        )
    except iam.exceptions.EntityAlreadyExistsException:
        return False
    for policy in role["Policies"]:
        iam.put_role_policy(
            RoleName=name,
            PolicyName=policy["PolicyName"],
            PolicyDocument=json.dumps(policy["PolicyDocument"]),
        )
    for managed in role["ManagedPolicies"]:
        try:
            arn = iam.create_policy(
                PolicyName=managed["ManagedPolicyName"],
                Path=managed["Path"],
                PolicyDocument=json.dumps(managed["PolicyDocument"]),
            )["Policy"]["Arn"]
        except iam.exceptions.EntityAlreadyExistsException:  # shared by both deployers
            arn = next(
                p["Arn"]
                for p in iam.list_policies(Scope="Local", PathPrefix=managed["Path"])["Policies"]
                if p["PolicyName"] == managed["ManagedPolicyName"]
            )
        iam.attach_role_policy(RoleName=name, PolicyArn=arn)
    return True


def _pipeline_role(
    iam: Any, prefix: str, identity_account_id: str, region: str, post_approval: bool
) -> None:
    role = bootstrap.pipeline_deploy_role(prefix, identity_account_id, region, post_approval)
    side = "post-approval" if post_approval else "pre-approval"
    iam.create_role(
        RoleName=role["RoleName"],
        Path=role["Path"],
        AssumeRolePolicyDocument=json.dumps(role["AssumeRolePolicyDocument"]),
        Description=f"the pipeline's {side} deploy role (CodeBuild); the local target acts as it",
        Tags=[{"Key": principals_tag(), "Value": side}],
    )
    iam.put_role_policy(
        RoleName=role["RoleName"], PolicyName="build", PolicyDocument=json.dumps(role["Policy"])
    )


def principals_tag() -> str:
    return "jumpgate:local-ambient"  # principals.AMBIENT_TAG (the server side; moto not imported)


ADMIN_USER = "admin"


def create_admin(endpoint: str, identity_account_id: str, region: str) -> dict[str, str]:
    """The identity account's administrator: an IAM user with every permission and an access
    key, for scripts and the AWS CLI to set people up as an administrator would."""
    iam = admin_client(endpoint, identity_account_id, "iam", region)
    try:
        iam.create_user(UserName=ADMIN_USER, Path="/")
        iam.put_user_policy(
            UserName=ADMIN_USER,
            PolicyName="administrator",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
                }
            ),
        )
    except iam.exceptions.EntityAlreadyExistsException:
        for old in iam.list_access_keys(UserName=ADMIN_USER)["AccessKeyMetadata"]:
            iam.delete_access_key(UserName=ADMIN_USER, AccessKeyId=old["AccessKeyId"])
    key = iam.create_access_key(UserName=ADMIN_USER)["AccessKey"]
    return {"access_key_id": key["AccessKeyId"], "secret_access_key": key["SecretAccessKey"]}


def emulator_now(endpoint: str) -> dt.datetime:
    """The emulator's clock (real time unless a test set it): MFA codes are computed for it."""
    with urllib.request.urlopen(f"{endpoint}/moto-api/jumpgate/clock", timeout=5) as answer:
        text = answer.read().decode().strip()
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def set_clock(endpoint: str, instant: dt.datetime | None) -> None:
    """Fix the emulator's clock at `instant` (None: real time again)."""
    body = instant.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if instant else ""
    request = urllib.request.Request(
        f"{endpoint}/moto-api/jumpgate/clock",
        data=body.encode(),
        headers={"Content-Type": "text/plain"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5):
        pass


def enforce_iam(endpoint: str, enabled: bool) -> None:
    """Turn the emulator's IAM enforcement on (every later request is checked) or off."""
    count = 0 if enabled else 10**9
    request = urllib.request.Request(
        f"{endpoint}/moto-api/reset-auth",
        data=str(count).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5):
        pass
