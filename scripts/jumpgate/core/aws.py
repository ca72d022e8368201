"""Names the deploy engine and the local emulator agree on, without importing each other."""

from __future__ import annotations

DEFAULT_ROLE = "jumpgate-deployer"  # the bootstrap role the engine assumes in every account
LOCAL_KEY = "jumpgatelocal"  # any key: the emulator maps unknown keys to its default account
