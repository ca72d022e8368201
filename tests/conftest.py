"""Fixtures: a private copy of the example organization for every test that edits one."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import REPO, copy_org


@pytest.fixture
def org(tmp_path: Path) -> Path:
    """A copy of the example organization (data and rendered files) in tmp_path/repo."""
    return copy_org(REPO, tmp_path / "repo")


@pytest.fixture(autouse=True)
def _no_today_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JUMPGATE_TODAY", raising=False)
