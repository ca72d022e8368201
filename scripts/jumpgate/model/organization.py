"""The organization as typed values, built from schema-valid documents.

Each object keeps its Document and JSON path so later checks can point at the source.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jumpgate.core.findings import Finding
from jumpgate.model.loader import Document, JsonPath, iter_yaml_files

ORG_FILE = "org/organization.yaml"
ACCESS_RULES_FILE = "org/access-rules.yaml"  # optional: checked by the gate (gate/access_rules)
IDENTITY = "identity"


@dataclass(frozen=True)
class Source:
    doc: Document
    path: JsonPath

    def finding(
        self,
        rule_id: str,
        message: str,
        hint: str | None = None,
        *,
        sub: JsonPath = (),
        key: bool = False,
    ) -> Finding:
        return self.doc.finding((*self.path, *sub), rule_id, message, hint, key=key)


@dataclass(frozen=True)
class Environment:
    name: str
    stage: str
    max_session_seconds: int
    mfa_max_age_seconds: int | None
    require_session_name: bool
    require_source_identity: bool
    strict: bool
    max_elevation_days: int
    permissions_boundary: str | None
    source: Source


@dataclass(frozen=True)
class Level:
    """An access level of the organization, or a team's own permission set (team is set)."""

    name: str
    team: str | None
    description: str
    managed_policies: tuple[str, ...]
    policy: dict[str, Any] | None
    permissions_boundary: str | None
    elevated: bool
    denied_in: tuple[str, ...]
    max_session_seconds: int | None
    source: Source


@dataclass(frozen=True)
class Account:
    name: str
    id: str
    environment: str
    team: str | None
    description: str
    source: Source

    @property
    def is_identity(self) -> bool:
        return self.environment == IDENTITY


@dataclass(frozen=True)
class Person:
    username: str
    name: str
    email: str
    team: str
    source: Source


@dataclass(frozen=True)
class Grant:
    team: str
    index: int
    who: tuple[str, ...] | None  # None means every person of the team
    level: str
    environments: tuple[str, ...]
    accounts: tuple[str, ...]
    expires: str | None
    reason: str | None
    group: str | None
    source: Source


@dataclass(frozen=True)
class Team:
    name: str
    description: str
    people: dict[str, Person]
    permission_sets: dict[str, Level]
    grants: tuple[Grant, ...]
    source: Source


@dataclass
class Organization:
    root: Path
    name: str = "organization"
    region: str = "us-east-1"
    prefix: str = "jumpgate"
    environments: dict[str, Environment] = field(default_factory=dict)
    levels: dict[str, Level] = field(default_factory=dict)
    accounts: dict[str, Account] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    quotas: dict[str, int] = field(default_factory=dict)  # raised quotas, by limits.py name
    # None: one stack per person; N: people in N stacks by a stable hash of the user name
    people_batches: int | None = None
    org_source: Source | None = None
    access_rules: Document | None = None  # org/access-rules.yaml when present and schema-valid
    documents: list[Document] = field(default_factory=list)
    _by_team: dict[str, list[Account]] | None = field(default=None, repr=False)

    @property
    def path(self) -> str:
        return f"/{self.prefix}/"

    def strict_account_ids(self) -> frozenset[str]:
        """Ids of the accounts of strict environments (prod): bootstrap.yaml gives them only the
        strict (post-approval) deployer."""
        return frozenset(
            account.id
            for account in self.accounts.values()
            if account.environment in self.environments
            and self.environments[account.environment].strict
        )

    def accounts_of(self, team: str) -> list[Account]:
        """A team's accounts (indexed once: grants ask for them thousands of times at scale)."""
        if self._by_team is None:
            self._by_team = {}
            for account in self.accounts.values():
                if account.team is not None:
                    self._by_team.setdefault(account.team, []).append(account)
        return self._by_team.get(team, [])


def _level(name: str, team: str | None, raw: dict[str, Any], source: Source) -> Level:
    return Level(
        name=name,
        team=team,
        description=raw.get("description", ""),
        managed_policies=tuple(raw.get("managed_policies", ())),
        policy=raw.get("policy"),
        permissions_boundary=raw.get("permissions_boundary"),
        elevated=bool(raw.get("elevated", False)),
        denied_in=tuple(raw.get("denied_in", ())),
        max_session_seconds=raw.get("max_session_seconds"),
        source=source,
    )


