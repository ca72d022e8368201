"""One stack: what the manifest wants, what CloudFormation has, and converging the two.

A stack whose template + parameters + tags hash equals the hash tag on the deployed stack is
skipped without any CloudFormation call of its own (the account's stacks come from one
paginated DescribeStacks). Otherwise a change set is created, shown, and executed; a change
set without changes is "nothing to do".
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from jumpgate.core.paths import PEOPLE_TEMPLATES
from jumpgate.generate.manifest import Entry, read_manifest

TAG_HASH = "jumpgate:content-hash"
TAG_STAGE = "jumpgate:stage"
TAG_OWNER = "jumpgate:deployed-by"
TAG_KIND = "jumpgate:kind"
OWNER = "jumpgate"

OK_STATES = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE")
RECREATE_STATES = ("ROLLBACK_COMPLETE", "REVIEW_IN_PROGRESS", "ROLLBACK_FAILED")
NO_CHANGES = ("didn't contain changes", "No updates are to be performed")
CAPABILITIES = ["CAPABILITY_NAMED_IAM"]
# Waits on AWS, in real seconds (× the target's time scale in the emulator's realistic mode):
# a stack of IAM resources takes ~35 s and a change set a few seconds (docs/facts.md), so the
# first look comes late and later ones are spaced — DescribeStacks is throttled above ~5/s
# per account. Every wait has a deadline; past it the stack fails, and a re-run waits again.
STACK_POLLS = (10.0, 5.0, 5.0, 10.0)  # then every 10 s
CHANGE_SET_POLLS = (3.0, 2.0, 3.0, 5.0)  # then every 5 s
STACK_DEADLINE = 1800.0
CHANGE_SET_DEADLINE = 600.0
# Reasons of a failure that may pass on its own: retried a bounded number of times.
TRANSIENT = ("Rate exceeded", "Throttling", "InternalFailure", "ServiceUnavailable")


@dataclass(frozen=True)
class Desired:
    """A manifest entry with what deploying it takes: template body, parameters, tags."""

    entry: Entry
    body: str
    parameters: dict[str, str]
    tags: dict[str, str]
    kind: str
    people: tuple[str, ...] = ()  # the IAM users the stack declares (user and people stacks)

    @property
    def digest(self) -> str:
        return self.tags[TAG_HASH]

    @property
    def name(self) -> str:
        return self.entry.name

    @property
    def stage(self) -> str:
        return self.entry.stage

    @property
    def account(self) -> str:
        return self.entry.account

    @property
    def account_id(self) -> str:
        return self.entry.account_id

    @property
    def region(self) -> str:
        return self.entry.region

    @property
    def template(self) -> str:
        return self.entry.template

    @property
    def depends_on(self) -> tuple[str, ...]:
        return self.entry.depends_on


@dataclass
class Existing:
    name: str
    stack_id: str
    status: str
    tags: dict[str, str]
    parameters: dict[str, str]
    protected: bool

    @property
    def managed(self) -> bool:
        return self.tags.get(TAG_OWNER) == OWNER


@dataclass
class Change:
    action: str  # Add | Modify | Remove
    logical_id: str
    resource_type: str
    replacement: str = ""
    label: str = ""  # what the logical id stands for (a batch's user name)

    def text(self) -> str:
        extra = " (replacement)" if self.replacement == "True" else ""
        extra = " (may replace)" if self.replacement == "Conditional" else extra
        named = f" {self.label}" if self.label else ""
        return f"{self.action} {self.logical_id}{named} [{self.resource_type}]{extra}"


@dataclass
class StackResult:
    stage: str
    account: str
    stack: str
    action: str  # unchanged | created | updated | no-op | deleted | failed | would-* | skipped
    changes: list[Change] = field(default_factory=list)
    reason: str = ""
    seconds: float = 0.0
    offboarded: list[str] = field(default_factory=list)
    attempts: int = 1

    @property
    def failed(self) -> bool:
        return self.action == "failed"

    @property
    def touched(self) -> bool:
        return self.action in ("created", "updated", "deleted")

    def as_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "account": self.account,
            "stack": self.stack,
            "action": self.action,
            "changes": [c.__dict__ for c in self.changes],
            "reason": self.reason,
            "seconds": round(self.seconds, 3),
            "offboarded": self.offboarded,
            "attempts": self.attempts,
        }


class StackFailed(Exception):
    pass


def template_body(path: Path) -> str:
    """The template as JSON (moto mistranslates YAML short forms; AWS accepts either). Cached by
    content: generated templates (people batches) change between runs of one process."""
    return _as_json(path.read_text())


@cache
def _as_json(text: str) -> str:
    from cfnlint.decode import cfn_yaml

    return json.dumps(cfn_yaml.loads(text), sort_keys=True, separators=(",", ":"))


def _kind(template: str) -> str:
    if template.startswith(f"{PEOPLE_TEMPLATES}/"):
        return "people"
    stem = Path(template).stem
    return {"identity-baseline": "baseline", "identity-group": "group"}.get(
        stem, "user" if stem == "identity-user" else "role" if stem == "target-role" else stem
    )


def load_manifest(root: Path) -> tuple[dict[str, Any], list[Desired]]:
    manifest = read_manifest(root)
    stacks = []
    for entry in manifest.entries:
        config = json.loads((root / entry.parameter_file).read_text())
        body = template_body((root / entry.template).resolve())
        params = {k: str(v) for k, v in config.get("Parameters", {}).items()}
        tags = {k: str(v) for k, v in config.get("Tags", {}).items()}
        kind = _kind(entry.template)
        tags.update({TAG_OWNER: OWNER, TAG_STAGE: entry.stage, TAG_KIND: kind})
        digest = hashlib.sha256(
            json.dumps({"t": body, "p": params, "g": tags}, sort_keys=True).encode()
        ).hexdigest()[:20]
        tags[TAG_HASH] = digest
        stacks.append(Desired(entry, body, params, tags, kind, declared_people(body, params)))
    return manifest.data, stacks


def declared_people(body: str, parameters: dict[str, str]) -> tuple[str, ...]:
    """The user names of the template's AWS::IAM::User resources (a `Ref` to a parameter is
    resolved): what removing the stack, or a resource of it, would delete."""
    found = []
    for resource in json.loads(body).get("Resources", {}).values():
        if resource.get("Type") != "AWS::IAM::User":
            continue
        name = resource.get("Properties", {}).get("UserName")
        if isinstance(name, dict) and "Ref" in name:
            name = parameters.get(str(name["Ref"]))
        if isinstance(name, str) and name:
            found.append(name)
    return tuple(sorted(found))


def _existing(s: dict[str, Any]) -> Existing:
    return Existing(
        name=s["StackName"],
        stack_id=s["StackId"],
        status=s["StackStatus"],
        tags={t["Key"]: t["Value"] for t in s.get("Tags", [])},
        parameters={
            p["ParameterKey"]: p.get("ParameterValue", "") for p in s.get("Parameters", [])
        },
        protected=bool(s.get("EnableTerminationProtection")),
    )


def scan_account(cfn: Any) -> dict[str, Existing]:
    """Every live stack of an account: one paginated DescribeStacks."""
    found = {}
    for page in cfn.get_paginator("describe_stacks").paginate():
        for s in page["Stacks"]:
            if s["StackStatus"] != "DELETE_COMPLETE":
                found[s["StackName"]] = _existing(s)
    return found


def read_stack(cfn: Any, name: str) -> Existing | None:
    """One stack as it is now (None: it does not exist)."""
    try:
        stacks = cfn.describe_stacks(StackName=name)["Stacks"]
    except ClientError as err:
        if "does not exist" in str(err):
            return None
        raise
    return (
        _existing(stacks[0]) if stacks and stacks[0]["StackStatus"] != "DELETE_COMPLETE" else None
    )


def is_transient(reason: str) -> bool:
    return any(marker in reason for marker in TRANSIENT)


def pause(schedule: tuple[float, ...], attempt: int, local: bool, scale: float | None) -> None:
    """Sleep before look number `attempt` (the plain emulator is immediate: 20 ms)."""
    if local and scale is None:
        time.sleep(0.02)
        return
    time.sleep(schedule[min(attempt, len(schedule) - 1)] * (scale or 1.0))


def wait_stack(cfn: Any, stack_id: str, local: bool, scale: float | None = None) -> dict[str, Any]:
    """The stack once no operation is in progress; StackFailed past the deadline."""
    deadline = time.monotonic() + STACK_DEADLINE * (scale or 1.0)
    attempt = 0
    while True:
        pause(STACK_POLLS, attempt, local, scale)
        stack: dict[str, Any] = cfn.describe_stacks(StackName=stack_id)["Stacks"][0]
        if not stack["StackStatus"].endswith("_IN_PROGRESS"):
            return stack
        if time.monotonic() > deadline:
            raise StackFailed(
                f"still {stack['StackStatus']} after {STACK_DEADLINE / 60:.0f} min; CloudFormation "
                "carries on: re-run to wait for it"
            )
        attempt += 1


def failure_reason(cfn: Any, stack_id: str) -> str:
    """The failed resource events of the stack's last operation, newest first."""
    try:
        events = cfn.describe_stack_events(StackName=stack_id)["StackEvents"]
    except ClientError as err:
        return f"(stack events unavailable: {err})"
    reasons = []
    for event in events:
        if event.get("ResourceStatusReason") == "User Initiated":
            break
        if event["ResourceStatus"].endswith("_FAILED"):
            reasons.append(
                f"{event['LogicalResourceId']} {event['ResourceStatus']}: "
                f"{event.get('ResourceStatusReason', '')}"
            )
    return "; ".join(reasons) or "the stack operation failed (no failed resource event)"


