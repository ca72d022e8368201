"""E718: a trust policy trusts something other than the identity account; E719: it trusts
everyone (a wildcard principal)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from jumpgate.gate.checks.base import TRUST, Context, Hit, Target, as_list, statements

RULE_IDS = ("E718", "E719")
ACCOUNT_ARN = re.compile(r"arn:[^:]+:(?:iam|sts)::([0-9]{12}):.+")


def check_policy(target: Target, ctx: Context) -> Iterator[Hit]:
    if target.kind != TRUST:
        return
    for st in statements(target.document):
        if not st.allow:
            continue
        principal = st.data.get("Principal")
        if principal == "*" or "NotPrincipal" in st.data:
            yield target.hit("E719", f"statement {st.index} trusts every principal")
            continue
        if not isinstance(principal, dict):
            continue
        for kind, values in principal.items():
            for value in as_list(values):
                if value == "*":
                    yield target.hit("E719", f"statement {st.index} trusts {kind} '*'")
                    continue
                match = ACCOUNT_ARN.fullmatch(str(value))
                account = match.group(1) if match else str(value)
                if kind != "AWS" or account != ctx.identity_id:
                    yield target.hit(
                        "E718",
                        f"statement {st.index} trusts {kind} {value!r}, not the identity "
                        f"account {ctx.identity_id}",
                    )
