"""`jumpgate diff [BASE [HEAD]]`: the access difference between two revisions, in words."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from pathlib import Path

from jumpgate.cli.common import add_today_argument, run_alone, today
from jumpgate.report.diff import Change, diff, format_json, format_markdown, format_text, summary
from jumpgate.report.revisions import (
    INDEX,
    RevisionError,
    default_base,
    materialize,
    resolve,
    toplevel,
)
from jumpgate.validate.flow import Result, validate

HELP = "show who gains or loses access between two revisions (for review and the prod approval)"
WORKTREE = "working tree"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "base",
        nargs="?",
        metavar="BASE",
        help="git revision to compare from (default: the merge-base of HEAD with main, "
        "else origin/main, else HEAD)",
    )
    parser.add_argument(
        "head",
        nargs="?",
        metavar="HEAD",
        help="git revision to compare to (default: the working tree)",
    )
    parser.add_argument(
        "--staged",
        action="store_true",
        help="compare HEAD with the index (the pre-commit hook); always exits 0",
    )
    parser.add_argument(
        "--format",
        choices=("text", "markdown", "json"),
        default="text",
        help="text: a sentence a line; markdown: for a pull-request comment; json: "
        "the contract of docs/access.md (default: text)",
    )
    parser.add_argument(
        "--out", type=Path, metavar="FILE", help="write the report to FILE (default: stdout)"
    )
    add_today_argument(parser)


def _load(root: Path, day: dt.date, label: str, cache_root: Path) -> Result:
    result = validate(root, day, cache_root=cache_root)
    if not result.ok:
        errors = sum(1 for f in result.findings if f.rule_id.startswith("E"))
        print(
            f"diff: {label} has {errors} validation error(s); its access may be incomplete",
            file=sys.stderr,
        )
    return result


def _side(root: Path, rev: str | None, day: dt.date, scratch: Path) -> tuple[Path, Result | None]:
    """Where the side's data is, and its validated organization (None: no data at all)."""
    if rev is None:
        return root, _load(root, day, WORKTREE, root)
    folder = materialize(root, rev, scratch / ("index" if rev == INDEX else rev))
    if not (folder / "org").is_dir():  # nothing to load: no access at all
        return folder, None
    # The repository's caches are keyed by content: the unpacked revision shares them.
    return folder, _load(folder, day, "the index" if rev == INDEX else rev, root)


def _bytes_of(root: Path, folder: str) -> dict[str, bytes]:
    place = root / folder
    if not place.is_dir():
        return {}
    return {p.name: p.read_bytes() for p in sorted(place.iterdir()) if p.is_file()}


def affected_people(old_root: Path, new_root: Path, old: Result, new: Result) -> set[str] | None:
    """Whose access can differ: None (everyone) when the organization file or an account
    changed; else the people of the teams whose files changed, on either side."""
    for folder in ("org", "accounts"):
        if _bytes_of(old_root, folder) != _bytes_of(new_root, folder):
            return None
    old_teams, new_teams = _bytes_of(old_root, "teams"), _bytes_of(new_root, "teams")
    changed = {
        n for n in old_teams.keys() | new_teams.keys() if old_teams.get(n) != new_teams.get(n)
    }
    people: set[str] = set()
    for result in (old, new):
        for team in result.org.teams.values():
            if any(team.source.doc.path == f"teams/{name}" for name in changed):
                people.update(team.people)
    return people


def changes_between(root: Path, base: str | None, head: str | None, day: dt.date) -> list[Change]:
    """`base`/`head`: commit ids, INDEX, or None (base: no data; head: the working tree)."""
    from jumpgate.report.access import effective_access

    with tempfile.TemporaryDirectory(prefix="jumpgate-diff-") as tmp:
        old_root, old = (
            (Path(tmp) / "none", None) if base is None else _side(root, base, day, Path(tmp))
        )
        new_root, new = _side(root, head, day, Path(tmp))
        people = affected_people(old_root, new_root, old, new) if old and new else None
    old_paths = effective_access(old.org, old.expansion, day, people) if old else []
    new_paths = effective_access(new.org, new.expansion, day, people) if new else []
    old_envs = list(old.org.environments) if old else []
    new_envs = list(new.org.environments) if new else []
    order = new_envs + [e for e in old_envs if e not in new_envs]
    return diff(old_paths, new_paths, order)


def _revisions(args: argparse.Namespace) -> tuple[str | None, str | None, str, str]:
    """(base commit or None, head commit / INDEX / None, base label, head label)."""
    root: Path = args.root
    toplevel(root)  # "… is not in a git repository" before any revision is looked up
    if args.staged:
        if args.base or args.head:
            raise RevisionError("--staged takes no revisions (it compares HEAD with the index)")
        try:
            return resolve(root, "HEAD"), INDEX, "HEAD", "index"
        except RevisionError:  # the first commit: everything staged is new
            return None, INDEX, "(nothing)", "index"
    base = resolve(root, args.base) if args.base else default_base(root)
    head = resolve(root, args.head) if args.head else None
    return base, head, args.base or base[:12], args.head or WORKTREE


def run(args: argparse.Namespace) -> int:
    try:
        base, head, base_label, head_label = _revisions(args)
        changes = changes_between(args.root, base, head, today(args))
    except RevisionError as err:
        print(f"jumpgate diff: error: {err}", file=sys.stderr)
        return 0 if args.staged else 2
    if args.format == "json":
        text = format_json(changes, base_label, head_label)
    elif args.format == "markdown":
        text = format_markdown(changes, base_label, head_label)
    else:
        text = format_text(changes)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        print(f"diff: {summary(changes)} (written to {args.out})", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m jumpgate.cli.diff`: the pre-commit hook's entry point. With --staged it exits
    0 whatever happens: the hook only informs."""
    return run_alone(
        "jumpgate diff", HELP, add_arguments, run, argv, lambda args: 0 if args.staged else 2
    )


if __name__ == "__main__":
    raise SystemExit(main())
