"""Repairs: writing the declared value of a drifted jumpgate resource back through IAM.

CloudFormation cannot do it: an update without a change to the template or the parameters is
refused ("No updates are to be performed"), and an update only calls the resource APIs of the
properties whose template value changed, so a stack whose hash matches never touches a
property changed by hand (docs/deploy.md, "Repairing drift"). Which repairs a stage needs is
decided in `verify/repairs.py` (it reads IAM the way verify does); this module makes them,
with the stage's deployer clients from the engine's `Target` (adaptive retries, throttling
counted per account), one account's repairs in order, accounts in parallel.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from jumpgate.deploy.clients import Target
from jumpgate.deploy.stack import Desired, StackFailed, converge, delete_stack, read_stack


@dataclass(frozen=True)
class Call:
    """One IAM call: the client method and its arguments."""

    method: str
    params: dict[str, Any]


@dataclass
class Repair:
    account: str
    account_id: str
    stack: str
    resource: str  # role/NAME, group/NAME, user/NAME
    what: str
    calls: tuple[Call, ...] = ()
    recreate: Desired | None = None  # delete the stack and create it again
    blocked: bool = False  # cannot be repaired safely: reported only
    status: str = "planned"  # planned | repaired | failed | blocked
    error: str = ""

    def line(self) -> str:
        verb = "cannot repair" if self.blocked else "repair"
        return f"{verb} {self.account} {self.stack} {self.resource}: {self.what}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "stack": self.stack,
            "resource": self.resource,
            "what": self.what,
            "calls": [c.method for c in self.calls],
            "recreate": self.recreate is not None,
            "status": self.status,
            "error": self.error,
        }


def _run_account(
    target: Target, account_id: str, repairs: list[Repair], scale: float | None
) -> None:
    """Stacks first (a recreated group must exist before people are added to it), then the
    IAM calls; a failed repair does not stop the others (each is independent)."""
    for repair in sorted(repairs, key=lambda r: r.recreate is None):
        if repair.blocked:
            repair.status = "blocked"
            continue
        try:
            if repair.recreate is not None:
                _recreate(target, repair.recreate, scale)
            iam = target.client(account_id, "iam") if repair.calls else None
            for call in repair.calls:
                getattr(iam, call.method)(**call.params)
            repair.status = "repaired"
        except (ClientError, BotoCoreError, StackFailed) as err:
            repair.status = "failed"
            repair.error = str(err)


def _recreate(target: Target, want: Desired, scale: float | None) -> None:
    cfn = target.client(want.account_id, "cloudformation")
    local = target.kind == "local"
    have = read_stack(cfn, want.name)
    if have is not None:
        delete_stack(cfn, have, local, scale)
    result = converge(cfn, want, None, plan=False, local=local, scale=scale)
    if result.failed:
        raise StackFailed(f"creating {want.name} again: {result.reason}")


def apply(
    target: Target,
    repairs: list[Repair],
    *,
    workers: int,
    scale: float | None,
    on_done: Callable[[Repair], None] | None = None,
) -> float:
    """Make every repair; the seconds it took."""
    started = time.monotonic()
    by_account: dict[str, list[Repair]] = defaultdict(list)
    for repair in repairs:
        by_account[repair.account_id].append(repair)
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(by_account) or 1))) as pool:
        futures = [
            pool.submit(_run_account, target, account_id, items, scale)
            for account_id, items in by_account.items()
        ]
        for future in futures:
            future.result()
    if on_done is not None:
        for repair in repairs:
            on_done(repair)
    return time.monotonic() - started


@dataclass
class RepairOutcome:
    """What `--repair` did in one stage, and what is left."""

    stage: str
    repairs: list[Repair] = field(default_factory=list)
    left: list[str] = field(default_factory=list)  # drift still there after repairing
    reported: list[str] = field(default_factory=list)  # not jumpgate's: never changed
    outsiders: bool = False  # an error among them (E921): reported, and the stage is not clean
    planned: bool = False  # plan: nothing was changed, nothing verified again
    error: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.error and not self.left and not self.outsiders

    def as_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "ok": self.ok,
            "planned": self.planned,
            "error": self.error,
            "repairs": [r.as_dict() for r in self.repairs],
            "left": self.left,
            "reported": self.reported,
            "seconds": round(self.seconds, 3),
        }
