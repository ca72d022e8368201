"""The gate end to end: a scratch repository with the hooks installed by `pre-commit install`;
bad corpus cases are refused by a real `git commit` (with the expected rule and line), a good
change commits. PATH leaves out the virtual environment: hooks must find it themselves."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from corpus.runner import REPO, TODAY, Case, apply_edits, copy_example, load_cases
from jumpgate.cli.main import main

VENV = REPO / ".venv"
# A handful by default (each commit takes about a second); JUMPGATE_COMMIT_ALL=1 commits every
# blocking case of the corpus.
COMMIT_CASES = [
    c
    for c in load_cases("bad.yaml")
    if c.blocks and (c.commit or os.environ.get("JUMPGATE_COMMIT_ALL"))
]
pytestmark = pytest.mark.skipif(
    not (VENV / "bin" / "pre-commit").exists() or shutil.which("git") is None,
    reason="needs git and the project's .venv with pre-commit",
)


def _git(root: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=root, env=env, capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = copy_example(tmp_path_factory.mktemp("gate") / "repo")
    shutil.copyfile(REPO / ".pre-commit-config.yaml", root / ".pre-commit-config.yaml")
    (root / "scripts").mkdir()
    shutil.copy2(REPO / "scripts" / "hook", root / "scripts" / "hook")
    (root / ".venv").symlink_to(VENV)
    (root / ".gitignore").write_text(".venv\n.jumpgate-cache/\n")  # as the repository ignores it
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",  # no .venv/bin: hooks find it themselves
        "HOME": str(root.parent),
        "PRE_COMMIT_HOME": str(root.parent / "pre-commit-cache"),
        "JUMPGATE_TODAY": TODAY,
        "XDG_CACHE_HOME": os.environ.get("XDG_CACHE_HOME", str(Path.home() / ".cache")),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    assert _git(root, "init", "-q", "-b", "main", env=env).returncode == 0
    _git(root, "add", "-A", env=env)
    assert _git(root, "commit", "-q", "--no-verify", "-m", "example", env=env).returncode == 0
    installed = subprocess.run(
        [str(VENV / "bin" / "pre-commit"), "install"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr
    return root, env


def _attempt(root: Path, env: dict[str, str], case: Case) -> subprocess.CompletedProcess[str]:
    apply_edits(root, case)
    if case.render and case.hook == "check":
        main(["render", "--root", str(root), "--today", TODAY])
    _git(root, "add", "-A", env=env)
    return _git(root, "commit", "-m", case.name, env=env)


def _reset(root: Path, env: dict[str, str]) -> None:
    _git(root, "reset", "-q", "--hard", "HEAD", env=env)
    _git(root, "clean", "-q", "-fd", env=env)


@pytest.mark.parametrize("case", COMMIT_CASES, ids=[c.name for c in COMMIT_CASES])
def test_commit_is_blocked(case: Case, scratch: tuple[Path, dict[str, str]]) -> None:
    root, env = scratch
    assert case.expect is not None
    try:
        done = _attempt(root, env, case)
        output = done.stdout + done.stderr
        assert done.returncode != 0, f"{case.name} was committed:\n{output}"
        expect = case.expect
        where = f"{expect['path']}:{expect['line']}:" if "line" in expect else expect["path"]
        assert where in output, output
        assert f" {expect['rule']} " in output, output
    finally:
        _reset(root, env)


def test_good_change_commits(scratch: tuple[Path, dict[str, str]]) -> None:
    root, env = scratch
    case = Case(
        "add-member",
        "a new person in crm, with the regenerated parameter files",
        [
            {
                "file": "teams/crm.yaml",
                "replace": "  gwen: {name: Gwen Harris, email: gwen@learnaws.example}\n",
                "with": "  gwen: {name: Gwen Harris, email: gwen@learnaws.example}\n"
                "  hugo: {name: Hugo Brandt, email: hugo@learnaws.example}\n",
            }
        ],
    )
    done = _attempt(root, env, case)
    try:
        assert done.returncode == 0, done.stdout + done.stderr
        assert "jumpgate validate + check + render --check" in done.stdout + done.stderr
        changed = _git(root, "show", "--name-only", "--format=", "HEAD", env=env).stdout
        assert "cloudformation/parameters/learnaws-identity/jumpgate-user-hugo.json" in changed
    finally:
        if done.returncode == 0:
            _git(root, "reset", "-q", "--hard", "HEAD~1", env=env)
        _reset(root, env)


def test_hook_wrapper_without_a_virtual_environment(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(REPO / "scripts" / "hook"), "jumpgate", "check"],
        env={"PATH": "/usr/bin:/bin", "JUMPGATE_VENV": str(tmp_path / "none")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "run `make setup`" in done.stderr


def test_a_warning_shows_on_a_commit_that_passes(scratch: tuple[Path, dict[str, str]]) -> None:
    """pre-commit hides a passing hook's output unless the hook is verbose: W217 must show."""
    root, env = scratch
    case = Case(
        "redundant-grant",
        "alice gets readonly on staging, which the team's `who: all` grant already gives",
        [
            {
                "file": "teams/crm.yaml",
                "replace": "    reason: INC-4711 data migration\n",
                "with": "    reason: INC-4711 data migration\n"
                "  - who: [alice]\n    level: readonly\n    environments: [staging]\n",
            }
        ],
        render=True,
        hook="check",
    )
    done = _attempt(root, env, case)
    try:
        output = done.stdout + done.stderr
        assert done.returncode == 0, output
        assert "teams/crm.yaml:40:5: W217 grant adds no access: access[1]" in output, output
    finally:
        if done.returncode == 0:
            _git(root, "reset", "-q", "--hard", "HEAD~1", env=env)
        _reset(root, env)
