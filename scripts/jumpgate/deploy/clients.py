"""AWS clients for one run: a target (local emulator or real AWS), credentials per account
reached by assuming the bootstrap role and re-assumed before they expire, adaptive retries, a
count of every API call, and each account's throttled calls (the engine paces on them).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.config import Config
from botocore.credentials import RefreshableCredentials
from botocore.exceptions import ClientError

from jumpgate.core.aws import DEFAULT_ROLE, DEFAULT_STRICT_ROLE, LOCAL_KEY, LOCAL_STRICT_KEY
from jumpgate.model.organization import Organization

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


# Error codes botocore's retry modes count as throttling (botocore/retries/standard.py).
THROTTLE_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "SlowDown",
    }
)
# A role is assumable seconds after its creation, rarely a minute (IAM eventual consistency,
# docs/facts.md): AccessDenied from AssumeRole is retried this long before it is an error.
PROPAGATION_RETRY_SECONDS = (2.0, 4.0, 8.0, 16.0, 32.0)


class TargetError(Exception):
    """The target cannot be reached or chosen (exit 2)."""


class AssumedRoleCredentials(RefreshableCredentials):  # type: ignore[misc]
    """Credentials that re-assume their role before they expire.

    botocore refreshes 15 min (advisory) and 10 min (mandatory) before expiry, fitted to 1 h
    sessions; the windows here are the same fractions of each session's own lifetime (a
    quarter, a sixth), so shorter sessions (the emulator's realistic mode) refresh in time too.
    """

    def _set_from_data(self, data: dict[str, Any]) -> None:
        super()._set_from_data(data)
        self.fit_windows()

    def fit_windows(self) -> None:
        lifetime = (self._expiry_time - datetime.now(UTC)).total_seconds()
        self._advisory_refresh_timeout = max(lifetime, 0.0) / 4
        self._mandatory_refresh_timeout = max(lifetime, 0.0) / 6


@dataclass
class Target:
    kind: str  # "local" or "aws"
    region: str
    role_name: str = DEFAULT_ROLE  # the pre-approval deployer
    endpoint: str | None = None
    strict_role_name: str = DEFAULT_STRICT_ROLE  # the post-approval (strict) deployer
    # Accounts of strict environments: their only deployer is the strict one. The identity
    # account has both; which one a run assumes there depends on the side of the approval it is
    # on (`enter_post_approval`), as each side is its own CodeBuild project and role on AWS.
    strict_accounts: frozenset[str] = frozenset()
    identity_account: str = ""
    post_approval: bool = False
    max_attempts: int = 10
    # Emulator seconds per real second (realistic mode, emulator/realistic.py); the engine's
    # own waits are scaled by it. 1.0 against AWS.
    time_scale: float = 1.0
    calls: Counter[str] = field(default_factory=Counter)
    throttles: Counter[str] = field(default_factory=Counter)  # account id → throttled calls
    retried: Counter[str] = field(default_factory=Counter)  # error code → retryable errors
    # Called with the account id of every throttled call (the engine's per-account pacing).
    on_throttle: Callable[[str], None] | None = None
    # Called with every new client (tests use it to inject faults through botocore events).
    client_hooks: list[Callable[[Any], None]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _create_lock: threading.Lock = field(default_factory=threading.Lock)
    _creds: dict[str, AssumedRoleCredentials] = field(default_factory=dict)
    _clients: dict[str, Any] = field(default_factory=dict)
    _sts: dict[bool, Any] = field(default_factory=dict)
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

    def _watch(self, account_id: str) -> Callable[..., None]:
        """Count retryable errors, and report throttling to the engine, per account."""

        def needs_retry(response: Any = None, **_: Any) -> None:
            if not response:
                return
            http, parsed = response
            code = (parsed or {}).get("Error", {}).get("Code", "")
            status = getattr(http, "status_code", 200)
            if code in THROTTLE_CODES:
                with self._lock:
                    self.throttles[account_id] += 1
                    self.retried[code] += 1
                if self.on_throttle is not None:
                    self.on_throttle(account_id)
            elif status >= 500:
                with self._lock:
                    self.retried[code or str(status)] += 1

        return needs_retry

    def _client(
        self, service: str, creds: AssumedRoleCredentials | None = None, account_id: str = ""
    ) -> Any:
        """A client from the one base session (a new boto3 Session re-reads every model)."""
        keys = {}
        if creds is not None:
            frozen = creds.get_frozen_credentials()
            keys = {
                "aws_access_key_id": frozen.access_key,
                "aws_secret_access_key": frozen.secret_key,
                "aws_session_token": frozen.token,
            }
        with self._create_lock:  # creating clients from one session is not thread-safe
            client = self._base_session().client(
                service, endpoint_url=self.endpoint, config=self.config, **keys
            )
        if creds is not None:
            # Sign with the refreshing credentials, not the snapshot the client was made with
            # (boto3 takes only static keys; the signer is what reads them, on every request).
            client._request_signer._credentials = creds
        client.meta.events.register(f"before-call.{service}", self._count(service))
        client.meta.events.register(f"needs-retry.{service}", self._watch(account_id or "base"))
        for hook in self.client_hooks:
            hook(client)
        return client

    def split_by_approval(self, org: Organization, strict_role_name: str) -> None:
        """Learn which accounts only the strict deployer reaches (bootstrap.yaml gives a
        strict account no other) and which is the identity account (both deployers)."""
        self.strict_role_name = strict_role_name
        self.strict_accounts = org.strict_account_ids()
        self.identity_account = next((a.id for a in org.accounts.values() if a.is_identity), "")

    def strict_side(self, account_id: str) -> bool:
        """Whether `account_id` is reached through the strict (post-approval) deployer."""
        return account_id in self.strict_accounts or (
            self.post_approval and account_id == self.identity_account
        )

    def role_for(self, account_id: str) -> str:
        return self.strict_role_name if self.strict_side(account_id) else self.role_name

    def enter_post_approval(self) -> None:
        """From now on the identity account is reached through its strict deployer: drop the
        credentials and clients of its pre-approval one."""
        with self._lock:
            if self.post_approval:
                return
            self.post_approval = True
            self._creds.pop(self.identity_account, None)
            for key in [k for k in self._clients if k.startswith(f"{self.identity_account}/")]:
                del self._clients[key]

    def _sts_client(self, strict: bool) -> Any:
        """STS as the pipeline role of one side of the approval: on AWS the build's own role
        (one side per CodeBuild project); locally the operator key that stands for it."""
        with self._lock:
            found = self._sts.get(strict)
        if found is not None:
            return found
        if strict and self.kind == "local":
            with self._create_lock:
                client = self._base_session().client(
                    "sts",
                    endpoint_url=self.endpoint,
                    config=self.config,
                    aws_access_key_id=LOCAL_STRICT_KEY,
                    aws_secret_access_key=LOCAL_STRICT_KEY,
                )
        else:
            client = self._client("sts")
        with self._lock:
            return self._sts.setdefault(strict, client)

    def _assume(self, account_id: str) -> dict[str, Any]:
        strict = self.strict_side(account_id)
        sts = self._sts_client(strict)
        role_arn = f"arn:aws:iam::{account_id}:role/{self.role_for(account_id)}"
        for pause in (*PROPAGATION_RETRY_SECONDS, None):
            try:
                answer = sts.assume_role(RoleArn=role_arn, RoleSessionName="jumpgate-deploy")
                break
            except ClientError as err:
                if err.response.get("Error", {}).get("Code") != "AccessDenied" or pause is None:
                    raise
                time.sleep(pause * self.time_scale)
        creds: dict[str, Any] = answer["Credentials"]
        return {
            "access_key": creds["AccessKeyId"],
            "secret_key": creds["SecretAccessKey"],
            "token": creds["SessionToken"],
            "expiry_time": creds["Expiration"].isoformat(),
        }

    def credentials(self, account_id: str) -> AssumedRoleCredentials:
        """Credentials in `account_id` through the bootstrap role: assumed once, re-assumed
        before they expire (AssumeRole sessions last 1 h by default, and at most 1 h when
        chained)."""
        with self._lock:
            cached = self._creds.get(account_id)
        if cached is not None:
            return cached
        creds = AssumedRoleCredentials.create_from_metadata(
            self._assume(account_id),
            refresh_using=lambda: self._assume(account_id),
            method="sts-assume-role",
        )
        creds.fit_windows()
        with self._lock:
            return self._creds.setdefault(account_id, creds)

    def client(self, account_id: str, service: str) -> Any:
        """One client per account and service for the run (botocore clients are thread-safe)."""
        key = f"{account_id}/{service}"
        with self._lock:
            cached = self._clients.get(key)
        if cached is not None:
            return cached
        client = self._client(service, self.credentials(account_id), account_id)
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
