"""Load: read YAML data files into plain Python values plus a map of source positions.

Every later step works on plain dicts and lists; positions let any finding point at the
exact line and column that caused it. Unreadable input becomes a finding, never an exception.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from jumpgate.core.findings import Finding
from jumpgate.core.rules import hint_of

# libyaml's C composer is ~40x faster than a pure-Python parser (measured: 0.45 ms vs 17 ms
# for one team file); it keeps every node's line and column, which is all positions need.
_BASE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BASE_LOADER):  # type: ignore[misc]
    """libyaml's composer asks Python for the implicit tag of every scalar (a regex search per
    value); the answer depends only on the text and its style, and data files repeat their
    values (levels, environments, account names), so answers are remembered."""

    _tags: ClassVar[dict[tuple[str, Any], str]] = {}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is not ScalarNode or not isinstance(value, str):
            return super().resolve(kind, value, implicit)
        key = (value, implicit)
        tag = self._tags.get(key)
        if tag is None:
            tag = self._tags[key] = super().resolve(kind, value, implicit)
        return tag


_LOADER = _Loader
_SCALARS = SafeConstructor()

MAX_DATA_FILE_BYTES = 1024 * 1024  # data files are hand-written; anything bigger is a mistake
MAX_VALUES = 200_000  # far above any real file; only aliases expanding without bound reach it

JsonPath = tuple[str | int, ...]


@dataclass
class Document:
    """One data file: its plain content and where each value and key sits in the source."""

    path: str  # relative to the repository root
    data: Any
    values: dict[JsonPath, tuple[int, int]] = field(default_factory=dict)
    keys: dict[JsonPath, tuple[int, int]] = field(default_factory=dict)
    digest: str = ""  # sha256 of the file's bytes: the key of every cache

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


class DuplicateKey(Exception):
    def __init__(self, key: str, node: Node) -> None:
        super().__init__(key)
        self.key = key
        self.node = node


def _at(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _scalar(node: ScalarNode) -> Any:
    tag = node.tag
    if tag == "tag:yaml.org,2002:str" or tag == "tag:yaml.org,2002:timestamp":
        return node.value  # dates stay ISO strings: the schemas check their format
    if tag == "tag:yaml.org,2002:int":
        return _SCALARS.construct_yaml_int(node)
    if tag == "tag:yaml.org,2002:float":
        return _SCALARS.construct_yaml_float(node)
    if tag == "tag:yaml.org,2002:bool":
        return _SCALARS.construct_yaml_bool(node)
    if tag == "tag:yaml.org,2002:null":
        return None
    return node.value  # unknown tags: keep the text; the schema judges it


class TooManyValues(Exception):
    """Aliases that expand without bound (a "billion laughs" file)."""


def _plain(node: Node, path: JsonPath, doc: Document) -> Any:
    """Convert composed nodes to plain values, recording 1-based positions."""
    values = doc.values
    if path not in values:
        mark = node.start_mark
        values[path] = (mark.line + 1, mark.column + 1)
        if len(values) > MAX_VALUES:
            raise TooManyValues()
    kind = type(node)
    if kind is ScalarNode:
        return _scalar(node)  # type: ignore[arg-type]
    if kind is MappingNode:
        out: dict[str, Any] = {}
        positions = doc.keys
        for key_node, value_node in node.value:
            if type(key_node) is ScalarNode:  # nearly always: no position entry for the key
                key = str(_scalar(key_node))
            else:  # a complex key (`? [a, b]`): converted like any value, then forgotten
                key = str(_plain(key_node, (*path, "<key>"), doc))
                values.pop((*path, "<key>"), None)
            if key in out:
                raise DuplicateKey(key, key_node)
            child = (*path, key)
            mark = key_node.start_mark
            positions[child] = (mark.line + 1, mark.column + 1)
            out[key] = _plain(value_node, child, doc)
        return out
    if kind is SequenceNode:
        return [_plain(item, (*path, index), doc) for index, item in enumerate(node.value)]
    return None


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.splitlines()
    return lines[line][column] if line < len(lines) and column < len(lines[line]) else ""


def read_data_file(root: Path, path: Path) -> tuple[str, bytes | None, list[Finding]]:
    """A data file's repository-relative name and bytes, or a finding (E001, E005)."""
    rel = path.relative_to(root).as_posix() if path.is_absolute() else path.as_posix()
    full = path if path.is_absolute() else root / path
    if full.is_dir():
        return rel, None, _fail(rel, "E001", "is a directory, expected a YAML file")
    try:
        raw = full.read_bytes()
    except OSError as err:
        return rel, None, _fail(rel, "E001", f"cannot be read: {err.strerror or err}")
    if len(raw) > MAX_DATA_FILE_BYTES:
        message = f"is {len(raw):,} bytes, more than the {MAX_DATA_FILE_BYTES:,} allowed"
        return rel, None, _fail(rel, "E005", message)
    return rel, raw, []


def _fail(rel: str, rule_id: str, message: str, line: int = 0, column: int = 0) -> list[Finding]:
    return [Finding(rel, line, column, rule_id, message, hint_of(rule_id))]


def parse_document(rel: str, raw: bytes, digest: str) -> tuple[Document | None, list[Finding]]:
    """Parse one data file's bytes. Returns (document, []) or (None, [finding])."""

    def fail(
        rule_id: str, message: str, line: int = 0, column: int = 0
    ) -> tuple[None, list[Finding]]:
        return None, _fail(rel, rule_id, message, line, column)

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        column = err.start - (raw.rfind(b"\n", 0, err.start) + 1) + 1
        return fail("E001", f"is not UTF-8 text (byte 0x{raw[err.start]:02x})", line, column)
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        problem = (err.problem or err.context or "invalid YAML").strip()
        if mark is not None and _char_at(text, mark.line, mark.column) == "\t":
            problem = "a tab character; YAML is indented with spaces"
        return fail("E002", problem, mark.line + 1 if mark else 0, mark.column + 1 if mark else 0)
    except yaml.YAMLError as err:
        first = str(err).splitlines()[0] if str(err) else "invalid YAML"
        return fail("E002", first)
    if node is None:
        return fail("E004", "is empty")
    doc = Document(rel, None, digest=digest)
    try:
        doc.data = _plain(node, (), doc)
    except DuplicateKey as dup:
        line, column = _at(dup.node)
        return fail("E003", f"duplicate key {dup.key!r}", line, column)
    except (ValueError, yaml.YAMLError) as err:
        return fail("E002", f"cannot read a value: {err}")
    except TooManyValues:
        return fail("E005", f"expands to more than {MAX_VALUES:,} values (aliases?)", 1, 1)
    except RecursionError:  # `a: &x [*x]`: an alias inside its own anchor
        return fail("E002", "nested too deeply, or an alias refers to itself")
    return doc, []


def load_document(root: Path, path: Path) -> tuple[Document | None, list[Finding]]:
    """Read and parse one YAML data file, without any cache (`model.reader` adds them)."""
    rel, raw, findings = read_data_file(root, path)
    if raw is None:
        return None, findings
    return parse_document(rel, raw, hashlib.sha256(raw).hexdigest())


def iter_yaml_files(folder: Path) -> Iterator[Path]:
    """`*.yaml` / `*.yml` entries of a folder, sorted (directories too: loading them fails)."""
    if not folder.is_dir():
        return
    for entry in sorted(folder.iterdir()):
        if entry.suffix in (".yaml", ".yml") and not entry.name.startswith("."):
            yield entry
