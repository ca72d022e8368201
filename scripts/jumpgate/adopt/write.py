"""Write an import's data files (the layout `jumpgate synth` writes: org/, accounts/, teams/)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from jumpgate.adopt.mapping import Mapped

HEADER = "# Imported by `jumpgate import`: review before the first deploy (docs/import.md).\n"


def _dump(schema: str, data: dict[str, Any]) -> str:
    yaml = YAML()
    yaml.default_flow_style = False
    yaml.width = 120
    buffer = io.StringIO()
    buffer.write(f"# yaml-language-server: $schema=../schemas/{schema}.schema.json\n{HEADER}")
    yaml.dump(data, buffer)
    return buffer.getvalue()


def files_of(mapped: Mapped) -> dict[str, str]:
    files = {"org/organization.yaml": _dump("organization", mapped.organization)}
    for name, account in mapped.accounts.items():
        files[f"accounts/{name}.yaml"] = _dump("account", account)
    for name, team in mapped.teams.items():
        files[f"teams/{name}.yaml"] = _dump("team", team)
    return files


def write(out: Path, files: dict[str, str]) -> None:
    for relative, text in sorted(files.items()):
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
