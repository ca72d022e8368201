"""E708 (strict) / W709: write or permissions-management actions on every resource they take
when they can be limited to resources: Resource "*", or a wildcard ARN that matches every
resource of one of the action's resource types (`arn:*`, `arn:aws:s3:::*`; see reach.py)."""

from __future__ import annotations

from collections.abc import Iterator

from jumpgate.gate.checks import iamdb
from jumpgate.gate.checks.base import Context, Hit, Target, statements
from jumpgate.gate.checks.escalation import FULL_WILDCARDS
from jumpgate.gate.checks.reach import every_resource, shown

RULE_IDS = ("E708", "W709")
LEVELS = (iamdb.WRITE, iamdb.PERMISSIONS)


def check_policy(target: Target, ctx: Context) -> Iterator[Hit]:
    for st in statements(target.document):
        resources = st.resources
        if not st.allow or not any("*" in r or "?" in r for r in resources):
            continue
        for j, entry in enumerate(st.actions):
            if entry in FULL_WILDCARDS:
                continue  # E704
            broad: dict[str, list[str]] = {}
            for action in iamdb.expand(entry):
                if action.access_level not in LEVELS or not action.resource_level:
                    continue
                resource = every_resource(resources, action)
                if resource is not None:
                    broad.setdefault(resource, []).append(action.full)
            if broad:
                resource, risky = min(broad.items(), key=lambda item: resources.index(item[0]))
                risky.sort()
                more = f" and {len(risky) - 3} more" if len(risky) > 3 else ""
                yield target.hit(
                    target.pick(*RULE_IDS),
                    f"{entry!r} changes every resource on {shown(resource)} "
                    f"({', '.join(risky[:3])}{more})",
                    "Statement",
                    st.index,
                    "Action",
                    j,
                    hint="name the resources (ARNs) the actions may change",
                )
