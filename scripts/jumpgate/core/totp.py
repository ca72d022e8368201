"""RFC 6238 time-based one-time passwords (what a virtual MFA app shows), from a device's
Base32 seed: the emulator checks MFA codes with it, and the demo and tests compute them."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import struct

STEP_SECONDS = 30
DIGITS = 6


def code(seed_base32: str, at: dt.datetime, offset_steps: int = 0) -> str:
    """The 6-digit code shown at `at` (`offset_steps` 30-second steps later)."""
    key = base64.b32decode(seed_base32 + "=" * (-len(seed_base32) % 8), casefold=True)
    counter = int(at.timestamp()) // STEP_SECONDS + offset_steps
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    start = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[start : start + 4])[0] & 0x7FFFFFFF
    return str(value % 10**DIGITS).zfill(DIGITS)


def matches(seed_base32: str, candidate: str, at: dt.datetime, window: int = 1) -> bool:
    """AWS accepts a code from the current step or a neighbouring one (clock drift)."""
    return any(code(seed_base32, at, step) == candidate for step in range(-window, window + 1))
