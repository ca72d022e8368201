"""Read the committed deployment manifest (`render.py` writes it): the one list of stacks that
analyze, plan, deploy and verify all work from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jumpgate.core.paths import MANIFEST


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
        identity = str((data.get("identity_account") or {}).get("id", ""))
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ManifestError(f"cannot read {MANIFEST}: {err}; run `jumpgate render`") from err
    return Manifest(data, identity, entries)
