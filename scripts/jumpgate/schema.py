"""Validate: each data file against its JSON Schema (the same files editors use)."""

from __future__ import annotations

import hashlib
import json
import marshal
import re
import sys
from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path
from types import CodeType
from typing import TYPE_CHECKING, Any

from jumpgate.cachefile import CACHE_DIR, read_passes, write_atomic, write_passes
from jumpgate.findings import Finding
from jumpgate.loader import Document

if TYPE_CHECKING:  # jsonschema is imported when a file needs checking (~0.1 s of start-up)
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

SCHEMA_NAMES = ("account", "organization", "team")


def schema_dir() -> Path:
    """Schemas live at the repository root, where editors find them too."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent.parent / "schemas", here / "schemas"):
        if candidate.is_dir():
            return candidate
    return Path(str(resources.files("jumpgate") / "schemas"))


# A file that fails its schema is always reported by jsonschema (messages, paths). To pass
# thousands of files quickly, the schemas are also compiled by fastjsonschema (~60x faster per
# file) and used only as a "passes" shortcut. It must never accept what jsonschema rejects:
# tests/test_schema_fast.py checks that over the bad-input corpus and mutated example files.
# Generating the code costs ~0.1 s, so the compiled code is kept in the cache folder (like
# __pycache__), keyed by the schemas' bytes and the fastjsonschema and Python versions.
FAST_CODE_FILE = "schema-code-{name}.marshal"


@cache
def _loaded_schemas() -> dict[str, dict[str, Any]]:
    folder = schema_dir()
    names = (*SCHEMA_NAMES, "password-policy")
    return {n: json.loads((folder / f"{n}.schema.json").read_text()) for n in names}


def _fast_code(name: str, version: str) -> CodeType:
    import fastjsonschema

    by_id = {s["$id"]: s for s in _loaded_schemas().values()}

    def local_only(uri: str) -> Any:  # references resolve to our own schemas, never the network
        return by_id[uri]

    # use_default=False: the shortcut must never write schema defaults into the data
    source = fastjsonschema.compile_to_code(
        _loaded_schemas()[name], handlers={"https": local_only}, use_default=False
    )
    entry = re.search(r"^def (\w+)\(", source, re.MULTILINE)
    assert entry is not None, "fastjsonschema generated no function"
    return compile(f"{source}\nvalidate = {entry.group(1)}\n", f"<{name} schema {version}>", "exec")


@cache
def _fast_validator(name: str, cache_dir: Path | None) -> Callable[[Any], Any]:
    from fastjsonschema import VERSION

    salt = hashlib.sha256(
        json.dumps([_loaded_schemas(), VERSION, sys.version, marshal.version]).encode()
    ).hexdigest()
    path = cache_dir / FAST_CODE_FILE.format(name=name) if cache_dir else None
    code = None
    try:
        if path is not None:
            stored = marshal.loads(path.read_bytes())
            if isinstance(stored, tuple) and stored[0] == salt:
                code = stored[1]
    except (OSError, ValueError, EOFError, TypeError, IndexError):
        code = None
    if not isinstance(code, CodeType):
        code = _fast_code(name, VERSION)
        if path is not None:
            write_atomic(path, marshal.dumps((salt, code)))
    namespace: dict[str, Any] = {}
    exec(code, namespace)  # code generated above from our own schemas
    validate: Callable[[Any], Any] = namespace["validate"]
    return validate


def passes_fast(data: Any, name: str, root: Path | None = None) -> bool:
    """True when the compiled schema accepts the data (False says nothing: ask jsonschema)."""
    from fastjsonschema import JsonSchemaException

    try:
        _fast_validator(name, root / CACHE_DIR if root else None)(data)
    except JsonSchemaException:
        return False
    return True


@cache
def _validator(name: str) -> Draft202012Validator:
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    loaded = _loaded_schemas()
    registry: Registry[Any] = (
        Registry()
        .with_resources((f"{n}.schema.json", Resource.from_contents(s)) for n, s in loaded.items())
        .with_resources((s["$id"], Resource.from_contents(s)) for s in loaded.values())
    )
    return Draft202012Validator(loaded[name], registry=registry)


def _describe(error: ValidationError) -> str:
    """A short, human message for a schema error (jsonschema's own ones are long)."""
    where = "/".join(str(p) for p in error.absolute_path) or "the file"
    validator = error.validator
    if validator == "additionalProperties":
        return str(error.message).replace("Additional properties are not allowed", "unknown key")
    if validator == "required":
        return f"{where}: {error.message}"
    if validator == "type":
        expected = error.validator_value
        got = type(error.instance).__name__.replace("str", "string").replace("NoneType", "nothing")
        hint = " (quote it)" if expected == "string" and isinstance(error.instance, int) else ""
        return f"{where}: expected {expected}, got {got}{hint}"
    if validator == "pattern":
        return f"{where}: {error.instance!r} does not match {str(error.validator_value)!r}"
    if (
        validator in ("oneOf", "anyOf")
        and error.validator_value
        and isinstance(error.instance, dict)
    ):
        options = [
            "/".join(v.get("required", [])) for v in error.validator_value if isinstance(v, dict)
        ]
        if all(options):
            return f"{where}: needs one of: {', '.join(options)}"
    return f"{where}: {error.message}"


def _position_path(error: ValidationError) -> tuple[tuple[str | int, ...], bool]:
    """Where to point: the offending key for unknown keys, else the offending value."""
    path = tuple(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        extra = [k for k in error.instance if k not in allowed]
        if extra:
            return (*path, extra[0]), True
    if "propertyNames" in error.relative_schema_path and isinstance(error.instance, str):
        return (*path, error.instance), True  # the offending key itself, not the first key
    if error.validator == "propertyNames":
        return path, True
    return path, False


class SchemaCache:
    """Which file contents already passed which schema, keyed by content hash (never by
    timestamps): an unchanged file is not validated again. Only passes are remembered, so a
    stale or corrupt cache can cost time but never hide a finding."""

    def __init__(self, root: Path) -> None:
        self.path = root / CACHE_DIR / "schema-pass.json"
        self.salt = _schemas_digest()
        self.passed: set[str] = read_passes(self.path, self.salt)
        self.seen: set[str] = set()
        self.root = root

    def check(self, doc: Document, name: str) -> list[Finding]:
        key = f"{name}:{doc.digest}"
        self.seen.add(key)
        if doc.digest and key in self.passed:
            return []
        findings = [] if passes_fast(doc.data, name, self.root) else check_schema(doc, name)
        if not findings and doc.digest:
            self.passed.add(key)
        return findings

    def save(self) -> None:
        """Keep the entries of this run only, so the cache never grows without bound."""
        write_passes(self.path, self.salt, self.passed & self.seen)


@cache
def _schemas_digest() -> str:
    folder = schema_dir()
    digest = hashlib.sha256()
    for name in SCHEMA_NAMES:
        digest.update((folder / f"{name}.schema.json").read_bytes())
    return digest.hexdigest()


def check_schema(doc: Document, name: str) -> list[Finding]:
    findings = []
    for error in _validator(name).iter_errors(doc.data):
        # A oneOf/anyOf wraps more precise errors; report the deepest one when there is one.
        best = error
        while best.context:
            deeper = max(best.context, key=lambda e: len(e.absolute_path))
            if len(deeper.absolute_path) <= len(best.absolute_path):
                break
            best = deeper
        path, key = _position_path(best)
        findings.append(doc.finding(path, "E101", _describe(best), key=key))
    return findings
