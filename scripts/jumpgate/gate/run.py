"""`jumpgate check`: offline policy rules on every policy jumpgate would deploy.

One module per rule (`r_*.py`), each declaring `RULE_IDS` and `check_policy` and/or
`check_org`; this package runs them over the targets (custom policies of levels and permission
sets, group assume policies, role trust policies) and applies the data files' suppressions;
the escalation, pass-role and admin rules also judge the pipeline templates' own IAM
(`pipeline_templates`).
AWS managed policies are referenced by ARN and not checked by content: AWS maintains them, and
`AdministratorAccess` is `*:*` by design. Their names are checked against a dated list (E727),
and what a level means is judged instead (E722, E729).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from types import ModuleType

from jumpgate.core.findings import Finding
from jumpgate.gate import access_rules, pipeline_templates, suppress
from jumpgate.gate.checks import (
    r_admin_like,
    r_assume_target,
    r_escalation,
    r_grammar,
    r_managed_policy,
    r_mfa,
    r_mfa_age,
    r_not_action,
    r_pass_role_combo,
    r_pass_role_star,
    r_reference,
    r_resource_type,
    r_session,
    r_size,
    r_standing,
    r_star_write,
    r_trust_principal,
    r_unknown,
    r_wildcard_action,
)
from jumpgate.gate.checks.base import Context, Hit
from jumpgate.gate.checks.passcache import PolicyPassCache
from jumpgate.gate.checks.targets import build_targets
from jumpgate.generate.expansion import Expansion
from jumpgate.model.organization import Organization

RULE_MODULES: tuple[ModuleType, ...] = (
    r_grammar,
    r_unknown,
    r_resource_type,
    r_wildcard_action,
    r_not_action,
    r_star_write,
    r_escalation,
    r_pass_role_combo,
    r_pass_role_star,
    r_mfa,
    r_assume_target,
    r_trust_principal,
    r_session,
    r_admin_like,
    r_standing,
    r_managed_policy,
    r_mfa_age,
    r_size,
    r_reference,
)

POLICY_RULE_IDS: tuple[str, ...] = (
    *(rule for module in RULE_MODULES for rule in module.RULE_IDS),
    *suppress.RULE_IDS,
)


@dataclass(frozen=True)
class CheckResult:
    findings: list[Finding]
    suppressed: int
    policies: int


def policy_hits(
    ctx: Context, modules: Iterable[ModuleType] = RULE_MODULES, *, use_cache: bool = False
) -> tuple[list[Hit], int]:
    """Every rule's hits. With `use_cache` (every rule module only), a document that passed
    every per-policy rule before (same content, same run salt) is not checked again."""
    hits: list[Hit] = []
    targets = build_targets(ctx)
    modules = list(modules)
    checks = [c for c in (getattr(m, "check_policy", None) for m in modules) if c is not None]
    cache = (
        PolicyPassCache(ctx.org.root, ctx) if use_cache and modules == list(RULE_MODULES) else None
    )
    for target in targets:
        key = cache.key(target) if cache is not None else ""
        if cache is not None and cache.known_pass(key):
            continue
        found: list[Hit] = []
        for check in checks:
            found.extend(check(target, ctx))
        if cache is not None and not found:
            cache.add(key)
        hits.extend(found)
    if cache is not None:
        cache.save()
    for module in modules:
        check = getattr(module, "check_org", None)
        if check is not None:
            hits.extend(check(ctx))
    return hits, len(targets)


def run_checks(
    org: Organization, expansion: Expansion, today: dt.date, *, with_access_rules: bool = True
) -> CheckResult:
    """The policy rules (suppressible) and the access rules of org/access-rules.yaml (not:
    see `access_rules`). `with_access_rules=False` when data files were left out of the model,
    where the rules would only report what is missing because of it."""
    identity = expansion.identity.id if expansion.identity else "000000000000"
    ctx = Context(org, expansion, today, identity)
    hits, count = policy_hits(ctx, use_cache=True)
    findings, silenced = suppress.apply(hits, org, today)
    if with_access_rules:
        findings += access_rules.check(org, expansion, today)
    # the pipeline's own IAM (the deployers, the pipeline roles) under the same rules
    templates = pipeline_templates.check_templates(org.root)
    return CheckResult(findings + templates.findings, silenced, count + templates.policies)
