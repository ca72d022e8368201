"""The repository's data at a git revision, in a folder: what `jumpgate diff` compares.

`materialize(root, rev, target)` writes the data folders (org, accounts, teams, schemas) of a
commit (`git archive`) or of the index (`git checkout-index`) into `target`; the working tree
is read in place. Errors are `RevisionError` with a one-line message.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

__all__ = ["INDEX", "RevisionError", "default_base", "materialize", "resolve", "toplevel"]

DATA = ("org", "accounts", "teams", "schemas")
INDEX = ":index"  # the staged state (`git diff --staged`'s right side)
MAIN_BRANCHES = ("main", "origin/main")


class RevisionError(Exception):
    """A revision that does not resolve, or a folder that is not a git repository."""


def _git(root: Path, *args: str, binary: bool = False) -> bytes:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, check=False, timeout=120
        )
    except FileNotFoundError as err:
        raise RevisionError("git is not installed") from err
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise RevisionError(message[-1] if message else f"git {args[0]} failed")
    return done.stdout


def toplevel(root: Path) -> Path:
    try:
        return Path(_git(root, "rev-parse", "--show-toplevel").decode().strip())
    except RevisionError as err:
        raise RevisionError(f"{root} is not in a git repository") from err


def resolve(root: Path, rev: str) -> str:
    """The commit id of `rev`, or RevisionError("unknown revision: REV")."""
    try:
        return _git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").decode().strip()
    except RevisionError as err:
        raise RevisionError(f"unknown revision: {rev}") from err


def default_base(root: Path) -> str:
    """The merge-base of HEAD with `main` (else `origin/main`), else HEAD itself."""
    head = resolve(root, "HEAD")
    for branch in MAIN_BRANCHES:
        try:
            other = resolve(root, branch)
        except RevisionError:
            continue
        return _git(root, "merge-base", head, other).decode().strip()
    return head


def _prefix(root: Path) -> str:
    """The path of `root` inside its repository ("" at the top, else "sub/dir/")."""
    return _git(root, "rev-parse", "--show-prefix").decode().strip()


def materialize(root: Path, rev: str, target: Path) -> Path:
    """The data folders of `rev` (a commit, or INDEX) under `target`; returns `target`."""
    prefix = _prefix(root)
    target.mkdir(parents=True, exist_ok=True)
    if rev == INDEX:
        listed = _git(root, "ls-files", "-z", "--", *DATA).split(b"\0")
        paths = [p.decode() for p in listed if p]
        if paths:
            # ls-files names paths relative to `root`; checkout-index takes the same.
            subprocess.run(
                ["git", "-C", str(root), "checkout-index", f"--prefix={target}/", "-z", "--stdin"],
                input=b"\0".join(p.encode() for p in paths),
                capture_output=True,
                check=True,
            )
            _flatten(target, prefix)
        return target
    present = _git(root, "ls-tree", "--name-only", rev, "--", *DATA).decode().split()
    if present:
        # git archive piped into tar, both in C: Python's tarfile took ~3x as long at 1,000
        # accounts (file creation dominates). GNU tar drops `..` and leading `/` from names.
        archive = subprocess.Popen(
            ["git", "-C", str(root), "archive", "--format=tar", rev, "--", *present],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        extracted = subprocess.run(
            ["tar", "-x", "--no-same-owner", "-C", str(target)],
            stdin=archive.stdout,
            capture_output=True,
            check=False,
        )
        if archive.stdout is not None:
            archive.stdout.close()
        if archive.wait() != 0 or extracted.returncode != 0:
            raise RevisionError(f"cannot unpack {rev}: {extracted.stderr.decode().strip()}")
        _flatten(target, prefix)
    return target


def _flatten(target: Path, prefix: str) -> None:
    """checkout-index and archive write paths from the repository top; move `prefix`'s
    content up to `target` when the organization lives in a subfolder."""
    if not prefix:
        return
    inner = target / prefix
    if not inner.is_dir():
        return
    for child in inner.iterdir():
        child.rename(target / child.name)
