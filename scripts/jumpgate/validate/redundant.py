"""W217: a grant that gives nobody anything another grant does not already give.

A grant's reach is its members × its roles (accounts at one level). When another grant of the
same team reaches at least all of it, at least as long (no expiry, or a later one), the grant
only adds an IAM group (and a slot of the person's 10) with no word to the reviewer.
"""

from __future__ import annotations

from jumpgate.core.findings import Finding
from jumpgate.generate.expansion import Expansion, Group


def _reach(group: Group) -> set[tuple[str, str, str]]:
    return {(m, r.account, r.name) for m in group.members for r in group.roles}


def _lasts_as_long(cover: Group, group: Group) -> bool:
    if cover.expires_at is None:
        return True
    return group.expires_at is not None and cover.expires_at >= group.expires_at


def find_redundant_grants(expansion: Expansion) -> list[Finding]:
    out: list[Finding] = []
    groups = sorted(expansion.groups.values(), key=lambda g: (g.grant.team, g.grant.index))
    reach = {g.name: _reach(g) for g in groups}
    for group in groups:
        if not reach[group.name]:
            continue  # W211 already reports a grant that reaches nothing
        for cover in groups:
            if cover is group or cover.grant.team != group.grant.team:
                continue
            same = reach[cover.name] == reach[group.name]
            if same and (cover.grant.index > group.grant.index):
                continue  # of two identical grants, the later one is reported
            if reach[group.name] <= reach[cover.name] and _lasts_as_long(cover, group):
                line, _ = cover.grant.source.doc.where(cover.grant.source.path)
                where = f"{cover.grant.source.doc.path}:{line}"
                out.append(
                    group.grant.source.finding(
                        "W217",
                        f"grant adds no access: access[{cover.grant.index}] ({where}) already "
                        f"gives {group.grant.level} on these accounts to these people",
                    )
                )
                break
    return out
