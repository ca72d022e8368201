"""The deploy engine: one stage at a time, accounts in parallel, dependencies respected.

For a stage: read every account's stacks once (one paginated DescribeStacks per account),
converge each manifest stack whose dependencies succeeded (bounded thread pool), and — only if
all of that succeeded — delete the stacks jumpgate deployed to this stage that are no longer in
the manifest, people first, offboarding each person's own credentials before their stack goes,
and never more than `max_people_removed` people without `allow_mass_removal`.

Execution: at most `workers` stack operations at once, and at most the pacer's cap per account
(halved when the account is throttled); a stack whose failure is transient ("Rate exceeded",
an internal failure) is tried again, at most `attempts` times in all. `request_stop()` (the CLI
calls it on SIGINT/SIGTERM) stops submitting: what is in flight finishes, a change set not yet
executed is deleted, nothing else starts, and the stage reports exactly that.
"""

from __future__ import annotations

import re
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from jumpgate.deploy import password_policy
from jumpgate.deploy.clients import Target
from jumpgate.deploy.leaving import PEOPLE_KINDS, Guarded, Leaving, PeopleGuard
from jumpgate.deploy.pacing import PER_ACCOUNT, AccountPacer
from jumpgate.deploy.stack import (
    TAG_KIND,
    TAG_STAGE,
    Desired,
    Existing,
    StackResult,
    converge,
    is_transient,
    load_manifest,
    read_stack,
    scan_account,
)

_ACCOUNT_ID = re.compile(r"\b[0-9]{12}\b")
_ROLE_ACCOUNT = re.compile(r":iam::([0-9]{12}):role/")
STRICT_SUFFIX = "/strict/"  # generate.expand: the path of groups reaching a strict environment
REMOVAL_ORDER = {"user": 0, "people": 0, "group": 1, "role": 1, "baseline": 2}
MAX_PEOPLE_REMOVED = 3
WORKERS = 64
ATTEMPTS = 3  # a transient stack failure is tried again twice, then it stops the stage
RETRY_PAUSE = 30.0  # real seconds before trying a transiently failed stack again
PROGRESS_SECONDS = 2.0  # while stopping: a progress line this often


@dataclass
class Options:
    plan: bool = False
    allow_mass_removal: bool = False
    max_people_removed: int = MAX_PEOPLE_REMOVED
    workers: int = WORKERS
    per_account: int = PER_ACCOUNT
    attempts: int = ATTEMPTS


@dataclass
class StageResult:
    stage: str
    results: list[StackResult] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.error and not any(r.failed for r in self.results)


Listener = Callable[[str, Any], None]  # ("start", (stage, total)) / ("stack", StackResult) / ...


