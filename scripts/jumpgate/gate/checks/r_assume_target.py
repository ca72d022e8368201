"""E717: a policy lets someone assume roles outside the organization (or any role).

Custom policies (of levels) and group policies are checked. A wildcard account in a role ARN
(`arn:aws:iam::*:role/...`, the compact group policy form) passes only together with
`StringEquals aws:ResourceAccount` naming accounts of accounts/, and only in a group policy.
"""

from __future__ import annotations

from collections.abc import Iterator

from jumpgate.gate.checks.base import (
    CUSTOM,
    GROUP,
    Context,
    Hit,
    Statement,
    Target,
    as_list,
    covers,
    statements,
)

RULE_IDS = ("E717",)
ROLE_ACCOUNT = "aws:ResourceAccount"


def _condition_accounts(st: Statement) -> list[str] | None:
    """The accounts a `StringEquals aws:ResourceAccount` condition allows, or None."""
    block = st.condition.get("StringEquals")
    if not isinstance(block, dict) or ROLE_ACCOUNT not in block:
        return None
    values = as_list(block[ROLE_ACCOUNT])
    return [str(v) for v in values] if values else None


def check_policy(target: Target, ctx: Context) -> Iterator[Hit]:
    if target.kind not in (CUSTOM, GROUP):
        return
    known = ctx.account_ids
    for st in statements(target.document):
        if not st.allow or not any(
            covers(a, "sts:AssumeRole") for a in st.actions if a.lower().startswith("sts:")
        ):
            continue
        narrowed = _condition_accounts(st) if target.kind == GROUP else None
        for k, resource in enumerate(st.resources):
            parts = resource.split(":", 5)
            account = parts[4] if len(parts) == 6 else "*"
            message = f"account {account!r} is not in accounts/"
            if target.kind == GROUP and any(c in parts[-1] for c in "*?"):
                account, message = "*", "a group names roles by exact name only"
            elif account == "*" and resource != "*" and narrowed is not None:
                outside = [a for a in narrowed if a not in known]
                account = outside[0] if outside else ""  # "": the compact form, all known
                message = f"account {account!r} of {ROLE_ACCOUNT} is not in accounts/"
            if resource == "*" or (account and account not in known):
                yield target.hit(
                    "E717",
                    f"sts:AssumeRole on {resource!r}: {message}",
                    "Statement",
                    st.index,
                    "Resource",
                    k,
                    hint="roles are reached only from the identity account; remove the statement"
                    if target.kind == CUSTOM
                    else "a group may name only roles of accounts/ (a wildcard account only "
                    f"with StringEquals {ROLE_ACCOUNT})",
                )
