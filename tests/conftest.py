"""Fixtures: a private copy of the example organization for every test that edits one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import REPO, copy_org
from localaws_helpers import deploy_json, emulated_org, start, stop


@pytest.fixture
def org(tmp_path: Path) -> Path:
    """A copy of the example organization (data and rendered files) in tmp_path/repo."""
    return copy_org(REPO, tmp_path / "repo")


@pytest.fixture(autouse=True)
def _no_today_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JUMPGATE_TODAY", raising=False)


@pytest.fixture(scope="session")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The local emulator, started on first use and shared by the session (127.0.0.1 only)."""
    yield start(tmp_path_factory.mktemp("emulator"))
    stop()


@pytest.fixture
def deployed(tmp_path: Path, endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The small example organization deployed by `jumpgate pipeline --approve` on the
    emulator (the target of the process's jumpgate commands)."""
    root = emulated_org(tmp_path, endpoint)
    monkeypatch.setenv("JUMPGATE_LOCAL_ENDPOINT", endpoint)
    assert deploy_json(root, "pipeline", "--approve")[0] == 0
    return root
