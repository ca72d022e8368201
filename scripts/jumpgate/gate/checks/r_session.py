"""E720: a role's session would outlast what its environment allows; I721: a level asks for
longer sessions than an environment allows (the environment's limit applies)."""

from __future__ import annotations

from collections.abc import Iterator

from jumpgate.gate.checks.base import Context, Hit

RULE_IDS = ("E720", "I721")


def check_org(ctx: Context) -> Iterator[Hit]:
    org = ctx.org
    for (account_name, role_name), role in sorted(ctx.expansion.roles.items()):
        account = org.accounts.get(account_name)
        env = org.environments.get(account.environment) if account else None
        if env is None:
            continue
        level = role.level
        if role.max_session_seconds > env.max_session_seconds:
            yield Hit(
                "E720",
                level.source,
                ("max_session_seconds",),
                f"role {role_name} in {account_name}: sessions of {role.max_session_seconds}s, "
                f"{env.name} allows {env.max_session_seconds}s",
                "lower the level's max_session_seconds",
            )
        elif level.max_session_seconds and level.max_session_seconds > env.max_session_seconds:
            yield Hit(
                "I721",
                level.source,
                ("max_session_seconds",),
                f"{level.max_session_seconds}s asked, {env.name} caps sessions at "
                f"{env.max_session_seconds}s",
            )
