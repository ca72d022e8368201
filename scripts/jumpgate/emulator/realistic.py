"""Realistic mode: the emulator answers with AWS's timing, quotas and faults (local target only).

Off until configured (`POST /jumpgate-api/realistic` with a JSON `Settings`; `control.up(...,
realistic=True, time_scale=F)` does it). Then, in front of moto (a WSGI wrapper):

- per account and API class, a token bucket; an empty bucket answers HTTP 400 `Throttling`
  ("Rate exceeded") in the protocol's error shape, which botocore classifies as throttling;
- requests signed with AssumeRole credentials past their `Expiration` answer `ExpiredToken`;
- `sts:AssumeRole` of a role younger than the IAM propagation delay answers `AccessDenied`;
- a set fraction of calls answers HTTP 500 `InternalFailure` (botocore retries it);
- stack and change-set latency, and transient stack failures, are in `realistic_cfn`.

Every duration is multiplied and every rate divided by `time_scale` (F < 1 compresses time):
measured emulator time / F estimates real AWS time. The values and their sources:
docs/facts.md, "Timing and rates of real AWS".
"""

from __future__ import annotations

import io
import json
import random
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

API_PATH = "/jumpgate-api/realistic"
CLASSES = ("cloudformation-read", "cloudformation-write", "iam-read", "iam-write", "sts")
CFN_WRITE_PREFIXES = ("Create", "Update", "Delete", "Execute", "Cancel", "Continue", "Set")
IAM_READ_PREFIXES = ("Get", "List", "Simulate", "Generate")


def _default_resource_seconds() -> dict[str, float]:
    # iidy issue 145: AWS::IAM::Role CREATE_IN_PROGRESS → CREATE_COMPLETE in 20 s. The one
    # public per-resource IAM timing; the other IAM types are modelled with the same figure.
    return {"AWS::IAM::Role": 20.0, "AWS::IAM::*": 20.0, "*": 20.0}


def _default_rates() -> dict[str, list[float]]:
    # [per second, burst]: aws-sam-cli issue 2671 measured DescribeStacks throttled above 5/s;
    # AWS publishes no CloudFormation, IAM or STS request rates, so every class gets 5/s with
    # a 2-second burst (conservative: no public figure is lower).
    return {name: [5.0, 10.0] for name in CLASSES}


@dataclass
class Settings:
    time_scale: float = 1.0
    stack_startup_seconds: float = 14.0  # iidy issue 145: stack start-up before the first resource
    resource_seconds: dict[str, float] = field(default_factory=_default_resource_seconds)
    change_set_seconds: float = 5.0  # DescribeChangeSet CREATE_PENDING/IN_PROGRESS → COMPLETE
    iam_propagation_seconds: float = 10.0  # IAM User Guide: "seconds", rarely a minute
    credential_seconds: float = 0.0  # 0: the requested DurationSeconds (AssumeRole default 3600)
    rates: dict[str, list[float]] = field(default_factory=_default_rates)
    transient_api_rate: float = 0.0  # fraction of calls answered 500 InternalFailure
    transient_stack_rate: float = 0.0  # fraction of stack operations failing "Rate exceeded"
    # Deterministic faults for tests: stack name → executions that fail transiently;
    # operation name → calls to throttle regardless of the bucket.
    fail_stacks: dict[str, int] = field(default_factory=dict)
    throttle_calls: dict[str, int] = field(default_factory=dict)
    seed: int = 0

    def scaled(self, seconds: float) -> float:
        return seconds * self.time_scale

    def stack_seconds(self, resource_types: list[str]) -> float:
        """Start-up plus the slowest resource (CloudFormation creates independent ones in
        parallel; jumpgate's stacks have no chains that would add up)."""
        table = self.resource_seconds
        slowest = max(
            (
                table.get(t, table.get(t.rsplit("::", 1)[0] + "::*", table.get("*", 0.0)))
                for t in resource_types
            ),
            default=0.0,
        )
        return self.scaled(self.stack_startup_seconds + slowest)


class Bucket:
    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.last = burst, time.monotonic()

    def owe(self, calls: int) -> float:
        """Take `calls` tokens, going into debt: the seconds until the debt is paid."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        self.tokens -= calls
        return max(0.0, -self.tokens / self.rate)

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class State:
    def __init__(self) -> None:
        self.settings: Settings | None = None
        self.lock = threading.Lock()
        self.buckets: dict[tuple[str, str], Bucket] = {}
        self.stats: Counter[str] = Counter()
        self.random = random.Random(0)
        # access key id → (account id, monotonic expiry) for AssumeRole credentials
        self.sessions: dict[str, tuple[str, float]] = {}
        self.role_created: dict[tuple[str, str], float] = {}  # (account, role name) → monotonic

    def configure(self, settings: Settings | None) -> None:
        with self.lock:
            self.settings = settings
            self.buckets.clear()
            self.stats.clear()
            self.random = random.Random(settings.seed if settings else 0)

    def count(self, key: str, n: int = 1) -> None:
        with self.lock:
            self.stats[key] += n

    def chance(self, rate: float) -> bool:
        with self.lock:
            return rate > 0 and self.random.random() < rate

    def take_forced(self, table: dict[str, int], key: str) -> bool:
        """Consume one of the forced faults configured for `key` (tests)."""
        with self.lock:
            if table.get(key, 0) > 0:
                table[key] -= 1
                return True
        return False

    def reserve(self, account: str, api_class: str, calls: int) -> float:
        """Charge `calls` to the account's bucket at once (CloudFormation's own calls, which
        the engine's requests then queue behind); the seconds until they are served."""
        settings = self.settings
        if settings is None or calls <= 0:
            return 0.0
        rate, burst = settings.rates.get(api_class, [0.0, 0.0])
        if rate <= 0:
            return 0.0
        with self.lock:
            bucket = self.buckets.get((account, api_class))
            if bucket is None:
                bucket = Bucket(rate / settings.time_scale, burst)
                self.buckets[(account, api_class)] = bucket
            self.stats[f"{api_class}-by-cloudformation"] += calls
            return bucket.owe(calls)

    def allow(self, account: str, api_class: str) -> bool:
        settings = self.settings
        if settings is None:
            return True
        rate, burst = settings.rates.get(api_class, [0.0, 0.0])
        if rate <= 0:
            return True
        with self.lock:
            bucket = self.buckets.get((account, api_class))
            if bucket is None:
                bucket = Bucket(rate / settings.time_scale, burst)
                self.buckets[(account, api_class)] = bucket
            return bucket.take()


