"""E708 (strict) / W709: write or permissions-management actions on Resource "*" when the
action can be limited to resources."""

from __future__ import annotations

from collections.abc import Iterator

from jumpgate.gate.checks import iamdb
from jumpgate.gate.checks.base import Context, Hit, Target, statements
from jumpgate.gate.checks.escalation import FULL_WILDCARDS

RULE_IDS = ("E708", "W709")
LEVELS = (iamdb.WRITE, iamdb.PERMISSIONS)


def check_policy(target: Target, ctx: Context) -> Iterator[Hit]:
    for st in statements(target.document):
        if not st.allow or "*" not in st.resources:
            continue
        for j, entry in enumerate(st.actions):
            if entry in FULL_WILDCARDS:
                continue  # E704
            risky = sorted(
                a.full for a in iamdb.expand(entry) if a.access_level in LEVELS and a.resource_level
            )
            if risky:
                more = f" and {len(risky) - 3} more" if len(risky) > 3 else ""
                yield target.hit(
                    target.pick(*RULE_IDS),
                    f'{entry!r} changes resources on Resource "*" ({", ".join(risky[:3])}{more})',
                    "Statement",
                    st.index,
                    "Action",
                    j,
                    hint="name the resources (ARNs) the actions may change",
                )
