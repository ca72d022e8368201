"""What the organization expands to: roles, groups (one per grant), people and stacks.

Plain types, filled in by `expand` and read by every later step; kept apart from `expand` so
that the policy documents (`policies`) can build on them without an import cycle.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jumpgate.core.paths import PARAMETERS
from jumpgate.model.organization import Account, Grant, Level


@dataclass(frozen=True)
class Role:
    account: str
    account_id: str
    name: str
    level: Level
    max_session_seconds: int
    mfa_max_age_seconds: int | None
    require_session_name: bool
    require_source_identity: bool
    permissions_boundary: str | None
    # In a strict environment: the ids of the strict groups whose policy reaches this role; its
    # trust admits only people tagged with one of them (policies.STRICT_GROUPS_TAG). Else empty.
    strict_groups: tuple[str, ...] = ()

    def arn(self, path: str) -> str:
        return f"arn:aws:iam::{self.account_id}:role{path}{self.name}"


@dataclass
class Group:
    name: str
    grant: Grant
    members: tuple[str, ...]
    roles: tuple[Role, ...]
    expires_at: str | None  # first instant the grant no longer works


@dataclass
class User:
    username: str
    name: str
    email: str
    teams: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    strict_groups: list[str] = field(default_factory=list)  # ids of their strict groups


@dataclass(frozen=True)
class Stack:
    name: str
    stage: str
    account: str
    account_id: str
    region: str
    template: str
    parameters: dict[str, str]
    tags: dict[str, str]
    depends_on: tuple[str, ...] = ()

    @property
    def parameter_file(self) -> str:
        return f"{PARAMETERS}/{self.account}/{self.name}.json"


@dataclass
class Expansion:
    roles: dict[tuple[str, str], Role] = field(default_factory=dict)  # (account, role name)
    groups: dict[str, Group] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    stacks: list[Stack] = field(default_factory=list)
    stages: list[str] = field(default_factory=list)
    identity: Account | None = None
    # generated templates (people batches): repository-relative path → text
    templates: dict[str, str] = field(default_factory=dict)
