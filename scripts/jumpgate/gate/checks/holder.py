"""Who holds a policy, and whether they can benefit from an escalation action it allows.

Judged with jumpgate.core.iam_eval, never by reading patterns: a statement's Resource or
NotResource and the holder's unconditional Deny statements decide whether the action reaches a
resource. What cannot be proven is assumed possible: an Allow's conditions may hold, a Deny with
conditions may not, a policy the gate does not see (an AWS managed one) may allow anything, an
unknown holder may be any resource. Wildcards of a pattern are probed with two fillers (a Deny
would have to name them to cover the probe and not the pattern).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from jumpgate.core.iam_eval import ALLOW, Unsupported, decide
from jumpgate.gate.checks.escalation import (
    ASSUME_ROLE,
    CREDENTIALS,
    PASS_ROLE,
    POLICY_VERSIONS,
    ROLES,
    RUN_AS_ROLE,
    USERS_AND_GROUPS,
    WITH_PASS_ROLE,
)

ROLE, USER = "role", "user"
FILLERS = ("jumpgate-probe-7f3a", "zq9")
_WILD = re.compile(r"[*?]")
_VARIABLE = re.compile(r"\$\{([A-Za-z0-9:_\-]+)\}")
_EVERYTHING = {"Effect": "Allow", "Action": "*", "Resource": "*"}
_EVERY_ROLE = {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:iam::*:role/*"}


@dataclass(frozen=True)
class Holder:
    """A principal that holds a policy: its own ARNs (a role in each account it is deployed to;
    empty when unknown), every identity policy it holds that the gate sees, whether it also
    holds policies the gate does not read, and the managed policy ARNs attached to it."""

    kind: str
    arns: tuple[str, ...]
    documents: tuple[Mapping[str, Any], ...]
    unseen_policies: bool = False
    policy_arns: tuple[str, ...] = ()
    people_path: str = "/jumpgate/"  # jumpgate's people (users and groups) live on this path

    def facts(self) -> list[Any]:
        """Everything about the holder a judgment reads (part of the pass cache's key)."""
        return [
            self.kind,
            self.arns,
            self.unseen_policies,
            self.policy_arns,
            self.documents,
            self.people_path,
        ]

    @cached_property
    def denies(self) -> list[Mapping[str, Any]]:
        """Its unconditional Deny statements: they bind whatever any other policy allows."""
        out = []
        for document in self.documents:
            for statement in _statements(document):
                if statement.get("Effect") == "Deny" and not statement.get("Condition"):
                    out.append(statement)
        return out

    def _allowed(self, statement: Mapping[str, Any], action: str, resource: str) -> bool:
        allow = {k: v for k, v in statement.items() if k not in ("Condition", "Sid")}
        document = {"Statement": [allow, *self.denies]}
        # a policy variable of the patterns takes the value its probes were filled in with
        context = {name.lower(): FILLERS[0] for name in _VARIABLE.findall(str(document))}
        try:
            return decide([document], action, resource, context) == ALLOW
        except Unsupported:
            return True  # not provable either way: assume the worst

    def reaches(self, statement: Mapping[str, Any], action: str) -> bool:
        """Whether an Allow statement lets the holder do `action` on some resource."""
        return any(self._allowed(statement, action, r) for r in _probes(statement))

    def reaches_any(self, statement: Mapping[str, Any], action: str, resources: list[str]) -> bool:
        return any(self._allowed(statement, action, r) for r in resources)

    def may(self, action: str) -> bool:
        """Whether any policy of the holder may allow `action` somewhere."""
        if self.unseen_policies and self.reaches(_EVERYTHING, action):
            return True
        return any(
            self.reaches(statement, action)
            for document in self.documents
            for statement in _statements(document)
            if statement.get("Effect") == "Allow"
        )

    @cached_property
    def acts_as_other_roles(self) -> bool:
        """May assume a role (no Deny of it on every role: a trust policy alone can allow it),
        run code as an existing role, or pass a role to new code."""
        if any(self.reaches(_EVERY_ROLE, a) for a in ASSUME_ROLE):
            return True
        if any(self.may(a) for a in RUN_AS_ROLE):
            return True
        return self.may(PASS_ROLE) and any(self.may(a) for a in WITH_PASS_ROLE)

    @cached_property
    def acts_as_users(self) -> bool:
        return self.kind == USER or any(self.may(a) for a in CREDENTIALS)

    def _outside_people(self, statement: Mapping[str, Any]) -> list[str]:
        """Users and groups off the people path: at the root path and on another path in the
        holder's accounts (any account when it has none), and the statement's own probes
        that are not on the people path."""
        accounts = sorted({a.split(":")[4] for a in self.arns if a.count(":") >= 5}) or [
            "111111111111"
        ]
        generic = [
            f"arn:aws:iam::{account}:{kind}/{path}{FILLERS[0]}"
            for account in accounts
            for kind in ("user", "group")
            for path in ("", f"{FILLERS[1]}/")
        ]
        own = [
            probe
            for probe in _probes(statement)
            if not re.search(rf":(user|group){re.escape(self.people_path)}", probe)
        ]
        return generic + own

    def benefits(self, statement: Mapping[str, Any], action: str) -> bool:
        """Whether an escalation `action` allowed by `statement` can raise the holder's access."""
        if action in ROLES:
            if not self.reaches(statement, action):
                return False
            return (
                not self.arns
                or self.acts_as_other_roles
                or self.reaches_any(statement, action, list(self.arns))
            )
        if action in USERS_AND_GROUPS:
            if not self.reaches(statement, action):
                return False
            # Any IAM user off jumpgate's people path may have credentials the holder can read
            # (a CI user's keys in a secret store): changing it is escalation. Users on the
            # people path are people whose credentials only they can make (the SCP denies
            # anyone else), so changing those needs a way to act as a user.
            outside = self._outside_people(statement)
            return self.acts_as_users or self.reaches_any(statement, action, outside)
        if action in POLICY_VERSIONS:
            if not self.reaches(statement, action):
                return False
            return (
                self.acts_as_other_roles
                or self.acts_as_users
                or self.reaches_any(statement, action, _on_paths(self.policy_arns))
            )
        return True  # credentials and new code: always


def _statements(document: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    found = document.get("Statement")
    for statement in found if isinstance(found, list) else [found]:
        if isinstance(statement, Mapping):
            yield statement


def _probes(statement: Mapping[str, Any]) -> list[str]:
    """Concrete resources for a statement's Resource patterns (each wildcard or variable
    filled in); for NotResource, resources no ARN pattern names."""
    if "Resource" not in statement:
        return list(FILLERS)
    found = statement["Resource"]
    patterns = [p for p in (found if isinstance(found, list) else [found]) if isinstance(p, str)]
    filled = [_VARIABLE.sub(FILLERS[0], p) for p in patterns]
    return [_WILD.sub(filler, p) for p in filled for filler in FILLERS]


def _on_paths(policy_arns: tuple[str, ...]) -> list[str]:
    """The holder's managed policies and any other policy on their paths."""
    out = list(policy_arns)
    for arn in policy_arns:
        out += [arn.rsplit("/", 1)[0] + "/" + filler for filler in FILLERS]
    return out
