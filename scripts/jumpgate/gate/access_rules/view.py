"""What every access-rule kind sees: the effective-access paths (computed once per run) and,
for each path, the grant that causes it, so a finding points at that grant's `access[i]`."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from jumpgate.core.findings import Finding
from jumpgate.core.rules import hint_of
from jumpgate.gate.access_rules.loader import AccessRule
from jumpgate.generate.expansion import Expansion, Group
from jumpgate.model.organization import Grant, Organization
from jumpgate.report.access import AccessPath, effective_access

MAX_LISTED = 6  # names in one message; a finding stays one readable line


@dataclass
class AccessView:
    org: Organization
    paths: list[AccessPath]
    _groups: dict[tuple[str, str], list[Group]] = field(default_factory=dict)

    @classmethod
    def build(cls, org: Organization, expansion: Expansion, today: dt.date) -> AccessView:
        # By role ARN, as the model found the path: two accounts that share an id (E201) share
        # their roles' ARNs, and the path may name either account.
        groups: dict[tuple[str, str], list[Group]] = defaultdict(list)
        for group in sorted(expansion.groups.values(), key=lambda g: g.name):
            for person in group.members:
                for role in group.roles:
                    groups[(person, role.arn(org.path))].append(group)
        return cls(org, effective_access(org, expansion, today), dict(groups))

    def grant_of(self, path: AccessPath) -> Grant | None:
        """The grant the model names as the path's source (`teams/x.yaml:LINE`); when several
        grants sit on that line (flow style), the one with the path's expiry. None only if no
        group holds the path's role (never, for a model built from this expansion)."""
        candidates = [g.grant for g in self._groups[(path.person, path.role_arn)]]
        on_line = [g for g in candidates if _source_of(g) == path.source] or candidates
        same_expiry = [g for g in on_line if g.expires == path.expires]
        chosen = same_expiry or on_line
        return chosen[0] if chosen else None

    def members(self, team: str) -> set[str]:
        found = self.org.teams.get(team)
        return set(found.people) if found else set()


def _source_of(grant: Grant) -> str:
    line, _ = grant.source.doc.where(grant.source.path)
    return f"{grant.source.doc.path}:{line}"


def listed(names: Iterable[str]) -> str:
    """`a, b, c` — at most MAX_LISTED names, then `and N more`."""
    ordered = sorted(set(names))
    shown = ", ".join(ordered[:MAX_LISTED])
    rest = len(ordered) - MAX_LISTED
    return f"{shown} and {rest} more" if rest > 0 else shown


def at_grant(rule: AccessRule, rule_id: str, grant: Grant, message: str) -> Finding:
    """A finding at the grant's `access[i]` entry, quoting the rule (and its reason in the hint)."""
    return grant.source.finding(rule_id, f"access rule {rule.id!r}: {message}", hint(rule, rule_id))


def hint(rule: AccessRule, rule_id: str) -> str:
    why = f" (rule's reason: {rule.reason})" if rule.reason else ""
    return hint_of(rule_id) + why


def by_grant(
    hits: Iterable[tuple[Grant | None, AccessPath]],
) -> dict[tuple[str, int], tuple[Grant, list[AccessPath]]]:
    """Paths grouped by the grant that causes them (a grant gets one finding per rule)."""
    out: dict[tuple[str, int], tuple[Grant, list[AccessPath]]] = {}
    for grant, path in hits:
        if grant is None:
            continue
        out.setdefault((grant.team, grant.index), (grant, []))[1].append(path)
    return out
