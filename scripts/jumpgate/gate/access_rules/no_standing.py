"""`no_standing` (E452): these levels only with an expiry, in the rule's environments (by
default the strict ones, such as prod)."""

from __future__ import annotations

from jumpgate.core.findings import Finding
from jumpgate.gate.access_rules.loader import AccessRule
from jumpgate.gate.access_rules.view import AccessView, at_grant, by_grant, listed

KIND = "no_standing"
RULE_ID = "E452"


def check(rule: AccessRule, view: AccessView) -> list[Finding]:
    levels = set(rule.spec["levels"])
    strict = {name for name, env in view.org.environments.items() if env.strict}
    environments = set(rule.spec.get("environments", strict))
    hits = [
        (view.grant_of(path), path)
        for path in view.paths
        if path.expires is None and path.level in levels and path.environment in environments
    ]
    out = []
    for grant, paths in by_grant(hits).values():
        message = (
            f"standing {paths[0].level} (no expiry) in {listed(p.account for p in paths)} "
            f"for {listed(p.person for p in paths)}"
        )
        out.append(at_grant(rule, RULE_ID, grant, message))
    return out
