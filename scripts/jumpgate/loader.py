"""Load: read YAML data files into plain Python values plus a map of source positions.

Every later step works on plain dicts and lists; positions let any finding point at the
exact line and column that caused it. Unreadable input becomes a finding, never an exception.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from jumpgate.findings import Finding
from jumpgate.rules import hint_of

MAX_DATA_FILE_BYTES = 1024 * 1024  # data files are hand-written; anything bigger is a mistake

JsonPath = tuple[str | int, ...]


@dataclass
class Document:
    """One data file: its plain content and where each value and key sits in the source."""

    path: str  # relative to the repository root
    data: Any
    values: dict[JsonPath, tuple[int, int]] = field(default_factory=dict)
    keys: dict[JsonPath, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: JsonPath, *, key: bool = False) -> tuple[int, int]:
        """1-based (line, column) of a value (or its key), falling back to the nearest parent."""
        table = self.keys if key else self.values
        probe = tuple(path)
        while probe:
            if probe in table:
                return table[probe]
            if not key and probe in self.keys:
                return self.keys[probe]
            probe = probe[:-1]
        return self.values.get((), (1, 1))

    def finding(
        self,
        path: JsonPath,
        rule_id: str,
        message: str,
        hint: str | None = None,
        *,
        key: bool = False,
    ) -> Finding:
        line, column = self.where(path, key=key)
        return Finding(self.path, line, column, rule_id, message, hint or hint_of(rule_id))


def _yaml() -> YAML:
    yaml = YAML(typ="rt", pure=True)
    yaml.allow_duplicate_keys = False
    return yaml


def _plain(node: Any, path: JsonPath, doc: Document) -> Any:
    """Convert ruamel's round-trip nodes to plain values, recording 1-based positions."""
    if isinstance(node, CommentedMap):
        out: dict[str, Any] = {}
        for key, value in node.items():
            child = (*path, str(key))
            try:
                kl, kc = node.lc.key(key)
                doc.keys[child] = (kl + 1, kc + 1)
                vl, vc = node.lc.value(key)
                doc.values[child] = (vl + 1, vc + 1)
            except (KeyError, TypeError):
                pass
            out[str(key)] = _plain(value, child, doc)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for index, value in enumerate(node):
            child = (*path, index)
            try:
                il, ic = node.lc.item(index)
                doc.values[child] = (il + 1, ic + 1)
            except (KeyError, TypeError):
                pass
            items.append(_plain(value, child, doc))
        return items
    if isinstance(node, dt.datetime):
        return node.isoformat()
    if isinstance(node, dt.date):
        return node.isoformat()
    if isinstance(node, str):
        return str(node)  # drop ruamel's scalar string subclasses
    return node


def load_document(root: Path, path: Path) -> tuple[Document | None, list[Finding]]:
    """Read one YAML data file. Returns (document, []) or (None, [finding])."""
    rel = path.relative_to(root).as_posix() if path.is_absolute() else path.as_posix()

    def fail(
        rule_id: str, message: str, line: int = 0, column: int = 0
    ) -> tuple[None, list[Finding]]:
        return None, [Finding(rel, line, column, rule_id, message, hint_of(rule_id))]

    full = path if path.is_absolute() else root / path
    if full.is_dir():
        return fail("E001", "is a directory, expected a YAML file")
    try:
        raw = full.read_bytes()
    except OSError as err:
        return fail("E001", f"cannot be read: {err.strerror or err}")
    if len(raw) > MAX_DATA_FILE_BYTES:
        return fail("E005", f"is {len(raw):,} bytes, more than the {MAX_DATA_FILE_BYTES:,} allowed")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        column = err.start - (raw.rfind(b"\n", 0, err.start) + 1) + 1
        return fail("E001", f"is not UTF-8 text (byte 0x{raw[err.start]:02x})", line, column)
    try:
        node = _yaml().load(text)
    except DuplicateKeyError as err:
        mark = err.problem_mark
        key = (err.problem or "").split('"')[1] if '"' in (err.problem or "") else ""
        message = f"duplicate key {key!r}" if key else "duplicate key"
        return fail("E003", message, mark.line + 1 if mark else 0, mark.column + 1 if mark else 0)
    except MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        problem = (err.problem or err.context or "invalid YAML").strip()
        if "\\t" in problem or "'\\t'" in problem or "\t" in problem:
            problem = "a tab character; YAML is indented with spaces"
        return fail("E002", problem, mark.line + 1 if mark else 0, mark.column + 1 if mark else 0)
    except YAMLError as err:
        return fail("E002", str(err).splitlines()[0] if str(err) else "invalid YAML")
    if node is None:
        return fail("E004", "is empty")
    doc = Document(rel, None)
    doc.values[()] = (1, 1)
    doc.data = _plain(node, (), doc)
    return doc, []


def iter_yaml_files(folder: Path) -> Iterator[Path]:
    """`*.yaml` / `*.yml` entries of a folder, sorted (directories too: loading them fails)."""
    if not folder.is_dir():
        return
    for entry in sorted(folder.iterdir()):
        if entry.suffix in (".yaml", ".yml") and not entry.name.startswith("."):
            yield entry
