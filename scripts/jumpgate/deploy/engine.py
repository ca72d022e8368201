"""The deploy engine: one stage at a time, accounts in parallel, dependencies respected.

For a stage: read every account's stacks once (one paginated DescribeStacks per account),
converge each manifest stack whose dependencies succeeded (bounded thread pool), and — only if
all of that succeeded — delete the stacks jumpgate deployed to this stage that are no longer in
the manifest, people first, offboarding each person's own credentials before their stack goes,
and never more than `max_people_removed` people without `allow_mass_removal`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from jumpgate.deploy import password_policy
from jumpgate.deploy.clients import Target
from jumpgate.deploy.offboard import offboard_user
from jumpgate.deploy.stack import (
    TAG_KIND,
    TAG_STAGE,
    Desired,
    Existing,
    StackFailed,
    StackResult,
    converge,
    delete_stack,
    load_manifest,
    scan_account,
)

_ACCOUNT_ID = re.compile(r"\b[0-9]{12}\b")
_ROLE_ACCOUNT = re.compile(r":iam::([0-9]{12}):role/")
STRICT_SUFFIX = "/strict/"  # generate.expand: the path of groups reaching a strict environment
REMOVAL_ORDER = {"user": 0, "group": 1, "role": 1, "baseline": 2}
MAX_PEOPLE_REMOVED = 3


@dataclass
class Options:
    plan: bool = False
    allow_mass_removal: bool = False
    max_people_removed: int = MAX_PEOPLE_REMOVED
    workers: int = 8


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
        self._scans: dict[str, dict[str, Existing]] = {}

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

    def scan(self, pool: ThreadPoolExecutor) -> dict[str, dict[str, Existing]]:
        """Every account's stacks, read once per run, accounts in parallel; then the accounts
        that left the registry but that deployed groups still reach (their stacks are orphans
        and go in their stage, so no jumpgate role stays behind in a departed account)."""
        missing = [a for a in self.account_ids if a not in self._scans]
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
                scans = self.scan(pool)
            except (ClientError, BotoCoreError) as err:
                outcome.error = f"cannot read the accounts' stacks: {err}"
                self.listener("end", outcome)
                return outcome
            wanted = [s for s in self.stacks if self._converge_stage(s, scans) == stage]
            orphans = self._orphans(stage, scans)
            self.listener("start", (stage, len(wanted) + len(orphans)))
            outcome.results = self._converge_all(pool, wanted, scans)
            if outcome.ok and self._is_identity_stage(stage):
                outcome.results.append(self._password_policy(stage))
            if outcome.ok and orphans:
                outcome.results += self._remove(pool, stage, orphans, outcome)
        outcome.seconds = time.monotonic() - started
        self.listener("end", outcome)
        return outcome

    def _converge_all(
        self, pool: ThreadPoolExecutor, wanted: list[Desired], scans: dict[str, dict[str, Existing]]
    ) -> list[StackResult]:
        """Submit each stack once its dependencies (same account) are done; stop on failure."""
        results: list[StackResult] = []
        done: set[tuple[str, str]] = set()
        pending = list(wanted)
        running: dict[Future[StackResult], Desired] = {}
        failed = False
        known = {(w.account_id, w.name) for w in wanted}
        while pending or running:
            if not failed:
                for want in list(pending):
                    deps = {(want.account_id, d) for d in want.depends_on} & known
                    if deps <= done:
                        pending.remove(want)
                        have = scans[want.account_id].get(want.name)
                        running[pool.submit(self._one, want, have)] = want
            if not running:
                break
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                want = running.pop(future)
                result = future.result()
                results.append(result)
                self.listener("stack", result)
                if result.failed:
                    failed = True
                else:
                    done.add((want.account_id, want.name))
        for want in pending:  # never started: an earlier stack failed
            skipped = StackResult(want.stage, want.account, want.name, "skipped")
            skipped.reason = "not attempted: an earlier stack of this stage failed"
            results.append(skipped)
        return results

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

    def _removal_stage(self, account_id: str, existing: Existing) -> str | None:
        """People leave in the first identity stage whatever stage deployed them: removing a
        person only narrows access, so it never waits for the approval."""
        if existing.tags.get(TAG_KIND) == "user":
            identity = (self.manifest.get("identity_account") or {}).get("id")
            if account_id == identity:
                return next((s.stage for s in self.stacks if s.account_id == identity), None)
        return existing.tags.get(TAG_STAGE)

    def _password_policy(self, stage: str) -> StackResult:
        """No CloudFormation resource exists for it: set through IAM, only on a difference."""
        identity = self.manifest["identity_account"]
        result = StackResult(stage, identity["name"], "account-password-policy", "unchanged")
        started = time.monotonic()
        try:
            policy = password_policy.desired_policy(self.root)
        except password_policy.PasswordPolicyError as err:
            result.reason = f"not managed: {err}"
            return result
        try:
            iam = self.target.client(identity["id"], "iam")
            if self.options.plan:
                changed = password_policy.differences(iam, policy)
                result.action = "would-update" if changed else "unchanged"
            else:
                result.action = "updated" if password_policy.apply(iam, policy) else "unchanged"
        except (ClientError, BotoCoreError, ValueError) as err:
            result.action = "failed"
            result.reason = f"password policy: {err}"
        result.seconds = time.monotonic() - started
        self.listener("stack", result)
        return result

    def _one(self, want: Desired, have: Existing | None) -> StackResult:
        try:
            return converge(
                self.cfn(want.account_id),
                want,
                have,
                plan=self.options.plan,
                local=self.local,
                show=lambda w, kind, changes: self.listener("changeset", (w, kind, changes)),
            )
        except Exception as err:  # a client or network error is this stack's failure
            return StackResult(want.stage, want.account, want.name, "failed", reason=repr(err))

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
        people = [e for _, e in orphans if e.tags.get(TAG_KIND) == "user"]
        if len(people) > self.options.max_people_removed and not self.options.allow_mass_removal:
            outcome.error = (
                f"refusing to remove {len(people)} people at once "
                f"({', '.join(sorted(e.parameters.get('UserName', e.name) for e in people))}); "
                f"the limit is {self.options.max_people_removed}. If this is intended, re-run "
                "with --allow-mass-removal"
            )
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
            futures = [pool.submit(self._delete, stage, names.get(a, a), a, e) for a, e in batch]
            for future in futures:
                result = future.result()
                results.append(result)
                self.listener("stack", result)
            if any(r.failed for r in results):
                break
        return results

    def _delete(self, stage: str, account: str, account_id: str, have: Existing) -> StackResult:
        started = time.monotonic()
        result = StackResult(stage, account, have.name, "would-delete" if self.options.plan else "")
        try:
            if have.tags.get(TAG_KIND) == "user":
                user = have.parameters.get("UserName", "")
                iam = self.target.client(account_id, "iam")
                if self.options.plan:
                    result.offboarded = _credentials_in_words(iam, user)
                    return result
                result.offboarded = offboard_user(iam, user) if user else []
            if self.options.plan:
                return result
            delete_stack(self.cfn(account_id), have, self.local)
            result.action = "deleted"
        except (StackFailed, ClientError, BotoCoreError) as err:
            result.action = "failed"
            result.reason = str(err)
        finally:
            result.seconds = time.monotonic() - started
        return result


def _credentials_in_words(iam: Any, user: str) -> list[str]:
    try:
        keys = iam.list_access_keys(UserName=user).get("AccessKeyMetadata", [])
        mfa = iam.list_mfa_devices(UserName=user).get("MFADevices", [])
    except ClientError:
        return []
    return [f"access key {k['AccessKeyId']} (to remove)" for k in keys] + [
        f"MFA device {d['SerialNumber'].rsplit('/', 1)[-1]} (to remove)" for d in mfa
    ]
