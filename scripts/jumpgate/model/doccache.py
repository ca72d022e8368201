"""The loaded-document cache: a data file's plain values and source positions, keyed by the
sha256 of its bytes (never by timestamps), so an unchanged file is not parsed again.

Only files that loaded without a finding are remembered, and the key is the whole content
plus a salt of the loader's own code and PyYAML's version: a hit is exactly what parsing
would return, so a stale or corrupt cache can cost time but never hide a finding. `marshal`
holds plain values only (dict, list, tuple, str, int, float, bool, None): loading it runs
no code, unlike pickle.
"""

from __future__ import annotations

import hashlib
import marshal
from functools import cache
from pathlib import Path

import yaml

from jumpgate.core.cachefile import CACHE_DIR, write_atomic
from jumpgate.model.loader import Document

FILE_NAME = "documents.marshal"


@cache
def _salt() -> str:
    digest = hashlib.sha256()
    digest.update((Path(__file__).parent / "loader.py").read_bytes())
    digest.update(Path(__file__).read_bytes())
    digest.update(str(yaml.__version__).encode())
    digest.update(str(marshal.version).encode())
    return digest.hexdigest()


class DocumentCache:
    def __init__(self, root: Path) -> None:
        self.path = root / CACHE_DIR / FILE_NAME
        self.known: dict[str, bytes] = {}
        try:
            loaded = marshal.loads(self.path.read_bytes())
            if isinstance(loaded, dict) and loaded.get("salt") == _salt():
                docs = loaded.get("docs")
                self.known = docs if isinstance(docs, dict) else {}
        except (OSError, ValueError, EOFError, TypeError):
            self.known = {}
        self.seen: dict[str, bytes] = {}
        self.changed = False

    def get(self, rel: str, digest: str) -> Document | None:
        blob = self.known.get(digest)
        if not isinstance(blob, bytes):
            return None
        try:
            entry = marshal.loads(blob)  # new objects on every hit: nothing is shared
        except (ValueError, EOFError, TypeError):
            return None
        if not (isinstance(entry, tuple) and len(entry) == 3):
            return None
        data, values, keys = entry
        if not (isinstance(values, dict) and isinstance(keys, dict)):
            return None
        self.seen[digest] = blob
        return Document(rel, data, values, keys, digest)

    def put(self, doc: Document) -> None:
        """Remember a cleanly loaded document, as it is now (before anything uses it)."""
        if doc.digest:
            try:
                self.seen[doc.digest] = marshal.dumps((doc.data, doc.values, doc.keys))
                self.changed = True
            except ValueError:
                pass

    def save(self) -> None:
        """Keep this run's documents only, so the cache never grows without bound."""
        if not self.changed and self.seen.keys() == self.known.keys():
            return
        try:
            blob = marshal.dumps({"salt": _salt(), "docs": self.seen})
        except ValueError:
            return  # an unmarshallable value: load without the cache
        write_atomic(self.path, blob)
