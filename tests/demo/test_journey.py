"""`jumpgate demo` (what `make demo` runs): the whole newcomer journey exits 0, leaves the
repository it runs on untouched and no emulator behind."""

from __future__ import annotations

import shutil
from pathlib import Path

from helpers import REPO
from jumpgate.demo.journey import scratch_copy
from localaws_helpers import jumpgate


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for folder in ("teams", "org", "accounts", "cloudformation")
        for p in sorted((root / folder).rglob("*"))
        if p.is_file()
    }


def test_demo_journey_end_to_end() -> None:
    repo = scratch_copy(REPO)  # a copy, so that others' uncommitted edits cannot interfere
    try:
        code, out, err = jumpgate("demo", "--root", str(repo))
        before = _snapshot(repo)  # after the demo's own render of the summary step
        assert code == 0, out[-3000:] + err[-3000:]
        text = out + err
        assert "journey complete" in text
        assert text.count("no drift") == 2
        assert "offboarded: removed access key" in text
        assert "with MFA assumes granted" in text
        assert (
            "  ✓ aws sts get-caller-identity --profile crm-prod-readonly → "
            "arn:aws:sts::107000000007:assumed-role/jumpgate-readonly/quinn"
        ) in text.splitlines()
        assert (
            "  Sign in: <https://100000000001.signin.aws.amazon.com/console> as IAM user `quinn`."
            in text.splitlines()
        )
        # the cross-team prod grant waits for the approval, then is in IAM
        assert "quinn in crm-prod, read back from IAM: nothing" in text
        assert "quinn in crm-prod, read back from IAM: crm-prod readonly" in text
        assert "✗" not in text
        code, _, _ = jumpgate("demo", "--root", str(repo), "--summary-only")
        assert code == 0
        assert _snapshot(repo) == before  # the journey itself ran on its own scratch copy
        assert not (repo / ".jumpgate" / "local-aws.json").exists()
    finally:
        shutil.rmtree(repo.parent, ignore_errors=True)
