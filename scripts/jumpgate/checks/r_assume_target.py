"""E717: a custom policy lets a role assume roles outside the organization (or any role)."""

from __future__ import annotations

from collections.abc import Iterator

from jumpgate.checks.base import CUSTOM, Context, Hit, Target, covers, statements

RULE_IDS = ("E717",)


def check_policy(target: Target, ctx: Context) -> Iterator[Hit]:
    if target.kind != CUSTOM:
        return
    known = {a.id for a in ctx.org.accounts.values()}
    for st in statements(target.document):
        if not st.allow or not any(
            covers(a, "sts:AssumeRole") for a in st.actions if a.lower().startswith("sts:")
        ):
            continue
        for k, resource in enumerate(st.resources):
            parts = resource.split(":", 5)
            account = parts[4] if len(parts) == 6 else "*"
            if resource == "*" or account not in known:
                yield target.hit(
                    "E717",
                    f"sts:AssumeRole on {resource!r}: account {account!r} is not in accounts/",
                    "Statement",
                    st.index,
                    "Resource",
                    k,
                    hint="roles are reached only from the identity account; remove the statement",
                )
