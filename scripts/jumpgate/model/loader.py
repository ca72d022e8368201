"""Load: read YAML data files into plain Python values plus a map of source positions.

Every later step works on plain dicts and lists; positions let any finding point at the
exact line and column that caused it. Unreadable input becomes a finding, never an exception.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from jumpgate.core.findings import Finding
from jumpgate.core.readfile import MAX_DATA_FILE_BYTES, UnsafeFile, read_capped
from jumpgate.core.rules import hint_of

# libyaml's C composer is ~40x faster than a pure-Python parser (measured: 0.45 ms vs 17 ms
# for one team file); it keeps every node's line and column, which is all positions need.
_BASE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# YAML 1.1 reads `0123` as 83 (octal), `yes`/`no`/`on`/`off` as booleans, `1_000` as a thousand and
# `1:20` as 80 (base 60); YAML 1.2 and every person reading the file see text. Only the forms
# both agree on stay numbers and booleans; the rest keep the exact text written (a schema that
# wants a number then says so). Keys are always the text as written (`_plain`).
_YAML12 = {
    "tag:yaml.org,2002:int": re.compile(r"[-+]?(0|[1-9][0-9]*)").fullmatch,
    "tag:yaml.org,2002:float": re.compile(
        r"[-+]?(\.[0-9]+|[0-9]+\.[0-9]*)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)"
    ).fullmatch,
    "tag:yaml.org,2002:bool": re.compile(r"true|True|TRUE|false|False|FALSE").fullmatch,
}
_STR = "tag:yaml.org,2002:str"


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
            tag = super().resolve(kind, value, implicit)
            agrees = _YAML12.get(tag)
            if agrees is not None and not agrees(value):
                tag = _STR
            self._tags[key] = tag
        return tag


_LOADER = _Loader
_SCALARS = SafeConstructor()

# Far above any real file (an XL organization's largest team file holds a few thousand values);
# libyaml builds every node before anything can be counted (0.5 s and ~40 MB per 50,000), so a
# file with more separators (commas and line ends) than that is refused before it is parsed,
# and aliases, which add values without adding separators, are counted while expanding.
MAX_VALUES = 50_000
# Aliases may repeat text, but the document they expand to may hold no more text than a file
# may: counted while expanding, so a "billion laughs" stops at the cap, not after it.
MAX_EXPANDED_CHARS = MAX_DATA_FILE_BYTES
# Tags a data file may carry (explicitly or implicitly); `!!python/name:...`, `!foo`, `!!set`
# and the like are refused rather than silently read as text.
_KNOWN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq", "merge")
)

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
    return None  # null (other tags never get here: `_plain` refuses them)


class TooManyValues(Exception):
    """Aliases that expand without bound (a "billion laughs" file), at the node that passed
    the cap."""

    def __init__(self, message: str, node: Node) -> None:
        super().__init__(message)
        self.node = node


class Refused(Exception):
    """A node the loader will not read (an unknown tag, a key that is not plain text)."""

    def __init__(self, rule_id: str, message: str, node: Node) -> None:
        super().__init__(message)
        self.rule_id = rule_id
        self.message = message
        self.node = node


class _Budget:
    """Values and characters produced so far, aliases counted each time they are expanded."""

    __slots__ = ("chars", "open")

    def __init__(self) -> None:
        self.chars = 0
        self.open: set[int] = set()  # collections being converted: an alias to one is a cycle


def _plain(node: Node, path: JsonPath, doc: Document, budget: _Budget) -> Any:
    """Convert composed nodes to plain values, recording 1-based positions."""
    values = doc.values
    if path not in values:
        mark = node.start_mark
        values[path] = (mark.line + 1, mark.column + 1)
        if len(values) > MAX_VALUES:
            raise TooManyValues(f"expands to more than {MAX_VALUES:,} values", node)
    if node.tag not in _KNOWN_TAGS:
        raise Refused("E007", f"the tag {node.tag!r} is not allowed in a data file", node)
    if type(node) is ScalarNode:
        budget.chars += len(node.value)
        if budget.chars > MAX_EXPANDED_CHARS:
            raise TooManyValues(f"expands to more than {MAX_EXPANDED_CHARS:,} characters", node)
        return _scalar(node)
    if id(node) in budget.open:  # `a: &x [*x]`
        raise Refused("E002", "an alias refers to the collection that contains it", node)
    budget.open.add(id(node))
    try:
        return _collection(node, path, doc, budget)
    finally:
        budget.open.discard(id(node))


def _collection(node: Node, path: JsonPath, doc: Document, budget: _Budget) -> Any:
    kind = type(node)
    if kind is MappingNode:
        out: dict[str, Any] = {}
        positions = doc.keys
        for key_node, value_node in node.value:
            if type(key_node) is not ScalarNode:  # `? [a, b]`: no name is a list
                raise Refused("E007", "a key must be plain text, not a list or mapping", key_node)
            if key_node.tag not in _KNOWN_TAGS:
                message = f"the tag {key_node.tag!r} is not allowed in a data file"
                raise Refused("E007", message, key_node)
            key = key_node.value  # the text as written: `0123`, `yes`, `1:20` stay names
            budget.chars += len(key)
            if key in out:
                raise DuplicateKey(key, key_node)
            child = (*path, key)
            mark = key_node.start_mark
            positions[child] = (mark.line + 1, mark.column + 1)
            out[key] = _plain(value_node, child, doc, budget)
        return out
    if kind is SequenceNode:
        return [_plain(item, (*path, index), doc, budget) for index, item in enumerate(node.value)]
    return None


_SEPARATORS = re.compile(rb"[\n,]")


def _past_separator_limit(raw: bytes) -> tuple[int, int] | None:
    """Where a file passes MAX_VALUES separators, or None (the usual case: counted in C)."""
    if raw.count(b"\n") + raw.count(b",") <= MAX_VALUES:
        return None
    for number, match in enumerate(_SEPARATORS.finditer(raw), 1):
        if number > MAX_VALUES:
            return _line_column(raw, match.start())
    return None


def _line_column(raw: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of a byte offset."""
    start = raw.rfind(b"\n", 0, offset) + 1
    column = len(raw[start:offset].decode("utf-8", "replace")) + 1
    return raw.count(b"\n", 0, offset) + 1, column


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.splitlines()
    return lines[line][column] if line < len(lines) and column < len(lines[line]) else ""