STATE = State()


def api_class(service: str, action: str) -> str:
    if service == "cloudformation":
        return (
            "cloudformation-write"
            if action.startswith(CFN_WRITE_PREFIXES)
            else ("cloudformation-read")
        )
    if service == "iam":
        return "iam-read" if action.startswith(IAM_READ_PREFIXES) else "iam-write"
    return service


def _error(environ: dict[str, Any], status: str, code: str, message: str) -> tuple[str, bytes, str]:
    if "json" in environ.get("CONTENT_TYPE", ""):
        body = json.dumps({"__type": code, "message": message}).encode()
        return status, body, "application/x-amz-json-1.0"
    kind = "Receiver" if status.startswith("5") else "Sender"
    body = (
        f"<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code>"
        f"<Message>{message}</Message></Error><RequestId>realistic</RequestId></ErrorResponse>"
    ).encode()
    return status, body, "text/xml"


def _request(environ: dict[str, Any]) -> tuple[str, str, str, dict[str, list[str]]]:
    """(service, access key id, action, form) of a signed request; the body is put back."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    scope = (
        auth.split("Credential=", 1)[1].split(",", 1)[0].split("/") if "Credential=" in auth else []
    )
    key, service = (scope[0], scope[3]) if len(scope) >= 5 else ("", "")
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    form = urllib.parse.parse_qs(body.decode(errors="replace")) if body else {}
    action = (form.get("Action") or [""])[0] or environ.get("HTTP_X_AMZ_TARGET", "").split(".")[-1]
    return service, key, action, form


def _account(environ: dict[str, Any], key: str) -> str:
    if environ.get("HTTP_X_MOTO_ACCOUNT_ID"):
        return str(environ["HTTP_X_MOTO_ACCOUNT_ID"])
    session = STATE.sessions.get(key)
    if session is not None:
        return session[0]
    from moto.iam.models import get_account_id_from

    return get_account_id_from(key)


def check(environ: dict[str, Any]) -> tuple[str, bytes, str] | None:
    """The fault this request meets, or None to let moto answer it."""
    settings = STATE.settings
    if settings is None:
        return None
    service, key, action, form = _request(environ)
    if not service or not action:
        return None
    session = STATE.sessions.get(key)
    if session is not None and time.monotonic() > session[1]:
        STATE.count("expired")
        return _error(
            environ,
            "403 Forbidden",
            "ExpiredToken",
            "The security token included in the request is expired",
        )
    account = _account(environ, key)
    klass = api_class(service, action)
    STATE.count(f"calls:{klass}")
    if STATE.take_forced(settings.throttle_calls, action) or not STATE.allow(account, klass):
        STATE.count(f"throttled:{klass}")
        return _error(environ, "400 Bad Request", "Throttling", "Rate exceeded")
    if STATE.chance(settings.transient_api_rate):
        STATE.count("transient-api")
        return _error(
            environ,
            "500 Internal Server Error",
            "InternalFailure",
            "The request processing has failed because of an unknown error",
        )
    if service == "sts" and action == "AssumeRole":
        arn = (form.get("RoleArn") or [""])[0]
        parts = arn.split(":")
        created = (
            STATE.role_created.get((parts[4], arn.rsplit("/", 1)[-1])) if len(parts) > 5 else None
        )
        if created is not None and time.monotonic() - created < settings.scaled(
            settings.iam_propagation_seconds
        ):
            STATE.count("not-yet-assumable")
            return _error(
                environ,
                "403 Forbidden",
                "AccessDenied",
                f"User is not authorized to perform: sts:AssumeRole on resource: {arn}",
            )
    return None


def _api(environ: dict[str, Any]) -> tuple[str, bytes, str]:
    if environ.get("REQUEST_METHOD") == "POST":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        data = json.loads(environ["wsgi.input"].read(length) or b"null")
        STATE.configure(Settings(**data) if data else None)
    with STATE.lock:
        document = {
            "settings": asdict(STATE.settings) if STATE.settings else None,
            "stats": dict(STATE.stats),
        }
    return "200 OK", json.dumps(document).encode(), "application/json"


def _wrap(original: Any) -> Any:
    def call(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") == API_PATH:
            answer: tuple[str, bytes, str] | None = _api(environ)
        else:
            answer = check(environ)
        if answer is None:
            return original(self, environ, start_response)
        status, body, content_type = answer
        start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
        return [body]

    return call


def install() -> None:
    from moto.moto_server import werkzeug_app

    from jumpgate.emulator import realistic_cfn

    app: Any = werkzeug_app.DomainDispatcherApplication
    app.__call__ = _wrap(app.__call__)
    realistic_cfn.install(STATE)
