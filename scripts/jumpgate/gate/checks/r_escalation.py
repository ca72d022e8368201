"""E710 (strict) / W711: an action that lets its holder raise their own privileges.

The action alone decides for credentials and new code as an existing role; for changes to
roles, users, groups and policy versions, the statement's resources and the holder's Deny
statements do too (holder.py): such a change is reported unless the holder provably cannot
benefit from it. A policy whose holder is unknown (a trust policy) is judged by its actions.
"""

from __future__ import annotations

from collections.abc import Iterator

from jumpgate.gate.checks.base import Context, Hit, Target, covers, statements
from jumpgate.gate.checks.escalation import ALONE, FULL_WILDCARDS

RULE_IDS = ("E710", "W711")


def check_policy(target: Target, ctx: Context | None) -> Iterator[Hit]:
    """Needs no organization (`ctx` may be None): the pipeline templates are judged too."""
    holder = target.holder
    for st in statements(target.document):
        if not st.allow:
            continue
        for j, entry in enumerate(st.actions):
            if entry in FULL_WILDCARDS:
                continue  # E704
            found = [a for a in ALONE if covers(entry, a)]
            if holder is not None:
                found = [a for a in found if holder.benefits(st.data, a)]
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