def read_data_file(root: Path, path: Path) -> tuple[str, bytes | None, list[Finding]]:
    """A data file's repository-relative name and bytes, or a finding (E001, E005, E006).

    Symbolic links and anything but regular files are refused, and no more than the cap is
    ever read (`core.readfile`): a link could lead out of the repository or to /dev/zero."""
    rel = path.relative_to(root).as_posix() if path.is_absolute() else path.as_posix()
    full = path if path.is_absolute() else root / path
    linked = _linked_folder(root, rel)
    if linked:
        return rel, None, _fail(rel, "E006", f"is inside {linked}/, a symbolic link")
    try:
        raw = read_capped(full, MAX_DATA_FILE_BYTES)
    except UnsafeFile as err:
        if err.too_large:
            return rel, None, _fail(rel, "E005", err.reason)
        if "directory" in err.reason:
            return rel, None, _fail(rel, "E001", "is a directory, expected a YAML file")
        return rel, None, _fail(rel, "E006", err.reason)
    except OSError as err:
        return rel, None, _fail(rel, "E001", f"cannot be read: {err.strerror or err}")
    return rel, raw, []


def _linked_folder(root: Path, rel: str) -> str | None:
    """The first folder between the repository root and a file that is a symbolic link
    (O_NOFOLLOW guards only the file's own name)."""
    parts = rel.split("/")[:-1]
    for depth in range(1, len(parts) + 1):
        folder = "/".join(parts[:depth])
        if os.path.islink(root / folder):
            return folder
    return None


def _fail(rel: str, rule_id: str, message: str, line: int = 1, column: int = 1) -> list[Finding]:
    """A finding about a whole file sits at 1:1 (never 0:0: editors and CI annotations need
    a real position)."""
    return [Finding(rel, max(line, 1), max(column, 1), rule_id, message, hint_of(rule_id))]


def parse_document(rel: str, raw: bytes, digest: str) -> tuple[Document | None, list[Finding]]:
    """Parse one data file's bytes. Returns (document, []) or (None, [finding])."""

    def fail(
        rule_id: str, message: str, line: int = 1, column: int = 1
    ) -> tuple[None, list[Finding]]:
        return None, _fail(rel, rule_id, message, line, column)

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line, column = _line_column(raw, err.start)
        return fail("E001", f"is not UTF-8 text (byte 0x{raw[err.start]:02x})", line, column)
    crowded = _past_separator_limit(raw)
    if crowded is not None:
        message = f"has more than {MAX_VALUES:,} lines and commas; data files are small"
        return fail("E005", message, *crowded)
    nul = raw.find(b"\0")
    if nul >= 0:  # a binary file, or text with a NUL byte: point at the first one
        return fail("E001", "contains a NUL byte; data files are text", *_line_column(raw, nul))
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        problem = (err.problem or err.context or "invalid YAML").strip()
        if mark is not None and _char_at(text, mark.line, mark.column) == "\t":
            problem = "a tab character; YAML is indented with spaces"
        return fail("E002", problem, mark.line + 1 if mark else 1, mark.column + 1 if mark else 1)
    except yaml.reader.ReaderError as err:  # a control character YAML does not allow
        line, column = _line_column(raw, err.position)  # libyaml counts bytes here
        code = err.character if isinstance(err.character, int) else ord(err.character)
        return fail("E002", f"{err.reason} (character {code:#04x})", line, column)
    except yaml.YAMLError as err:
        first = str(err).splitlines()[0] if str(err) else "invalid YAML"
        return fail("E002", first)
    if node is None:
        content = any(line.strip() for line in text.splitlines())
        return fail("E004", "has only comments" if content else "is empty")
    doc = Document(rel, None, digest=digest)
    try:
        doc.data = _plain(node, (), doc, _Budget())
    except DuplicateKey as dup:
        line, column = _at(dup.node)
        return fail("E003", f"duplicate key {dup.key!r}", line, column)
    except Refused as refused:
        return fail(refused.rule_id, refused.message, *_at(refused.node))
    except (ValueError, yaml.YAMLError) as err:
        return fail("E002", f"cannot read a value: {err}")
    except TooManyValues as err:
        return fail("E005", f"{err} (aliases?)", *_at(err.node))
    except RecursionError:  # deeper than Python's stack (libyaml stops nesting well before)
        return fail("E002", "nested too deeply")
    return doc, []


def load_document(root: Path, path: Path) -> tuple[Document | None, list[Finding]]:
    """Read and parse one YAML data file, without any cache (`model.reader` adds them)."""
    rel, raw, findings = read_data_file(root, path)
    if raw is None:
        return None, findings
    return parse_document(rel, raw, hashlib.sha256(raw).hexdigest())


def iter_yaml_files(folder: Path) -> Iterator[Path]:
    """`*.yaml` / `*.yml` entries of a folder, sorted (directories, symlinks and devices too:
    loading them fails, so each is a finding)."""
    if not folder.is_dir():
        return
    for entry in sorted(folder.iterdir()):
        if entry.suffix in (".yaml", ".yml") and not entry.name.startswith("."):
            yield entry
