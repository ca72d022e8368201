"""`required` (E453): some person of the team holds the level in every account the rule
names. A missing path has no grant to point at: it is reported at the rule, and at the team
file's `access:` (or `team:`) so the team sees it too."""

from __future__ import annotations

from jumpgate.core.findings import Finding
from jumpgate.gate.access_rules.loader import AccessRule
from jumpgate.gate.access_rules.view import AccessView, hint, listed

KIND = "required"
RULE_ID = "E453"


def check(rule: AccessRule, view: AccessView) -> list[Finding]:
    team, level = rule.spec["team"], rule.spec["level"]
    members = view.members(team)
    held = {p.account for p in view.paths if p.level == level and p.person in members}
    missing = [name for name in rule.accounts(view.org) if name not in held]
    if not missing:
        return []
    message = f"access rule {rule.id!r}: no one of team {team} holds {level} in {listed(missing)}"
    out = [rule.finding(RULE_ID, message, hint(rule, RULE_ID))]
    found = view.org.teams.get(team)
    if found is not None:
        where = ("access",) if "access" in found.source.doc.data else ("team",)
        out.append(found.source.finding(RULE_ID, message, hint(rule, RULE_ID), sub=where, key=True))
    return out
