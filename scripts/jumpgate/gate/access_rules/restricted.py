"""`restricted` (E455): nobody outside the team (and the rule's `except`) reaches the
accounts the rule names, at any level."""

from __future__ import annotations

from jumpgate.core.findings import Finding
from jumpgate.gate.access_rules.loader import AccessRule
from jumpgate.gate.access_rules.view import AccessView, at_grant, by_grant, listed

KIND = "restricted"
RULE_ID = "E455"


def check(rule: AccessRule, view: AccessView) -> list[Finding]:
    team = rule.spec["team"]
    allowed = view.members(team) | set(rule.spec.get("except", ()))
    covered = set(rule.accounts(view.org))
    hits = [
        (view.grant_of(path), path)
        for path in view.paths
        if path.account in covered and path.person not in allowed
    ]
    out = []
    for grant, paths in by_grant(hits).values():
        message = (
            f"{listed(p.account for p in paths)} reached as {paths[0].level} by "
            f"{listed(p.person for p in paths)}, outside team {team}"
        )
        out.append(at_grant(rule, RULE_ID, grant, message))
    return out
