"""E706 (strict) / W707: NotAction or NotResource with Effect Allow grants everything not
listed, including every action AWS adds later."""

from __future__ import annotations

from collections.abc import Iterator

from jumpgate.gate.checks.base import Context, Hit, Target, statements

RULE_IDS = ("E706", "W707")


def check_policy(target: Target, ctx: Context) -> Iterator[Hit]:
    for st in statements(target.document):
        if not st.allow:
            continue
        for field in ("NotAction", "NotResource"):
            if field in st.data:
                yield target.hit(
                    target.pick(*RULE_IDS),
                    f"{field} with Allow grants everything it does not list",
                    "Statement",
                    st.index,
                    field,
                    hint=f"use {field.removeprefix('Not')} with the exact list, or Effect: Deny",
                )
