"""The validated-result cache: the findings and rendered files of a whole input, keyed by the
sha256 of every input byte, so `jumpgate render` (or `render --check`) right after `jumpgate
validate` of the same files does not load, validate and expand the organization again.

The key covers every entry of `org/`, `accounts/` and `teams/` (names and bytes, including
files the loader skips, so any change is a miss), the date the rules judge expiry against,
and a salt of jumpgate's own code, its schemas and the libraries whose answers it stores. A
hit is exactly what the full flow would return; a missing, stale or corrupt cache costs time,
never a finding. `marshal` holds plain values only: loading it runs no code.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import marshal
import os
from dataclasses import astuple
from functools import cache
from pathlib import Path

from jumpgate.core.cachefile import CACHE_DIR, write_atomic
from jumpgate.core.findings import Finding
from jumpgate.core.readfile import MAX_DATA_FILE_BYTES, read_capped

FILE_NAME = "result.marshal"
INPUT_FOLDERS = ("org", "accounts", "teams")
SALTED_LIBRARIES = ("PyYAML", "jsonschema", "fastjsonschema", "orjson")


@cache
def _code_salt() -> bytes:
    from jumpgate.model.schema import schema_dir  # light: no validator is built

    digest = hashlib.sha256()
    package = Path(__file__).resolve().parents[1]  # all of jumpgate
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    for path in sorted(schema_dir().glob("*.json")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update(" ".join(_installed(SALTED_LIBRARIES)).encode())
    digest.update(str(marshal.version).encode())
    return digest.digest()


def _installed(libraries: tuple[str, ...]) -> list[str]:
    """`name-version` of each library, from the `*.dist-info` folders next to PyYAML (a
    directory listing: importlib.metadata costs ~35 ms of start-up, on every render)."""
    import yaml

    wanted = {name.lower() for name in libraries}
    site = Path(yaml.__file__).resolve().parent.parent
    found = sorted(
        entry.name.removesuffix(".dist-info").lower()
        for entry in os.scandir(site)
        if entry.name.endswith(".dist-info") and entry.name.split("-")[0].lower() in wanted
    )
    if len(found) == len(wanted):
        return found
    from importlib import metadata

    return [f"{name}-{metadata.version(name)}".lower() for name in libraries]  # other layouts


def input_key(root: Path, today: dt.date) -> str:
    digest = hashlib.sha256(_code_salt())
    digest.update(today.isoformat().encode())
    for folder in INPUT_FOLDERS:
        try:
            entries = sorted(os.scandir(root / folder), key=lambda e: e.name)
        except OSError:
            digest.update(f"\0{folder}: absent".encode())
            continue
        for entry in entries:
            name = f"\0{folder}/{entry.name}".encode()
            if entry.is_file(follow_symlinks=False):
                try:  # as the loader reads it: no symlink, no device, at most the cap
                    data = read_capped(entry.path, MAX_DATA_FILE_BYTES)
                except OSError:
                    data = b"\0unreadable"
                digest.update(name + b"\0" + str(len(data)).encode() + b"\0" + data)
            else:
                digest.update(name + b"\0not a file" + str(entry.is_symlink()).encode())
    return digest.hexdigest()


def load(root: Path, key: str) -> tuple[list[Finding], dict[str, str]] | None:
    """The findings and files recorded for exactly this input, or None."""
    try:
        entry = marshal.loads((root / CACHE_DIR / FILE_NAME).read_bytes())
        if not (isinstance(entry, dict) and entry.get("key") == key):
            return None
        findings = [Finding(*fields) for fields in entry["findings"]]
        files = entry["files"]
    except (OSError, ValueError, EOFError, TypeError, KeyError):
        return None
    if not isinstance(files, dict) or not all(
        isinstance(rel, str) and isinstance(text, str) for rel, text in files.items()
    ):
        return None
    return findings, files


def save(root: Path, key: str, findings: list[Finding], files: dict[str, str]) -> None:
    """Remember one input only: the cache never grows past one organization's output."""
    try:
        blob = marshal.dumps(
            {"key": key, "findings": [astuple(f) for f in findings], "files": files}
        )
    except ValueError:
        return
    write_atomic(root / CACHE_DIR / FILE_NAME, blob)


def validated(root: Path, today: dt.date) -> tuple[list[Finding], dict[str, str] | None]:
    """The findings of the whole flow (load → validate → expand) and, when there is no error,
    the rendered files; recorded, or reused when the input is byte-identical."""
    from jumpgate.core.findings import has_errors

    key = input_key(root, today)
    hit = load(root, key)
    if hit is not None:
        findings, files = hit
        return findings, None if has_errors(findings) else files
    from jumpgate.generate.render import rendered_files
    from jumpgate.validate.flow import validate  # imported on a miss only: most of the start-up

    result = validate(root, today)
    rendered = rendered_files(result.org, result.expansion) if result.ok else {}
    save(root, key, result.findings, rendered)
    return result.findings, rendered if result.ok else None
