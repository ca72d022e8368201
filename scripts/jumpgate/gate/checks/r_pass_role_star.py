"""E714 (strict) / W715: iam:PassRole on every role (`*`, `…:role/*`, `arn:*`: any pattern
that matches every role ARN, see reach.py)."""

from __future__ import annotations

from collections.abc import Iterator

from jumpgate.gate.checks.base import Context, Hit, Target, covers, statements
from jumpgate.gate.checks.escalation import FULL_WILDCARDS, PASS_ROLE
from jumpgate.gate.checks.reach import covers_format

RULE_IDS = ("E714", "W715")
ROLE_ARN = "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}"


def check_policy(target: Target, ctx: Context | None) -> Iterator[Hit]:
    """Needs no organization (`ctx` may be None): the pipeline templates are judged too."""
    for st in statements(target.document):
        if not st.allow or not any(
            covers(a, PASS_ROLE) for a in st.actions if a not in FULL_WILDCARDS
        ):
            continue
        for k, resource in enumerate(st.resources):
            if covers_format(resource, ROLE_ARN):
                yield target.hit(
                    target.pick(*RULE_IDS),
                    f"iam:PassRole on {resource!r} passes any role, admin roles included",
                    "Statement",
                    st.index,
                    "Resource",
                    k,
                    hint="name the roles that may be passed",
                )
