"""Regenerate tests/golden/*/expected/ from tests/golden/*/input/ (`make golden`).

Each case's input holds org/, accounts/ and teams/; its expected output is what
`jumpgate render` writes: cloudformation/parameters/** and cloudformation/manifest.json.
Review the diff before committing: it is exactly what a user's pull request would show.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent / "golden"
# Expiry rules depend on the day; golden output must not, so every case is judged on this day.
GOLDEN_TODAY = dt.date(2026, 11, 28)


def cases() -> list[Path]:
    return sorted(p for p in GOLDEN.iterdir() if (p / "input").is_dir())


def render_case(case: Path) -> dict[str, str]:
    """The files `jumpgate render` makes from a case's input, by path relative to the root."""
    from jumpgate.core.findings import format_text
    from jumpgate.generate.render import rendered_files
    from jumpgate.validate.flow import validate

    result = validate(case / "input", GOLDEN_TODAY)
    if result.findings:
        raise SystemExit(f"{case.name}: input has findings:\n{format_text(result.findings)}")
    return rendered_files(result.org, result.expansion)


def refresh(case: Path) -> int:
    files = render_case(case)
    expected = case / "expected"
    if expected.exists():
        shutil.rmtree(expected)
    for rel, text in files.items():
        path = expected / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    return len(files)


def main() -> int:
    for case in cases():
        print(f"{case.relative_to(GOLDEN.parent.parent)}: {refresh(case)} files")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    sys.exit(main())
