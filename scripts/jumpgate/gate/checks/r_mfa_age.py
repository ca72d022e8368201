"""W723: a strict environment without `mfa_max_age_seconds` accepts an MFA sign-in of any age."""

from __future__ import annotations

from collections.abc import Iterator

from jumpgate.gate.checks.base import Context, Hit

RULE_IDS = ("W723",)


def check_org(ctx: Context) -> Iterator[Hit]:
    for env in ctx.org.environments.values():
        if env.strict and env.mfa_max_age_seconds is None:
            yield Hit(
                "W723",
                env.source,
                (),
                f"strict environment {env.name!r} sets no mfa_max_age_seconds",
                "add `mfa_max_age_seconds:` (e.g. the session length)",
                key=True,
            )
