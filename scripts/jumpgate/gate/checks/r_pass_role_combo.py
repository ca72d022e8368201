"""E712 (strict) / W713: iam:PassRole together with an action that runs code under the passed
role (ec2:RunInstances, lambda:CreateFunction, …) in one policy: the holder gains that role."""

from __future__ import annotations

from collections.abc import Iterator

from jumpgate.gate.checks.base import Context, Hit, Target, covers, statements
from jumpgate.gate.checks.escalation import FULL_WILDCARDS, PASS_ROLE, WITH_PASS_ROLE

RULE_IDS = ("E712", "W713")


def check_policy(target: Target, ctx: Context | None) -> Iterator[Hit]:
    """Needs no organization (`ctx` may be None): the pipeline templates are judged too."""
    pass_role: list[tuple[int, int]] = []
    partners: set[str] = set()
    for st in statements(target.document):
        if not st.allow:
            continue
        for j, entry in enumerate(st.actions):
            if entry in FULL_WILDCARDS:
                continue  # E704
            if covers(entry, PASS_ROLE):
                pass_role.append((st.index, j))
            partners.update(a for a in WITH_PASS_ROLE if covers(entry, a))
    if pass_role and partners:
        index, j = pass_role[0]
        yield target.hit(
            target.pick(*RULE_IDS),
            f"iam:PassRole with {', '.join(sorted(partners))} lets the holder act as any "
            "role it may pass",
            "Statement",
            index,
            "Action",
            j,
            hint="drop one of them, or limit PassRole to named roles with iam:PassedToService",
        )
