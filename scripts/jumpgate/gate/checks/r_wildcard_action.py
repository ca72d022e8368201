"""E704 (strict environment) / W705: Allow of every action, `*` or `*:*` (CIS 1.16).
Full access belongs in an `elevated` level with the AWS managed AdministratorAccess."""

from __future__ import annotations

from collections.abc import Iterator

from jumpgate.gate.checks.base import Context, Hit, Target, statements
from jumpgate.gate.checks.escalation import FULL_WILDCARDS

RULE_IDS = ("E704", "W705")


def check_policy(target: Target, ctx: Context | None) -> Iterator[Hit]:
    """Needs no organization (`ctx` may be None): the pipeline templates are judged too."""
    for st in statements(target.document):
        if not st.allow:
            continue
        for j, entry in enumerate(st.actions):
            if entry in FULL_WILDCARDS:
                yield target.hit(
                    target.pick(*RULE_IDS),
                    f"allows every action ({entry!r})",
                    "Statement",
                    st.index,
                    "Action",
                    j,
                    hint="list the actions needed, or grant an admin level with expires and reason",
                )