def create_change_set(
    cfn: Any, want: Desired, kind: str, local: bool, scale: float | None = None
) -> tuple[str, list[Change]]:
    """Create and describe a change set; ("", []) when CloudFormation sees nothing to do."""
    name = f"jumpgate-{want.digest[:12]}-{int(time.time() * 1000) % 10**10}"
    try:
        created = cfn.create_change_set(
            StackName=want.name,
            ChangeSetName=name,
            ChangeSetType=kind,
            TemplateBody=want.body,
            Parameters=[
                {"ParameterKey": k, "ParameterValue": v} for k, v in want.parameters.items()
            ],
            Tags=[{"Key": k, "Value": v} for k, v in sorted(want.tags.items())],
            Capabilities=CAPABILITIES,
        )
    except ClientError as err:
        if any(text in str(err) for text in NO_CHANGES):
            return "", []
        raise StackFailed(f"CreateChangeSet: {err}") from err
    arn = created["Id"]
    deadline = time.monotonic() + CHANGE_SET_DEADLINE * (scale or 1.0)
    attempt = 0
    while True:
        pause(CHANGE_SET_POLLS, attempt, local, scale)
        described = cfn.describe_change_set(ChangeSetName=arn, StackName=want.name)
        status = described["Status"]
        if status in ("CREATE_COMPLETE", "FAILED"):
            break
        if time.monotonic() > deadline:
            cfn.delete_change_set(ChangeSetName=arn, StackName=want.name)
            raise StackFailed(
                f"change set still {status} after {CHANGE_SET_DEADLINE / 60:.0f} min (deleted)"
            )
        attempt += 1
    if status == "FAILED":
        reason = described.get("StatusReason", "")
        if any(text in reason for text in NO_CHANGES):
            cfn.delete_change_set(ChangeSetName=arn, StackName=want.name)
            return "", []
        raise StackFailed(f"change set failed: {reason}")
    changes = [
        Change(
            rc["Action"],
            rc["LogicalResourceId"],
            rc["ResourceType"],
            str(rc.get("Replacement", "")),
            # a user's physical id is its name: a removed batch member is named too
            str(rc.get("PhysicalResourceId", "")) if rc["ResourceType"] == "AWS::IAM::User" else "",
        )
        for rc in (c.get("ResourceChange", {}) for c in described.get("Changes", []))
    ]
    return arn, changes


