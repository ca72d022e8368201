"""E710 (strict) / W711: an action that lets its holder raise their own privileges."""

from __future__ import annotations

from collections.abc import Iterator

from jumpgate.gate.checks.base import Context, Hit, Target, covers, statements
from jumpgate.gate.checks.escalation import ALONE, FULL_WILDCARDS

RULE_IDS = ("E710", "W711")


def check_policy(target: Target, ctx: Context) -> Iterator[Hit]:
    for st in statements(target.document):
        if not st.allow:
            continue
        for j, entry in enumerate(st.actions):
            if entry in FULL_WILDCARDS:
                continue  # E704
            found = [a for a in ALONE if covers(entry, a)]
            if found:
                more = f" and {len(found) - 3} more" if len(found) > 3 else ""
                yield target.hit(
                    target.pick(*RULE_IDS),
                    f"{entry!r} allows privilege escalation ({', '.join(found[:3])}{more})",
                    "Statement",
                    st.index,
                    "Action",
                    j,
                    hint="remove the action; escalation paths are granted only as the admin level",
                )
