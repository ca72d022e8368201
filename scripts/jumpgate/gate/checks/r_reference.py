"""W725: a prod role differs from its committed Access Analyzer reference
(analyze/reference/<account>/<stack>.json, see docs/gate.md). Offline and early: in CodeBuild,
`jumpgate analyze` fails (E805/E807/E808) when such a change grows access, until the reference
is rewritten (`jumpgate analyze --write-references`) and committed with the change.
Repositories without an analyze/reference/ folder opt out."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from jumpgate.gate.checks.base import Context, Hit
from jumpgate.generate.policies import trust_policy

RULE_IDS = ("W725",)
REFERENCES = "analyze/reference"
ROLE_TEMPLATE = "target-role.yaml"


def _differences(role: Any, reference: dict[str, Any], ctx: Context) -> list[str]:
    level = role.level
    out = []
    if sorted(level.managed_policies) != sorted(reference.get("ManagedPolicyArns", [])):
        out.append("managed policies")
    custom = list((reference.get("IdentityPolicies") or {}).values())
    if custom != ([level.policy] if level.policy is not None else []):
        out.append("custom policy")
    if trust_policy(role, ctx.identity_id, ctx.org.path) != reference.get("TrustPolicy"):
        out.append("trust policy")
    return out


def check_org(ctx: Context) -> Iterator[Hit]:
    folder = ctx.org.root / REFERENCES
    if not folder.is_dir():
        return
    strict = ctx.strict_envs()
    for stack in ctx.expansion.stacks:
        if not stack.template.endswith(ROLE_TEMPLATE):
            continue
        account = ctx.org.accounts.get(stack.account)
        role = ctx.expansion.roles.get((stack.account, stack.parameters.get("RoleName", "")))
        if account is None or role is None or account.environment not in strict:
            continue
        path = folder / stack.account / f"{stack.name}.json"
        try:
            reference = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            what = "has no reference"
        else:
            changed = _differences(role, reference, ctx)
            if not changed:
                continue
            what = f"differs from its reference in: {', '.join(changed)}"
        yield Hit(
            "W725",
            role.level.source,
            (),
            f"role {role.name} in {stack.account} {what} ({REFERENCES}/{stack.account}/"
            f"{stack.name}.json)",
            "run `jumpgate analyze --write-references` and commit the reference with the change",
            key=True,
        )
