"""The emulator's clock: real UTC time, or a fixed instant for tests.

`JUMPGATE_EMULATOR_NOW=2027-01-02T12:00:00Z` at start, or `POST /moto-api/jumpgate/clock` with
an ISO 8601 instant (an empty body returns to real time). `aws:CurrentTime`, MFA age, MFA codes
and session expiry all read this clock, so a test can move past a grant's expiry or let an MFA
sign-in grow old without waiting.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

ENV = "JUMPGATE_EMULATOR_NOW"
_fixed: dict[str, dt.datetime] = {}


def parse(text: str) -> dt.datetime:
    instant = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return instant if instant.tzinfo else instant.replace(tzinfo=dt.UTC)


def now() -> dt.datetime:
    fixed = _fixed.get("now")
    return fixed if fixed is not None else dt.datetime.now(dt.UTC)


def set_now(text: str) -> None:
    if text.strip():
        _fixed["now"] = parse(text)
    else:
        _fixed.pop("now", None)


def from_environment() -> None:
    if os.environ.get(ENV):
        set_now(os.environ[ENV])


def iso(instant: dt.datetime) -> str:
    return instant.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def handler(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
    """`/moto-api/jumpgate/clock`: GET reads the clock, POST sets it (empty: real time)."""
    if request.method == "POST":
        try:
            set_now(request.get_data(as_text=True))
        except ValueError as err:
            return 400, {}, f"not an ISO 8601 instant: {err}"
    return 200, {}, iso(now())