class Engine:
    def __init__(
        self,
        root: Path,
        target: Target,
        options: Options | None = None,
        listener: Listener | None = None,
    ) -> None:
        self.root = root
        self.target = target
        self.options = options or Options()
        self.listener = listener or (lambda kind, data: None)
        self.manifest, self.stacks = load_manifest(root)
        self.local = target.kind == "local"
        # None: the plain emulator (no waiting); else real seconds × this (1.0 on AWS)
        self.scale: float | None = (
            None if self.local and target.time_scale == 1.0 else (target.time_scale)
        )
        self._scans: dict[str, dict[str, Existing]] = {}
        self.pacer = AccountPacer(self.options.per_account, target.time_scale)
        target.on_throttle = self.pacer.throttled
        self._stop = threading.Event()
        self.stopped_by = ""
        self._leaving: Leaving | None = None  # read once per run, before any people stack moves
        self.people = PeopleGuard(target, self.options, self.listener, self.scale)

    def request_stop(self, why: str) -> None:
        """Stop submitting work (SIGINT/SIGTERM); what is in flight finishes."""
        self.stopped_by = self.stopped_by or why
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @property
    def stages(self) -> list[str]:
        return list(self.manifest.get("stages") or dict.fromkeys(s.stage for s in self.stacks))

    @property
    def account_ids(self) -> dict[str, str]:
        ids = {s.account_id: s.account for s in self.stacks}
        identity = self.manifest.get("identity_account") or {}
        if identity:
            ids.setdefault(identity["id"], identity["name"])
        return ids

    def cfn(self, account_id: str) -> Any:
        return self.target.client(account_id, "cloudformation")

    def stage_accounts(self, stage: str) -> list[str]:
        """The accounts a stage deploys to (each stage's build assumes roles only there)."""
        ids = dict.fromkeys(s.account_id for s in self.stacks if s.stage == stage)
        return [a for a in self.account_ids if a in ids]

    def scan(
        self, pool: ThreadPoolExecutor, accounts: list[str] | None = None
    ) -> dict[str, dict[str, Existing]]:
        """The accounts' stacks (default: every account), each read once per run, in parallel;
        always the identity account too, then the accounts that left the registry but that its
        deployed groups still reach (their stacks are orphans and go in their stage, so no
        jumpgate role stays behind in a departed account)."""
        wanted = list(self.account_ids if accounts is None else accounts)
        identity = (self.manifest.get("identity_account") or {}).get("id", "")
        if identity and identity not in wanted:
            wanted.append(identity)
        missing = [a for a in wanted if a not in self._scans]
        futures = {a: pool.submit(self._scan_one, a) for a in missing}
        for account_id, future in futures.items():
            self._scans[account_id] = future.result()
        departed = sorted(self._departed() - set(self._scans))
        futures = {a: pool.submit(self._scan_one, a) for a in departed}
        for account_id, future in futures.items():
            self._scans[account_id] = future.result()
        return self._scans

    def _departed(self) -> set[str]:
        """Account ids that the identity account's deployed group stacks grant roles in and
        the manifest no longer has."""
        identity = (self.manifest.get("identity_account") or {}).get("id", "")
        found: set[str] = set()
        for existing in self._scans.get(identity, {}).values():
            if not existing.managed or existing.tags.get(TAG_KIND) != "group":
                continue
            found.update(_ACCOUNT_ID.findall(existing.parameters.get("AccountIds", "")))
            found.update(_ROLE_ACCOUNT.findall(existing.parameters.get("RoleArns", "")))
        return found - set(self.account_ids)

    def _scan_one(self, account_id: str) -> dict[str, Existing]:
        return scan_account(self.cfn(account_id))

    def run_stage(self, stage: str) -> StageResult:
        started = time.monotonic()
        outcome = StageResult(stage)
        with ThreadPoolExecutor(max_workers=self.options.workers) as pool:
            try:
                scans = self.scan(pool, self.stage_accounts(stage))
            except (ClientError, BotoCoreError) as err:
                outcome.error = f"cannot read the accounts' stacks: {err}"
                self.listener("end", outcome)
                return outcome
            wanted = [s for s in self.stacks if self._converge_stage(s, scans) == stage]
            orphans = self._orphans(stage, scans)
            self.listener("start", (stage, len(wanted) + len(orphans)))
            guarded = self._people_guard(stage, wanted, scans)
            outcome.error = guarded.error
            if not guarded.go:  # people would move between stacks, or could not be read
                outcome.seconds = time.monotonic() - started
                self.listener("end", outcome)
                return outcome
            outcome.results = guarded.results + self._converge_all(pool, guarded.wanted, scans)
            if self.stopping:
                outcome.error = self._interrupted(outcome.results)
                outcome.seconds = time.monotonic() - started
                self.listener("end", outcome)
                return outcome
            # the mass-removal guard fails the stage but stops nothing else: the stage goes on
            # as far as removals, which it lists as blocked
            going = not any(r.failed for r in outcome.results) and outcome.error == guarded.error
            if going and self._is_identity_stage(stage):
                outcome.results.append(self._password_policy(stage))
            if going and orphans:
                outcome.results += self._remove(pool, stage, orphans, outcome)
        outcome.seconds = time.monotonic() - started
        self.listener("end", outcome)
        return outcome

    def _converge_all(
        self, pool: ThreadPoolExecutor, wanted: list[Desired], scans: dict[str, dict[str, Existing]]
    ) -> list[StackResult]:
        """Submit each stack once its dependencies (same account) are done, within the worker
        count and its account's cap; stop submitting on a failure or a stop request."""
        results: list[StackResult] = []
        known = {(w.account_id, w.name) for w in wanted}
        blocked: dict[tuple[str, str], set[tuple[str, str]]] = {}
        dependents: dict[tuple[str, str], list[Desired]] = defaultdict(list)
        ready: dict[str, deque[Desired]] = defaultdict(deque)  # account → manifest order
        for want in wanted:
            deps = {(want.account_id, d) for d in want.depends_on} & known
            if deps:
                blocked[(want.account_id, want.name)] = deps
                for dep in deps:
                    dependents[dep].append(want)
            else:
                ready[want.account_id].append(want)
        running: dict[Future[StackResult], Desired] = {}
        failed = False
        while True:
            if not failed and not self.stopping:
                for account in list(ready):
                    queue = ready[account]
                    while queue and len(running) < self.options.workers:
                        if not self.pacer.try_start(account):
                            break
                        want = queue.popleft()
                        have = scans[want.account_id].get(want.name)
                        running[pool.submit(self._one, want, have)] = want
                    if not queue:
                        del ready[account]
            if not running:
                break
            finished, _ = wait(running, timeout=PROGRESS_SECONDS, return_when=FIRST_COMPLETED)
            if self.stopping and running:
                self.listener("stopping", (self.stopped_by, len(running) - len(finished)))
            for future in finished:
                want = running.pop(future)
                result = future.result()
                self.pacer.finish(want.account_id, ok=not result.failed)
                results.append(result)
                self.listener("stack", result)
                if result.failed or result.action == "interrupted":
                    failed = failed or result.failed
                    continue
                key = (want.account_id, want.name)
                for later in dependents.pop(key, []):
                    waiting = blocked[(later.account_id, later.name)]
                    waiting.discard(key)
                    if not waiting:
                        del blocked[(later.account_id, later.name)]
                        ready[later.account_id].append(later)
        why = (
            f"not attempted: interrupted ({self.stopped_by})"
            if self.stopping and not failed
            else "not attempted: an earlier stack of this stage failed"
        )
        never = [w for queue in ready.values() for w in queue]
        never += [w for w in wanted if (w.account_id, w.name) in blocked]
        for want in never:
            results.append(StackResult(want.stage, want.account, want.name, "skipped", reason=why))
        return results

    def _interrupted(self, results: list[StackResult]) -> str:
        """What an interrupted stage did, in one line (its stacks are in the results)."""
        finished = [r for r in results if r.action not in ("skipped", "interrupted")]
        moved = sum(r.touched for r in finished)
        deleted = sum(r.action == "interrupted" for r in results)
        never = sum(r.action == "skipped" for r in results)
        return (
            f"interrupted by {self.stopped_by}: {len(finished)} stack operations finished "
            f"({moved} changed a stack), {deleted} change sets deleted before execution, "
            f"{never} stacks not started; removals not run. Re-run to converge"
        )

    def _is_identity_stage(self, stage: str) -> bool:
        """The first stage with identity-account stacks (later ones hold those behind the
        approval): the password policy is set once, there."""
        identity = (self.manifest.get("identity_account") or {}).get("id")
        first = next((s.stage for s in self.stacks if s.account_id == identity), None)
        return first == stage

    def _converge_stage(self, want: Desired, scans: dict[str, dict[str, Existing]]) -> str:
        """A group that reaches a strict environment today and will not tomorrow is still one
        only the strict deployer may change: it converges in the last stage, behind the
        approval, like every strict group."""
        have = scans.get(want.account_id, {}).get(want.name)
        if (
            want.kind == "group"
            and have is not None
            and have.parameters.get("GroupPath", "").endswith(STRICT_SUFFIX)
            and not want.parameters.get("GroupPath", "").endswith(STRICT_SUFFIX)
        ):
            return self.stages[-1]
        return want.stage

    def _people_guard(
        self, stage: str, wanted: list[Desired], scans: dict[str, dict[str, Existing]]
    ) -> Guarded:
        """leaving.PeopleGuard on this stage, once its people stacks are known."""
        identity = (self.manifest.get("identity_account") or {}).get("id", "")
        first = self._is_identity_stage(stage)
        if not first and not any(w.kind == "people" for w in wanted):
            return Guarded(wanted)
        if self._leaving is None:
            mine = [s for s in self.stacks if s.account_id == identity]
            try:
                self._leaving = self.people.read(identity, mine, scans.get(identity, {}))
            except (ClientError, BotoCoreError) as err:
                error = f"cannot read the identity account's people stacks: {err}"
                return Guarded([], error=error, go=False)
        later = {w.name for w in self.stacks if w.kind == "people" and w.stage != stage}
        where = (identity, self.account_ids.get(identity, identity))
        return self.people.guard(self._leaving, stage, where, wanted, later if first else set())

    def _removal_stage(self, account_id: str, existing: Existing) -> str | None:
        """People leave in the first identity stage whatever stage deployed them: removing a
        person only narrows access, so it never waits for the approval."""
        if existing.tags.get(TAG_KIND) in PEOPLE_KINDS:
            identity = (self.manifest.get("identity_account") or {}).get("id")
            if account_id == identity:
                return next((s.stage for s in self.stacks if s.account_id == identity), None)
        return existing.tags.get(TAG_STAGE)

    def _password_policy(self, stage: str) -> StackResult:
        identity = self.manifest["identity_account"]
        iam = lambda: self.target.client(identity["id"], "iam")  # noqa: E731
        result = password_policy.converge(
            self.root, iam, stage, identity["name"], self.options.plan
        )
        self.listener("stack", result)
        return result

    def _one(self, want: Desired, have: Existing | None) -> StackResult:
        """Converge one stack; a transient failure is tried again (bounded), after a pause
        and a fresh look at the stack. A batch that deletes people offboards them first."""
        leaving = self._leaving.by_stack.get(want.name, []) if self._leaving else []
        offboarded: list[str] = []
        if leaving and want.kind == "people":
            try:
                offboarded = self.people.offboard(want.account_id, leaving)
            except (ClientError, BotoCoreError) as err:
                result = StackResult(want.stage, want.account, want.name, "failed")
                result.reason = f"offboarding {', '.join(leaving)}: {err}"
                return result
        attempt = 1
        while True:
            try:
                result = converge(
                    self.cfn(want.account_id),
                    want,
                    have,
                    plan=self.options.plan,
                    local=self.local,
                    show=lambda w, kind, changes: self.listener("changeset", (w, kind, changes)),
                    scale=self.scale,
                    stopping=lambda: self.stopping,
                )
            except Exception as err:  # a client or network error is this stack's failure
                result = StackResult(want.stage, want.account, want.name, "failed")
                result.reason = repr(err)
            result.attempts = attempt
            result.offboarded = offboarded
            if not (result.failed and is_transient(result.reason)):
                return result
            if attempt >= self.options.attempts or self.stopping:
                return result
            attempt += 1
            time.sleep(RETRY_PAUSE * (self.scale if self.scale is not None else 0.001))
            try:
                have = read_stack(self.cfn(want.account_id), want.name)
            except Exception as err:
                result.reason += f"; cannot read the stack again: {err!r}"
                return result

    def _orphans(
        self, stage: str, scans: dict[str, dict[str, Existing]]
    ) -> list[tuple[str, Existing]]:
        wanted = {(s.account_id, s.name) for s in self.stacks}
        found = []
        for account_id, stacks in scans.items():
            for existing in stacks.values():
                if (
                    existing.managed
                    and self._removal_stage(account_id, existing) == stage
                    and (account_id, existing.name) not in wanted
                ):
                    found.append((account_id, existing))
        found.sort(
            key=lambda item: (REMOVAL_ORDER.get(item[1].tags.get(TAG_KIND, ""), 1), item[1].name)
        )
        return found

    def _remove(
        self,
        pool: ThreadPoolExecutor,
        stage: str,
        orphans: list[tuple[str, Existing]],
        outcome: StageResult,
    ) -> list[StackResult]:
        names = self.account_ids
        # everyone who leaves in this run (batches too), else this stage's people stacks
        people = (
            self._leaving.people
            if self._leaving is not None
            else [
                e.parameters.get("UserName", e.name)
                for _, e in orphans
                if e.tags.get(TAG_KIND) == "user"
            ]
        )
        if self.people.too_many(people):
            outcome.error = self.people.message(people)
            return [
                StackResult(stage, names.get(a, a), e.name, "blocked", reason="mass-removal guard")
                for a, e in orphans
            ]
        results: list[StackResult] = []
        # People first (they reference groups), then groups and roles, the baseline last.
        for rank in sorted({REMOVAL_ORDER.get(e.tags.get(TAG_KIND, ""), 1) for _, e in orphans}):
            batch = [
                (a, e) for a, e in orphans if REMOVAL_ORDER.get(e.tags.get(TAG_KIND, ""), 1) == rank
            ]
            leaving = self._leaving.by_stack if self._leaving else {}
            futures = [
                pool.submit(
                    self.people.delete, stage, (a, names.get(a, a)), e, leaving.get(e.name, [])
                )
                for a, e in batch
            ]
            for future in futures:
                result = future.result()
                results.append(result)
                self.listener("stack", result)
            if any(r.failed for r in results):
                break
        return results
