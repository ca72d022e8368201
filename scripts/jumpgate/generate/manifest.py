"""Read the committed deployment manifest (`render.py` writes it): the one list of stacks that
analyze, plan, deploy and verify all work from. The list's order is the deploy order; each stack
is one line, so that changes stay local (format version 2; see `render.manifest`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jumpgate.core.paths import MANIFEST

# The manifest format this reader understands and `render` writes. Version 1 had an "order" number
# per stack; re-rendering is all an old file needs.
VERSION = 2


class ManifestError(ValueError):
    """The manifest is missing or unreadable: run `jumpgate render`."""


@dataclass(frozen=True)
class Entry:
    """One stack of the manifest, in deploy order."""

    name: str
    stage: str
    account: str
    account_id: str
    region: str
    template: str
    parameter_file: str
    depends_on: tuple[str, ...]


@dataclass(frozen=True)
class Manifest:
    data: dict[str, Any]  # the whole document (stages, identity account, organization)
    identity_id: str
    entries: list[Entry]


def read_manifest(root: Path) -> Manifest:
    try:
        data = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
        version = data.get("version")
        if version != VERSION:
            raise ValueError(f"format version {version}, this jumpgate reads version {VERSION}")
        entries = [
            Entry(
                name=s["name"],
                stage=s["stage"],
                account=s["account"],
                account_id=s["account_id"],
                region=s["region"],
                template=s["template"],
                parameter_file=s["parameter_file"],
                depends_on=tuple(s.get("depends_on", ())),
            )
            for s in data["stacks"]
        ]
        _check_order(entries)
        identity = str((data.get("identity_account") or {}).get("id", ""))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise ManifestError(f"cannot read {MANIFEST}: {err}; run `jumpgate render`") from err
    return Manifest(data, identity, entries)


def _check_order(entries: list[Entry]) -> None:
    """The list is the deploy order: a dependency listed later (a bad hand-merge) is an error."""
    seen: set[str] = set()
    for entry in entries:
        later = [d for d in entry.depends_on if d not in seen]
        if later:
            raise ValueError(f"{entry.name} is listed before {', '.join(later)}, its dependencies")
        seen.add(entry.name)
