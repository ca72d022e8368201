"""What every policy rule sees: the policies that would be deployed, and the hits it reports.

A rule module (one per rule, cfn-lint style) declares `RULE_IDS` and one or both of
`check_policy(target, ctx)` (called once per deployed policy document) and `check_org(ctx)`.
Where a rule's severity depends on the environment it has two ids, the strict one first
(E… in a strict environment such as prod, W… elsewhere): the id's letter stays its severity.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

from jumpgate.gate.checks.holder import Holder
from jumpgate.generate.expansion import Expansion, Group, Role
from jumpgate.model.loader import JsonPath
from jumpgate.model.organization import Grant, Level, Organization, Source

CUSTOM, GROUP, TRUST = "custom policy", "group policy", "trust policy"


@dataclass(frozen=True)
class Hit:
    """A finding before suppression: the rule, and the data-file object and path it points at."""

    rule_id: str
    source: Source
    sub: JsonPath
    message: str
    hint: str | None = None
    key: bool = False

    @property
    def full_path(self) -> JsonPath:
        return (*self.source.path, *self.sub)


@dataclass(frozen=True)
class Target:
    """One policy document jumpgate would deploy, and the data-file object that causes it.

    `base` is where the document sits inside `source` when it is written there (a level's
    `policy:`); for documents jumpgate generates (group, trust) it is None and findings point
    at the grant or level itself.
    """

    kind: str
    name: str
    document: dict[str, Any]
    source: Source
    base: JsonPath | None
    strict: bool
    environments: tuple[str, ...]
    level: Level | None = None
    grant: Grant | None = None
    role: Role | None = None
    group: Group | None = None
    holder: Holder | None = None  # who holds the document; None: unknown (a trust policy)

    def at(self, *path: str | int) -> JsonPath:
        """Path of a part of the document, relative to the source object."""
        return () if self.base is None else (*self.base, *path)

    def pick(self, strict_id: str, lax_id: str) -> str:
        return strict_id if self.strict else lax_id

    def hit(self, rule_id: str, message: str, *path: str | int, hint: str | None = None) -> Hit:
        where = "" if self.base is not None else f" ({self.kind} {self.name})"
        # a trust policy is caused by its level: point at the level's name
        return Hit(rule_id, self.source, self.at(*path), message + where, hint, self.kind == TRUST)


@dataclass
class Context:
    org: Organization
    expansion: Expansion
    today: dt.date
    identity_id: str

    def strict_envs(self) -> set[str]:
        return {name for name, env in self.org.environments.items() if env.strict}

    @cached_property
    def account_ids(self) -> frozenset[str]:
        """Ids of accounts/ (asked once per policy: 1,000 accounts at XL)."""
        return frozenset(a.id for a in self.org.accounts.values())


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


@dataclass(frozen=True)
class Statement:
    index: int
    data: dict[str, Any]

    @property
    def allow(self) -> bool:
        return self.data.get("Effect") == "Allow"

    @property
    def actions(self) -> list[str]:
        return [a for a in as_list(self.data.get("Action")) if isinstance(a, str)]

    @property
    def resources(self) -> list[str]:
        return [r for r in as_list(self.data.get("Resource")) if isinstance(r, str)]

    @property
    def condition(self) -> dict[str, Any]:
        cond = self.data.get("Condition")
        return cond if isinstance(cond, dict) else {}

    def action_field(self) -> str:
        return "Action" if "Action" in self.data else "NotAction"


def statements(document: dict[str, Any]) -> Iterator[Statement]:
    for index, data in enumerate(as_list(document.get("Statement"))):
        if isinstance(data, dict):
            yield Statement(index, data)


@cache  # few distinct (pattern, action) pairs, asked tens of thousands of times at XL
def covers(pattern: str, action: str) -> bool:
    """Whether an Action pattern of a policy (`sts:Assume*`, `*`) matches an action."""
    return fnmatch.fnmatchcase(action.lower(), pattern.lower())


def first_covering(patterns: list[str], action: str) -> int | None:
    for j, pattern in enumerate(patterns):
        if covers(pattern, action):
            return j
    return None
