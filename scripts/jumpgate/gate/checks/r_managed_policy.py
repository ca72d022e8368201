"""E727: an AWS managed policy that does not exist (`ReadOnlyAcces`, a path with `..`);
E728: a customer managed policy of another account.

Checked wherever a policy ARN is attached: a level's or permission set's `managed_policies`
and `permissions_boundary`, an environment's `permissions_boundary`. AWS managed policy names
are checked against a dated list (managed_policies.py; the finding says how old it is): a
policy AWS added since may be missing, so the message says so and Access Analyzer in CI has
the final word. IAM attaches only the role's own account's customer managed policies, so
`arn:aws:iam::<account>:policy/…` must name the account of every role it is attached to (and
an account of accounts/ in any case).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from jumpgate.gate import managed_policies
from jumpgate.gate.checks.base import Context, Hit
from jumpgate.model.organization import Source

RULE_IDS = ("E727", "E728")


def _attachments(ctx: Context) -> Iterator[tuple[Source, tuple[str | int, ...], str, set[str]]]:
    """(object, path of the ARN in it, ARN, ids of the accounts where it is attached)."""
    org = ctx.org
    by_level: dict[tuple[str | None, str], set[str]] = defaultdict(set)
    by_env: dict[str, set[str]] = defaultdict(set)
    for (account_name, _), role in ctx.expansion.roles.items():
        account = org.accounts.get(account_name)
        if account is None:
            continue
        by_level[(role.level.team, role.level.name)].add(account.id)
        by_env[account.environment].add(account.id)
    for env in org.environments.values():
        if env.permissions_boundary:
            yield env.source, ("permissions_boundary",), env.permissions_boundary, by_env[env.name]
    levels = list(org.levels.values())
    for team_name in sorted(org.teams):
        levels.extend(org.teams[team_name].permission_sets.values())
    for level in levels:
        where = by_level[(level.team, level.name)]
        for index, arn in enumerate(level.managed_policies):
            yield level.source, ("managed_policies", index), arn, where
        if level.permissions_boundary:
            yield level.source, ("permissions_boundary",), level.permissions_boundary, where


def check_org(ctx: Context) -> Iterator[Hit]:
    for source, path, arn, accounts in _attachments(ctx):
        known = managed_policies.known_managed_policy(arn)
        if known is False:
            rest = arn.partition(":policy/")[2]
            what = (
                f"AWS managed policy {rest!r} is not in the list"
                if managed_policies.well_formed(rest)
                else f"{rest!r} is not a valid AWS managed policy name"
            )
            best = managed_policies.suggest(arn)
            yield Hit(
                "E727",
                source,
                path,
                f"{what} ({managed_policies.describe(ctx.today)})",
                f"did you mean {best}?"
                if best
                else "use the ARN the IAM console shows for the policy",
            )
            continue
        owner = managed_policies.customer_policy_account(arn)
        if owner is None:
            continue
        others = sorted(accounts - {owner})
        if others or owner not in ctx.account_ids:
            where = (
                f"attached to roles in account {', '.join(others[:3])}"
                + (f" and {len(others) - 3} more" if len(others) > 3 else "")
                if others
                else "not an account of accounts/"
            )
            yield Hit(
                "E728",
                source,
                path,
                f"customer managed policy of account {owner} {where}: IAM attaches only a "
                "role's own account's policies",
                "create the policy in each account (a StackSet), or write it as the level's "
                "`policy:`",
            )
