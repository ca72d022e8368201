"""org/access-rules.yaml as typed rules, and the rules file's own findings.

The document comes from the loading boundary (`model.reader.DataFiles`, through
`load_organization`): schema errors are already reported there (E101) and such a file never
reaches this module. Here each rule's names are resolved against the organization; a rule that
names something unknown (E450) or repeats an id (E456) is reported at that value of the rules
file and left out, so the other rules still run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jumpgate.core.findings import Finding
from jumpgate.model.loader import Document, JsonPath
from jumpgate.model.organization import Organization, Source

# Keys of a rule's settings that name something, and what they name (in messages).
WHAT = {
    "team": "team",
    "teams": "team",
    "level": "level",
    "levels": "level",
    "environments": "environment",
    "accounts": "account",
    "except": "person",
}
KINDS = ("owners_only", "no_standing", "required", "max_people", "restricted")


@dataclass(frozen=True)
class AccessRule:
    """One entry of `rules:`: its id, reason, kind and the kind's settings (`spec`)."""

    id: str
    reason: str | None
    kind: str
    spec: Mapping[str, Any]
    source: Source  # the entry of `rules:` in org/access-rules.yaml

    def finding(self, rule_id: str, message: str, hint: str | None = None) -> Finding:
        return self.source.finding(rule_id, message, hint)

    def accounts(self, org: Organization) -> list[str]:
        """The accounts the rule covers: by name, by environment, else every target account."""
        names = set(self.spec.get("accounts", ()))
        environments = set(self.spec.get("environments", ()))
        if not names and not environments:
            return sorted(a.name for a in org.accounts.values() if not a.is_identity)
        return sorted(
            a.name
            for a in org.accounts.values()
            if a.name in names or a.environment in environments
        )


def _level_known(org: Organization, level: str) -> bool:
    team, _, name = level.rpartition("/")
    if not team:
        return level in org.levels
    return team in org.teams and name in org.teams[team].permission_sets


def _unknown(org: Organization, spec: Mapping[str, Any]) -> list[tuple[JsonPath, str]]:
    """(path inside the kind's settings, message) for each name the organization lacks."""
    people = {person for team in org.teams.values() for person in team.people}

    def exists(key: str, value: str) -> bool:
        if key in ("team", "teams"):
            return value in org.teams
        if key in ("level", "levels"):
            return _level_known(org, value)
        if key == "environments":
            return value in org.environments
        if key == "accounts":
            return value in org.accounts
        return value in people  # except

    out: list[tuple[JsonPath, str]] = []
    for key, value in spec.items():
        what = WHAT.get(key)
        if what is None:
            continue
        items = (
            [(i, v) for i, v in enumerate(value)] if isinstance(value, list) else [(None, value)]
        )
        for index, item in items:
            if not exists(key, item):
                path: JsonPath = (key,) if index is None else (key, index)
                out.append((path, f"unknown {what} {item!r}"))
    return out


def load_rules(org: Organization, doc: Document) -> tuple[list[AccessRule], list[Finding]]:
    rules: list[AccessRule] = []
    findings: list[Finding] = []
    first: dict[str, int] = {}
    for index, raw in enumerate(doc.data.get("rules") or []):
        kind = next(k for k in KINDS if k in raw)  # the schema allows exactly one
        source = Source(doc, ("rules", index))
        rule_id = raw["id"]
        if rule_id in first:
            line, _ = doc.where(("rules", first[rule_id], "id"))
            message = f"access rule id {rule_id!r} is also used on line {line}"
            findings.append(source.finding("E456", message, sub=("id",)))
            continue
        first[rule_id] = index
        problems = _unknown(org, raw[kind])
        for path, message in problems:
            findings.append(
                source.finding("E450", f"access rule {rule_id!r}: {message}", sub=(kind, *path))
            )
        if not problems:
            rules.append(AccessRule(rule_id, raw.get("reason"), kind, raw[kind], source))
    return rules, findings
