"""W703: an action whose resource types match none of the statement's resources grants
nothing (s3:GetObject on a bucket ARN instead of `bucket/*`), and an action without
resource-level permissions needs Resource "*". A wildcard ARN such as `arn:*` matches every
resource (reach.py)."""

from __future__ import annotations

from collections.abc import Iterator

from jumpgate.gate.checks import iamdb
from jumpgate.gate.checks.base import Context, Hit, Target, statements
from jumpgate.gate.checks.reach import can_match

RULE_IDS = ("W703",)


def check_policy(target: Target, ctx: Context) -> Iterator[Hit]:
    for st in statements(target.document):
        if "Action" not in st.data or "Resource" not in st.data:
            continue
        resources = st.resources
        if not resources or any(r == "*" for r in resources):
            continue
        for j, entry in enumerate(st.actions):
            if any(c in entry for c in "*?"):
                continue
            action = iamdb.lookup(entry)
            if action is None or not action.access_level:
                continue  # unknown (E702), or known to cfn-lint only: no resource data
            if not action.resource_level:
                yield target.hit(
                    "W703",
                    f"{action.full} cannot be limited to resources; this statement grants it "
                    'nothing (it needs Resource "*")',
                    "Statement",
                    st.index,
                    "Action",
                    j,
                    hint='move the action to a statement with Resource: "*"',
                )
                continue
            if not any(can_match(r, f) for r in resources for f in action.arn_formats):
                kinds = ", ".join(sorted({f.split(":", 5)[-1] for f in action.arn_formats}))
                yield target.hit(
                    "W703",
                    f"{action.full} applies to none of this statement's resources "
                    f"(it takes {kinds})",
                    "Statement",
                    st.index,
                    "Action",
                    j,
                    hint="name a resource of the action's type, or split the statement",
                )