def _read_org(org: Organization, doc: Document) -> None:
    raw = doc.data
    org.org_source = Source(doc, ())
    org.name = raw["name"]
    org.region = raw["region"]
    org.prefix = raw.get("prefix", "jumpgate")
    org.quotas = dict(raw.get("quotas", {}))
    org.people_batches = raw.get("people_batches")
    for name, env in raw["environments"].items():
        org.environments[name] = Environment(
            name=name,
            stage=env.get("stage", name),
            max_session_seconds=env["max_session_seconds"],
            mfa_max_age_seconds=env.get("mfa_max_age_seconds"),
            require_session_name=env.get("require_session_name", True),
            require_source_identity=env.get("require_source_identity", False),
            strict=env.get("strict", False),
            max_elevation_days=env.get("max_elevation_days", 90),
            permissions_boundary=env.get("permissions_boundary"),
            source=Source(doc, ("environments", name)),
        )
    for name, level in raw["levels"].items():
        org.levels[name] = _level(name, None, level, Source(doc, ("levels", name)))


def _read_account(org: Organization, doc: Document, name: str) -> None:
    raw = doc.data
    org.accounts[name] = Account(
        name=name,
        id=raw["id"],
        environment=raw["environment"],
        team=raw.get("team"),
        description=raw.get("description", ""),
        source=Source(doc, ()),
    )


def _read_team(doc: Document) -> Team:
    raw = doc.data
    name = raw["team"]
    people = {
        user: Person(user, p["name"], p["email"], name, Source(doc, ("people", user)))
        for user, p in raw["people"].items()
    }
    sets = {
        set_name: _level(set_name, name, s, Source(doc, ("permission_sets", set_name)))
        for set_name, s in raw.get("permission_sets", {}).items()
    }
    grants = []
    for index, g in enumerate(raw.get("access", [])):
        who = g["who"]
        grants.append(
            Grant(
                team=name,
                index=index,
                who=None if who == "all" else tuple(who),
                level=g["level"],
                environments=tuple(g.get("environments", ())),
                accounts=tuple(g.get("accounts", ())),
                expires=g.get("expires"),
                reason=g.get("reason"),
                group=g.get("group"),
                source=Source(doc, ("access", index)),
            )
        )
    return Team(name, raw.get("description", ""), people, sets, tuple(grants), Source(doc, ()))


# Reads one data file against one schema: (document or None, findings). The caller decides
# how (`model.reader.DataFiles` puts the caches in front); the model never sees a cache.
LoadFile = Callable[[Path, str], tuple[Document | None, list[Finding]]]


def load_organization(root: Path, load: LoadFile) -> tuple[Organization, list[Finding]]:
    """Load and schema-check every data file. Files with errors are left out of the model."""
    org = Organization(root=root)
    findings: list[Finding] = []

    def read(path: Path, schema: str) -> Document | None:
        doc, problems = load(path, schema)
        findings.extend(problems)
        if doc is None:
            return None
        org.documents.append(doc)
        return None if problems else doc

    org_doc = read(root / ORG_FILE, "organization")
    if org_doc is not None:
        _read_org(org, org_doc)
    if (root / ACCESS_RULES_FILE).exists():
        org.access_rules = read(root / ACCESS_RULES_FILE, "access-rules")
    for path in iter_yaml_files(root / "accounts"):
        doc = read(path, "account")
        if doc is not None and path.stem in org.accounts:  # accounts/x.yaml and accounts/x.yml
            first = org.accounts[path.stem].source.doc.path
            findings.append(doc.finding((), "E216", f"account {path.stem!r} is also {first}"))
        elif doc is not None:
            _read_account(org, doc, path.stem)
    for path in iter_yaml_files(root / "teams"):
        doc = read(path, "team")
        if doc is None:
            continue
        team = _read_team(doc)
        if team.name != path.stem:
            findings.append(
                doc.finding(
                    ("team",),
                    "E102",
                    f"declares team {team.name!r} but the file is named {path.name!r}",
                    f"rename the file to teams/{team.name}.yaml",
                )
            )
            continue
        if team.name in org.teams:  # teams/x.yaml and teams/x.yml
            first = org.teams[team.name].source.doc.path
            findings.append(
                doc.finding(("team",), "E210", f"team {team.name!r} is also declared in {first}")
            )
            continue
        org.teams[team.name] = team
    return org, findings
