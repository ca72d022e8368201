"""`max_people` (E454): at most `max` people hold any of the levels in one account. Every
grant that brings one of them there is reported, once per account over the limit."""

from __future__ import annotations

from collections import defaultdict

from jumpgate.core.findings import Finding
from jumpgate.gate.access_rules.loader import AccessRule
from jumpgate.gate.access_rules.view import AccessView, at_grant, listed
from jumpgate.report.access import AccessPath

KIND = "max_people"
RULE_ID = "E454"


def check(rule: AccessRule, view: AccessView) -> list[Finding]:
    levels = set(rule.spec["levels"])
    limit: int = rule.spec["max"]
    covered = set(rule.accounts(view.org))
    by_account: dict[str, list[AccessPath]] = defaultdict(list)
    for path in view.paths:
        if path.level in levels and path.account in covered:
            by_account[path.account].append(path)
    out = []
    for account, paths in sorted(by_account.items()):
        people = {p.person for p in paths}
        if len(people) <= limit:
            continue
        what = "/".join(sorted({p.level for p in paths}))
        message = (
            f"{len(people)} people hold {what} in {account} ({listed(people)}), at most {limit}"
        )
        grants = {(g.team, g.index): g for g in map(view.grant_of, paths) if g is not None}
        out += [at_grant(rule, RULE_ID, grant, message) for grant in grants.values()]
    return out
