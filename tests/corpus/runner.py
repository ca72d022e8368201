"""The bad-input and good-input corpora: each case is a small change to the example org.

A case (in bad.yaml or good.yaml) lists `edits` applied to a copy of the repository's data:
- `file` + `replace` + `with`: replace text that occurs exactly once;
- `file` + `append`: add text at the end;
- `file` + `copy`: replace (or create) the file with one from tests/corpus/files/;
- `file` + `write`: replace (or create) the file with this text;
- `file` + `bytes`: create a file of that many bytes (YAML comments);
- `file` + `delete: true`;
- `file` + `symlink`: make the file a symbolic link to that target (an absolute path, or a
  file of tests/corpus/files/: outside the repository either way);
- `file` + `fifo: true`: make the file a named pipe;
- `file` + `values`: a team file whose description is a list of that many numbers.
A bad case names the finding it must produce: `expect: {rule, path, line, column}`; `hostile:
true` cases must also be refused in under 2 s and 200 MB (tests/gate/test_corpus.py). `hook`
says what checks it: `check` (default: `jumpgate render` unless `render: false`, then
`jumpgate check --render-check`, as a committer would), `syntax` or `cfn-lint` (hooks of
jumpgate.hooks).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

CORPUS = Path(__file__).resolve().parent
REPO = CORPUS.parent.parent
DATA = ("org", "accounts", "teams", "cloudformation", ".github")
TODAY = "2026-11-28"


@dataclass(frozen=True)
class Case:
    name: str
    description: str
    edits: list[dict[str, Any]]
    expect: dict[str, Any] | None = None
    hook: str = "check"
    commit: bool = False  # also proven by a real `git commit` (tests/test_precommit.py)
    render: bool = True  # run `jumpgate render` first, as a committer would
    hostile: bool = False  # also bounded in time and memory

    @property
    def blocks(self) -> bool:
        return self.expect is not None and str(self.expect["rule"]).startswith("E")


def load_cases(name: str) -> list[Case]:
    raw = YAML(typ="safe", pure=True).load((CORPUS / name).read_text(encoding="utf-8"))
    return [
        Case(
            c["name"],
            c.get("description", ""),
            c.get("edits", []),
            c.get("expect"),
            c.get("hook", "check"),
            c.get("commit", False),
            c.get("render", True),
            c.get("hostile", False),
        )
        for c in raw
    ]


def copy_example(target: Path) -> Path:
    for folder in DATA:
        shutil.copytree(REPO / folder, target / folder)
    return target


def apply_edits(root: Path, case: Case) -> list[str]:
    """Apply a case's edits under root; returns the touched paths (relative)."""
    touched = []
    for edit in case.edits:
        rel = str(edit["file"])
        path = root / rel
        touched.append(rel)
        if "replace" in edit:
            text = path.read_text(encoding="utf-8")
            old = str(edit["replace"])
            if text.count(old) != 1:
                raise AssertionError(
                    f"{case.name}: {old!r} occurs {text.count(old)} times in {rel}"
                )
            path.write_text(text.replace(old, str(edit["with"])), encoding="utf-8")
        elif "append" in edit:
            with path.open("a", encoding="utf-8") as handle:
                handle.write(str(edit["append"]))
        elif "copy" in edit:
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(CORPUS / "files" / str(edit["copy"]), path)
        elif "write" in edit:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(str(edit["write"]), encoding="utf-8")
        elif "bytes" in edit:
            line = "# " + "x" * 77 + "\n"
            count = int(edit["bytes"]) // len(line) + 1
            path.write_text("team: huge\n" + line * count, encoding="utf-8")
        elif edit.get("delete"):
            path.unlink()
        elif "symlink" in edit:
            target = Path(str(edit["symlink"]))
            path.symlink_to(target if target.is_absolute() else CORPUS / "files" / target)
        elif edit.get("fifo"):
            os.mkfifo(path)
        elif "values" in edit:
            numbers = ",".join(["1"] * int(edit["values"]))
            path.write_text(f"team: crm\npeople: {{}}\ndescription: [{numbers}]\n")
        else:
            raise AssertionError(f"{case.name}: unknown edit {edit}")
    return touched
