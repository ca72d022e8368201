"""`owners_only` (E451): these levels, in an account owned by a team, only for that team's
people (and those the rule lists in `except`)."""

from __future__ import annotations

from jumpgate.core.findings import Finding
from jumpgate.gate.access_rules.loader import AccessRule
from jumpgate.gate.access_rules.view import AccessView, at_grant, by_grant, listed
from jumpgate.model.organization import Grant
from jumpgate.report.access import AccessPath

KIND = "owners_only"
RULE_ID = "E451"


def check(rule: AccessRule, view: AccessView) -> list[Finding]:
    levels = set(rule.spec["levels"])
    teams = set(rule.spec.get("teams", view.org.teams))
    exempt = set(rule.spec.get("except", ()))
    hits: list[tuple[Grant | None, AccessPath]] = []
    for path in view.paths:
        owner = view.org.accounts[path.account].team
        if path.level not in levels or owner is None or owner not in teams:
            continue
        if path.person not in view.members(owner) and path.person not in exempt:
            hits.append((view.grant_of(path), path))
    out = []
    for grant, paths in by_grant(hits).values():
        owned = listed(f"{p.account} (team {view.org.accounts[p.account].team})" for p in paths)
        message = (
            f"{paths[0].level} in {owned} for {listed(p.person for p in paths)}, "
            "not of the owning team"
        )
        out.append(at_grant(rule, RULE_ID, grant, message))
    return out
