"""The validated-result cache: `render` right after `validate` of the same bytes reuses the
findings and files instead of running the flow again; any change to the input, the date or the
cache file itself means the full flow, with the same output either way."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from helpers import REPO, TODAY, copy_org, replace, run
from jumpgate.core.cachefile import CACHE_DIR
from jumpgate.validate import flow as pipeline
from jumpgate.validate import resultcache

CACHE = Path(CACHE_DIR) / resultcache.FILE_NAME


def _forbid_the_flow(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_: object) -> None:
        raise AssertionError("the full flow ran although the input was unchanged")

    monkeypatch.setattr(pipeline, "validate", boom)


def _generated(root: Path) -> dict[str, bytes]:
    folder = root / "cloudformation"
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*.json"))
        if "templates" not in p.parts and "pipeline" not in p.parts
    }


def test_render_after_validate_reuses_the_result_and_writes_the_same_files(
    org: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _generated(org)
    for rel in expected:
        (org / rel).unlink()
    assert run("validate", "--root", str(org), "--today", TODAY)[0] == 0
    assert (org / CACHE).is_file()
    _forbid_the_flow(monkeypatch)
    code, _, err = run("render", "--root", str(org), "--today", TODAY)
    assert code == 0, err
    assert f"render: {len(expected)} written, 0 deleted, 1 unchanged" in err  # CODEOWNERS
    assert _generated(org) == expected
    assert run("render", "--check", "--root", str(org), "--today", TODAY)[0] == 0


def test_warnings_come_back_from_the_cache_exactly(
    org: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    later = "2027-01-05"  # alice's crm-prod elevation expired on 2026-12-31: W403
    first = run("validate", "--root", str(org), "--today", later)
    assert first[0] == 0 and "W403" in first[1]
    _forbid_the_flow(monkeypatch)
    again = run("validate", "--root", str(org), "--today", later)
    assert again == first
    json_first = run("render", "--check", "--root", str(org), "--today", later, "--format", "json")
    assert '"rule": "W403"' in json_first[1]


def test_a_changed_byte_a_new_file_or_another_date_is_a_miss(org: Path) -> None:
    key = resultcache.input_key(org, dt.date(2026, 11, 28))
    assert resultcache.input_key(org, dt.date(2026, 11, 29)) != key
    (org / "teams" / "notes.txt").write_text("not YAML, but still part of the key\n")
    with_note = resultcache.input_key(org, dt.date(2026, 11, 28))
    assert with_note != key
    (org / "teams" / "notes.txt").unlink()
    assert resultcache.input_key(org, dt.date(2026, 11, 28)) == key
    replace(org, "teams/crm.yaml", "team: crm", "team: crm ")
    assert resultcache.input_key(org, dt.date(2026, 11, 28)) != key


def test_an_error_introduced_after_validate_is_reported_by_render(org: Path) -> None:
    assert run("validate", "--root", str(org), "--today", TODAY)[0] == 0
    replace(org, "accounts/crm-prod.yaml", 'id: "107000000007"', "id: 107000000007")
    code, out, err = run("render", "--root", str(org), "--today", TODAY)
    assert code == 1
    assert "accounts/crm-prod.yaml:2:5: E101" in out
    assert "render: not rendering while the input has errors" in err


def test_a_result_with_errors_is_cached_but_never_rendered(
    org: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    replace(org, "accounts/crm-prod.yaml", 'id: "107000000007"', "id: 107000000007")
    first = run("validate", "--root", str(org), "--today", TODAY)
    assert first[0] == 1
    _forbid_the_flow(monkeypatch)
    code, out, err = run("render", "--root", str(org), "--today", TODAY)
    assert (code, out) == (1, first[1])
    assert "not rendering" in err


@pytest.mark.parametrize("content", [b"", b"\x00garbage", b"\xe3\x00\x00\x00\x00"])
def test_a_corrupt_cache_is_ignored_and_replaced(org: Path, content: bytes) -> None:
    (org / CACHE).parent.mkdir(exist_ok=True)
    (org / CACHE).write_bytes(content)
    assert run("render", "--check", "--root", str(org), "--today", TODAY)[0] == 0
    key = resultcache.input_key(org, dt.date.fromisoformat(TODAY))
    assert resultcache.load(org, key) is not None


def test_the_example_repository_renders_identically_through_a_hit(tmp_path: Path) -> None:
    root = copy_org(REPO, tmp_path / "repo")
    miss = run("render", "--check", "--root", str(root), "--today", TODAY)
    hit = run("render", "--check", "--root", str(root), "--today", TODAY)
    assert miss == hit and miss[0] == 0