def _labelled(want: Desired, changes: list[Change]) -> list[Change]:
    """A batch's changes name the person: `Add User1a2b… alice [AWS::IAM::User]` (elsewhere the
    logical id and the stack's name already say who)."""
    if want.kind != "people":
        for change in changes:
            change.label = ""
        return changes
    names = {
        logical: str(resource.get("Properties", {}).get("UserName", ""))
        for logical, resource in json.loads(want.body).get("Resources", {}).items()
    }
    for change in changes:
        change.label = names.get(change.logical_id, change.label)
    return changes


def delete_stack(cfn: Any, existing: Existing, local: bool, scale: float | None = None) -> None:
    if existing.protected:
        cfn.update_termination_protection(
            StackName=existing.stack_id, EnableTerminationProtection=False
        )
    cfn.delete_stack(StackName=existing.stack_id)
    final = wait_stack(cfn, existing.stack_id, local, scale)
    if final["StackStatus"] != "DELETE_COMPLETE":
        raise StackFailed(failure_reason(cfn, existing.stack_id))


def converge(
    cfn: Any,
    want: Desired,
    have: Existing | None,
    *,
    plan: bool,
    local: bool,
    show: Callable[[Desired, str, list[Change]], None] | None = None,
    scale: float | None = None,
    stopping: Callable[[], bool] | None = None,
) -> StackResult:
    """Create or update one stack through a change set (or only describe it, when planning).

    `stopping()` true once the change set exists (Ctrl-C): it is deleted, not executed."""
    started = time.monotonic()
    result = StackResult(want.stage, want.account, want.name, "unchanged")
    if have and have.status in OK_STATES and have.tags.get(TAG_HASH) == want.digest:
        if not have.protected and not plan:
            cfn.update_termination_protection(
                StackName=have.stack_id, EnableTerminationProtection=True
            )
        return result
    try:
        if have and have.status.endswith("_IN_PROGRESS") and have.status != "REVIEW_IN_PROGRESS":
            final = wait_stack(cfn, have.stack_id, local, scale)  # an interrupted run's
            have.status = final["StackStatus"]
        if have and have.status in RECREATE_STATES:
            if plan:
                result.action = "would-recreate"
                return result
            delete_stack(cfn, have, local, scale)
            have = None
        if have and have.status not in OK_STATES:
            raise StackFailed(f"stack is {have.status}; fix it by hand, then re-run")
        if plan and have is None:
            resources = json.loads(want.body).get("Resources", {})
            result.action = "would-create"
            result.changes = _labelled(
                want, [Change("Add", k, v["Type"]) for k, v in resources.items()]
            )
            return result
        kind = "UPDATE" if have else "CREATE"
        arn, changes = create_change_set(cfn, want, kind, local, scale)
        result.changes = _labelled(want, changes)
        if not arn:
            result.action = "no-op"
            return result
        if plan:
            result.action = "would-update"
            cfn.delete_change_set(ChangeSetName=arn, StackName=want.name)
            return result
        if stopping is not None and stopping():
            cfn.delete_change_set(ChangeSetName=arn, StackName=want.name)
            result.action = "interrupted"
            result.reason = "change set deleted before execution"
            return result
        if show is not None:  # the change set, before it is executed
            show(want, kind, changes)
        cfn.execute_change_set(ChangeSetName=arn, StackName=want.name)
        stack_id = have.stack_id if have else want.name
        final = wait_stack(cfn, stack_id, local, scale)
        if final["StackStatus"] not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
            raise StackFailed(f"{final['StackStatus']}: {failure_reason(cfn, final['StackId'])}")
        if not final.get("EnableTerminationProtection"):
            cfn.update_termination_protection(
                StackName=final["StackId"], EnableTerminationProtection=True
            )
        result.action = "created" if kind == "CREATE" else "updated"
    except (StackFailed, ClientError) as err:
        result.action = "failed"
        result.reason = str(err)
    finally:
        result.seconds = time.monotonic() - started
    return result
