"""The loading boundary: every data file of the organization is read through `DataFiles`,
which puts the caches in front of the loader and the schema check, so that neither the loader,
the schemas nor the model know about caches.

Both caches are keyed by content hashes, never by timestamps, and a stale or corrupt cache can
cost time but never hide a finding: the document cache (`doccache`) returns exactly what parsing
would, and the schema cache remembers only which contents passed which schema.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from jumpgate.core.cachefile import CACHE_DIR, read_passes, write_passes
from jumpgate.core.findings import Finding
from jumpgate.model import schema
from jumpgate.model.doccache import DocumentCache
from jumpgate.model.loader import Document, parse_document, read_data_file


class DataFiles:
    """Reads data files for one run; `save()` keeps what this run learned."""

    def __init__(self, root: Path, cache_root: Path | None = None) -> None:
        """`cache_root`: whose caches to use (default `root`'s); the caches are keyed by
        content, so another copy of the same repository (a revision `jumpgate diff` unpacked)
        may share them."""
        self.root = root
        self.documents = DocumentCache(cache_root or root)
        self.schemas = SchemaCache(cache_root or root)

    def load(self, path: Path, schema: str) -> tuple[Document | None, list[Finding]]:
        """The document (None when it cannot be read) and its findings, schema errors included."""
        rel, raw, findings = read_data_file(self.root, path)
        if raw is None:
            return None, findings
        digest = hashlib.sha256(raw).hexdigest()
        doc = self.documents.get(rel, digest)
        if doc is None:
            doc, findings = parse_document(rel, raw, digest)
            if doc is None:
                return None, findings
            self.documents.put(doc)
        return doc, self.schemas.check(doc, schema)

    def save(self) -> None:
        self.schemas.save()
        self.documents.save()


class SchemaCache:
    """Which file contents already passed which schema, keyed by content hash (never by
    timestamps): an unchanged file is not validated again. Only passes are remembered, so a
    stale or corrupt cache can cost time but never hide a finding."""

    def __init__(self, root: Path) -> None:
        self.path = root / CACHE_DIR / "schema-pass.json"
        self.salt = _schemas_digest()
        self.passed: set[str] = read_passes(self.path, self.salt)
        self.seen: set[str] = set()

    def check(self, doc: Document, name: str) -> list[Finding]:
        key = f"{name}:{doc.digest}"
        self.seen.add(key)
        if doc.digest and key in self.passed:
            return []
        findings = [] if schema.passes_fast(doc.data, name) else schema.check_schema(doc, name)
        if not findings and doc.digest:
            self.passed.add(key)
        return findings

    def save(self) -> None:
        """Keep the entries of this run only, so the cache never grows without bound."""
        write_passes(self.path, self.salt, self.passed & self.seen)


@cache
def _schemas_digest() -> str:
    folder = schema.schema_dir()
    digest = hashlib.sha256()
    for name in schema.SCHEMA_NAMES:
        digest.update((folder / f"{name}.schema.json").read_bytes())
    return digest.hexdigest()
