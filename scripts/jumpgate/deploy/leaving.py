"""Who leaves: the people a deploy would delete, whichever stack they live in.

With one stack per person, a person leaves when their stack becomes an orphan. With people
batches (generate/people.py) a person leaves when their `User` resource is no longer in their
batch's template: the batch's update deletes the user. Both count against the mass-removal
guard, and both are offboarded (credentials removed) before CloudFormation deletes the user.

A person declared in a different stack than the one holding them is *moving*: CloudFormation
would delete the user with its old stack (and its credentials with it) and then fail to create
it in the new one, or the other way round. That happens only when `people_batches` is changed
or introduced on a deployed organization, and the engine refuses it (docs/deploy.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from jumpgate.deploy.offboard import credentials_in_words, offboard_user
from jumpgate.deploy.stack import (
    OK_STATES,
    TAG_HASH,
    TAG_KIND,
    Desired,
    Existing,
    StackFailed,
    StackResult,
    delete_stack,
)

PEOPLE_KINDS = ("user", "people")


@dataclass
class Leaving:
    by_stack: dict[str, list[str]] = field(default_factory=dict)  # stack → people it deletes
    moved: list[str] = field(default_factory=list)  # "alice: A → B", refused

    @property
    def people(self) -> list[str]:
        return sorted(p for names in self.by_stack.values() for p in names)


def deployed_people(cfn: Any, have: Existing) -> tuple[str, ...]:
    """The users a deployed stack holds: a user stack's parameter, or a batch's resources as
    CloudFormation records them (ListStackResources: its physical ids are the user names)."""
    if have.tags.get(TAG_KIND) == "user":  # no name read: the stack's counts all the same
        return (have.parameters.get("UserName") or have.name,)
    found = []
    for page in cfn.get_paginator("list_stack_resources").paginate(StackName=have.stack_id):
        for resource in page["StackResourceSummaries"]:
            physical = resource.get("PhysicalResourceId")
            gone = resource.get("ResourceStatus", "").startswith("DELETE_COMPLETE")
            if resource["ResourceType"] == "AWS::IAM::User" and physical and not gone:
                found.append(str(physical))
    return tuple(sorted(found))


def people_leaving(cfn: Any, wanted: list[Desired], deployed: dict[str, Existing]) -> Leaving:
    """Compare the identity account's deployed people stacks with the manifest's. Only stacks
    that will change are read (an unchanged batch deletes nobody)."""
    declared = {person: stack.name for stack in wanted for person in stack.people}
    by_name = {stack.name: stack for stack in wanted}
    out = Leaving()
    for name, have in sorted(deployed.items()):
        if not have.managed or have.tags.get(TAG_KIND) not in PEOPLE_KINDS:
            continue
        want = by_name.get(name)
        if want is not None and have.status in OK_STATES and have.tags.get(TAG_HASH) == want.digest:
            continue
        keep = set(want.people) if want is not None else set()
        for person in deployed_people(cfn, have):
            if person in keep:
                continue
            if person in declared:
                out.moved.append(f"{person}: {name} → {declared[person]}")
            else:
                out.by_stack.setdefault(name, []).append(person)
    return out


def moved_error(moved: list[str]) -> str:
    shown = "; ".join(moved[:5]) + (f"; and {len(moved) - 5} more" if len(moved) > 5 else "")
    return (
        f"refusing to move {len(moved)} people between stacks ({shown}): CloudFormation would "
        "delete each user, with their password, MFA device and keys, before creating it again. "
        "`people_batches` was changed or introduced on a deployed organization: put it back, "
        "or migrate with CloudFormation resource import (docs/deploy.md)"
    )


@dataclass
class Guarded:
    """What may converge in a stage once the people who leave are accounted for."""

    wanted: list[Desired]
    results: list[StackResult] = field(default_factory=list)  # blocked / offboarded
    error: str = ""
    go: bool = True  # False: nothing of the stage may start


class PeopleGuard:
    """The engine's rules for people who leave: the mass-removal guard and offboarding."""

    def __init__(
        self,
        target: Any,
        options: Any,
        listener: Callable[[str, Any], None],
        scale: float | None,
    ) -> None:
        self.target = target
        self.options = options
        self.listener = listener
        self.scale = scale  # the engine's: None in the plain emulator
        self.local = target.kind == "local"

    def read(
        self, identity_id: str, wanted: list[Desired], deployed: dict[str, Existing]
    ) -> Leaving:
        cfn = self.target.client(identity_id, "cloudformation")
        return people_leaving(cfn, wanted, deployed)

    def too_many(self, people: list[str]) -> bool:
        return len(people) > self.options.max_people_removed and not self.options.allow_mass_removal

    def message(self, people: list[str]) -> str:
        return (
            f"refusing to remove {len(people)} people at once ({', '.join(sorted(people))}); "
            f"the limit is {self.options.max_people_removed}. If this is intended, re-run "
            "with --allow-mass-removal"
        )

    def offboard(self, account_id: str, people: list[str]) -> list[str]:
        """Remove the people's credentials (or, when planning, say which would go)."""
        iam = self.target.client(account_id, "iam")
        out = []
        for person in people:
            if self.options.plan:
                items = [i.removesuffix(" (to remove)") for i in credentials_in_words(iam, person)]
                out += [f"{item} of {person} (to remove)" for item in items]
            else:
                out += [f"{item} of {person}" for item in offboard_user(iam, person)]
        return out

    def guard(
        self,
        leaving: Leaving,
        stage: str,
        identity: tuple[str, str],
        wanted: list[Desired],
        offboard_now: set[str],
    ) -> Guarded:
        """Before any people stack of the stage changes. People moving between stacks: nothing
        starts. Too many leaving: the batches that would delete people are held back
        ("blocked"). Else the batches in `offboard_now` (behind the approval, seen from the
        first identity stage) have their leavers offboarded now, so a person who leaves loses
        their credentials at once; the batch's own update deletes the user later.
        `identity` is (account id, account name)."""
        if leaving.moved:
            return Guarded([], error=moved_error(leaving.moved), go=False)
        batches = {name: people for name, people in leaving.by_stack.items() if people}
        held = [w for w in wanted if w.kind == "people" and w.name in batches]
        if self.too_many(leaving.people):
            blocked = [
                StackResult(stage, w.account, w.name, "blocked", reason="mass-removal guard")
                for w in held
            ]
            # the stage fails, so no later stage (nor this one's removals) runs either
            return Guarded(
                [w for w in wanted if w not in held], blocked, self.message(leaving.people)
            )
        done = []
        for name in sorted(set(batches) & offboard_now):
            result = StackResult(stage, identity[1], name, "")
            result.action = "would-offboard" if self.options.plan else "offboarded"
            result.offboarded = self.offboard(identity[0], batches[name])
            self.listener("stack", result)
            done.append(result)
        return Guarded(wanted, done)

    def delete(
        self, stage: str, account: tuple[str, str], have: Existing, leaving: list[str]
    ) -> StackResult:
        """Delete an orphan stack; a person's (or a batch left empty) after offboarding its
        people. `account` is (id, name); `leaving` the batch's people."""
        account_id, name = account
        started = time.monotonic()
        result = StackResult(stage, name, have.name, "would-delete" if self.options.plan else "")
        try:
            if have.tags.get(TAG_KIND) == "user":
                user = have.parameters.get("UserName", "")
                iam = self.target.client(account_id, "iam")
                if self.options.plan:
                    result.offboarded = credentials_in_words(iam, user)
                    return result
                result.offboarded = offboard_user(iam, user) if user else []
            elif have.tags.get(TAG_KIND) == "people":  # a batch left empty: its people leave
                result.offboarded = self.offboard(account_id, leaving)
            if self.options.plan:
                return result
            cfn = self.target.client(account_id, "cloudformation")
            delete_stack(cfn, have, self.local, self.scale)
            result.action = "deleted"
        except (StackFailed, ClientError, BotoCoreError) as err:
            result.action = "failed"
            result.reason = str(err)
        finally:
            result.seconds = time.monotonic() - started
        return result
