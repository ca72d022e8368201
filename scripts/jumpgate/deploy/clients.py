"""AWS clients for one run: a target (local emulator or real AWS), one session per account
reached by assuming the bootstrap role, adaptive retries, and a count of every API call.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

from jumpgate.core.aws import DEFAULT_ROLE, LOCAL_KEY

# CloudFormation calls that change something; a no-op run must make none of them.
CFN_WRITES = frozenset(
    {
        "CreateStack",
        "UpdateStack",
        "DeleteStack",
        "CreateChangeSet",
        "ExecuteChangeSet",
        "DeleteChangeSet",
        "UpdateTerminationProtection",
    }
)


class TargetError(Exception):
    """The target cannot be reached or chosen (exit 2)."""


@dataclass
class Target:
    kind: str  # "local" or "aws"
    region: str
    role_name: str = DEFAULT_ROLE
    endpoint: str | None = None
    max_attempts: int = 10
    calls: Counter[str] = field(default_factory=Counter)
    # Called with every new client (tests use it to inject faults through botocore events).
    client_hooks: list[Callable[[Any], None]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _create_lock: threading.Lock = field(default_factory=threading.Lock)
    _creds: dict[str, dict[str, str]] = field(default_factory=dict)
    _clients: dict[str, Any] = field(default_factory=dict)
    _sts: Any = None
    _base: boto3.Session | None = None

    @property
    def config(self) -> Config:
        return Config(
            region_name=self.region,
            retries={"max_attempts": self.max_attempts, "mode": "adaptive"},
            max_pool_connections=16,
            connect_timeout=5,
            read_timeout=60,
        )

    def _base_session(self) -> boto3.Session:
        if self._base is None:
            if self.kind == "local":
                self._base = boto3.Session(
                    aws_access_key_id=LOCAL_KEY,
                    aws_secret_access_key=LOCAL_KEY,
                    region_name=self.region,
                )
            else:
                self._base = boto3.Session(region_name=self.region)
        return self._base

    def _count(self, service: str) -> Callable[..., None]:
        def count(model: Any, **_: Any) -> None:
            with self._lock:
                self.calls[f"{service}:{model.name}"] += 1

        return count

    def _client(self, service: str, creds: dict[str, str] | None = None) -> Any:
        """A client from the one base session (a new boto3 Session re-reads every model)."""
        keys = {}
        if creds is not None:
            keys = {
                "aws_access_key_id": creds["AccessKeyId"],
                "aws_secret_access_key": creds["SecretAccessKey"],
                "aws_session_token": creds["SessionToken"],
            }
        with self._create_lock:  # creating clients from one session is not thread-safe
            client = self._base_session().client(
                service, endpoint_url=self.endpoint, config=self.config, **keys
            )
        client.meta.events.register(f"before-call.{service}", self._count(service))
        for hook in self.client_hooks:
            hook(client)
        return client

    def credentials(self, account_id: str) -> dict[str, str]:
        """Credentials in `account_id`, through the bootstrap role (cached for the run)."""
        with self._lock:
            cached = self._creds.get(account_id)
        if cached is not None:
            return cached
        with self._lock:
            if self._sts is None:
                self._sts = self._client("sts")
        role_arn = f"arn:aws:iam::{account_id}:role/{self.role_name}"
        creds = self._sts.assume_role(RoleArn=role_arn, RoleSessionName="jumpgate-deploy")[
            "Credentials"
        ]
        with self._lock:
            return self._creds.setdefault(account_id, creds)

    def client(self, account_id: str, service: str) -> Any:
        """One client per account and service for the run (botocore clients are thread-safe)."""
        key = f"{account_id}/{service}"
        with self._lock:
            cached = self._clients.get(key)
        if cached is not None:
            return cached
        client = self._client(service, self.credentials(account_id))
        with self._lock:
            return self._clients.setdefault(key, client)

    def cfn_writes(self) -> int:
        return sum(n for op, n in self.calls.items() if op.split(":", 1)[1] in CFN_WRITES)

    def cfn_reads(self) -> int:
        """CloudFormation calls that change nothing (DescribeStacks, DescribeChangeSet, ...)."""
        return sum(
            n
            for op, n in self.calls.items()
            if op.startswith("cloudformation:") and op.split(":", 1)[1] not in CFN_WRITES
        )
