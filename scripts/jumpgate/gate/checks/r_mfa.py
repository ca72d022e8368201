"""E716: every path to sts:AssumeRole requires MFA.

Group and trust policies must allow sts:AssumeRole only with `Bool aws:MultiFactorAuthPresent
true` (BoolIfExists also passes long-term access keys). A custom policy that allows
sts:AssumeRole lets a role session (which carries no MFA) chain into further roles.
"""

from __future__ import annotations

from collections.abc import Iterator

from jumpgate.gate.checks.base import CUSTOM, Context, Hit, Target, covers, statements

RULE_IDS = ("E716",)
ASSUME = "sts:AssumeRole"


def _requires_mfa(condition: dict[str, object]) -> bool:
    block = condition.get("Bool")
    if not isinstance(block, dict):
        return False
    value = block.get("aws:MultiFactorAuthPresent")
    return value in ("true", True, ["true"], [True])


def check_policy(target: Target, ctx: Context) -> Iterator[Hit]:
    for st in statements(target.document):
        if not st.allow:
            continue
        for j, entry in enumerate(st.actions):
            if target.kind == CUSTOM and not entry.lower().startswith("sts:"):
                continue  # `*` is E704's concern
            if covers(entry, ASSUME) and not _requires_mfa(st.condition):
                yield target.hit(
                    "E716",
                    f"{entry!r} is allowed without MFA (no Bool aws:MultiFactorAuthPresent true)",
                    "Statement",
                    st.index,
                    "Action",
                    j,
                    hint="people assume roles only through jumpgate's groups, which require MFA; "
                    "remove the action",
                )
