"""The organization's access rules (org/access-rules.yaml), checked by `jumpgate check` on
the effective-access model (`report.access`): who reaches which account at which level, as
the policies that would be deployed allow it, not as the YAML reads.

One module per kind (`KIND`, `RULE_ID`, `check(rule, view)`); `loader` resolves the rules
file (E450 unknown names, E456 duplicate ids). Findings point at the grant that causes them
(its `access[i]` entry in the team file); a missing path (`required`) at the rule. The model
is computed once per run, and only when the file has at least one valid rule.

Not suppressible: suppressions (gate/suppress.py) let a data file accept a *policy* finding
next to what causes it, in a file its team owns; an access rule is the organization's, and
its exceptions (`except:`) belong in the rules file, which the platform team reviews.
docs/access-rules.md.
"""

from __future__ import annotations

import datetime as dt
from types import ModuleType

from jumpgate.core.findings import Finding
from jumpgate.gate.access_rules import (
    max_people,
    no_standing,
    owners_only,
    required,
    restricted,
)
from jumpgate.gate.access_rules.loader import load_rules
from jumpgate.gate.access_rules.view import AccessView
from jumpgate.generate.expansion import Expansion
from jumpgate.model.organization import Organization

KIND_MODULES: dict[str, ModuleType] = {
    module.KIND: module for module in (owners_only, no_standing, required, max_people, restricted)
}
RULE_IDS = ("E450", *(module.RULE_ID for module in KIND_MODULES.values()), "E456")


def check(org: Organization, expansion: Expansion, today: dt.date) -> list[Finding]:
    """The access rules' findings; [] without org/access-rules.yaml (or with no valid rule)."""
    if org.access_rules is None:
        return []
    rules, findings = load_rules(org, org.access_rules)
    if not rules:
        return findings
    view = AccessView.build(org, expansion, today)
    for rule in rules:
        findings += KIND_MODULES[rule.kind].check(rule, view)
    return findings
