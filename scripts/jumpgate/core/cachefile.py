"""The files behind jumpgate's caches (`.jumpgate-cache/`, gitignored).

Every cache is keyed by content hashes and salted with what could change its answers; a
missing, stale or corrupt file reads as empty (costing time, never hiding a finding), and a
write is atomic so concurrent hooks never read half a file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

CACHE_DIR = ".jumpgate-cache"


def tool_cache_dir() -> Path:
    """Where jumpgate keeps what depends only on its installation, not on a repository (the
    action database index, compiled schema code): `$XDG_CACHE_HOME/jumpgate`."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "jumpgate"


def read_passes(path: Path, salt: str) -> set[str]:
    """The keys that passed, as recorded under the same salt; empty on any problem."""
    try:
        loaded = json.loads(path.read_text())
        return set(loaded["passed"]) if loaded.get("salt") == salt else set()
    except (OSError, ValueError, KeyError, TypeError):
        return set()


def write_passes(path: Path, salt: str, passed: set[str]) -> None:
    write_atomic(path, json.dumps({"salt": salt, "passed": sorted(passed)}).encode())


def write_atomic(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only checkout still works, just without the cache
