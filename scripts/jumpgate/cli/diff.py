"""`jumpgate diff [BASE [HEAD]]`: the access difference between two revisions, in words."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from jumpgate.cli.common import parse_date, today
from jumpgate.report.diff import Change, diff, format_json, format_markdown, format_text, summary
from jumpgate.report.revisions import (
    INDEX,
    RevisionError,
    default_base,
    materialize,
    resolve,
    toplevel,
)
from jumpgate.validate.flow import validate

if TYPE_CHECKING:
    from jumpgate.report.access import AccessPath

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
    parser.add_argument(
        "--today",
        type=parse_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="judge expiry dates as of this day (default: today, UTC; or $JUMPGATE_TODAY)",
    )


def _access(root: Path, day: dt.date, label: str) -> tuple[list[AccessPath], list[str]]:
    """The effective access of the data under `root`, and the environments in deploy order."""
    from jumpgate.report.access import effective_access

    result = validate(root, day)
    if not result.ok:
        errors = sum(1 for f in result.findings if f.rule_id.startswith("E"))
        print(
            f"diff: {label} has {errors} validation error(s); its access may be incomplete",
            file=sys.stderr,
        )
    return effective_access(result.org, result.expansion, day), list(result.org.environments)


def _side(
    root: Path, rev: str | None, day: dt.date, scratch: Path
) -> tuple[list[AccessPath], list[str]]:
    if rev is None:
        return _access(root, day, WORKTREE)
    folder = materialize(root, rev, scratch / ("index" if rev == INDEX else rev))
    if not (folder / "org").is_dir():  # nothing to load: no access at all
        return [], []
    return _access(folder, day, "the index" if rev == INDEX else rev)


def changes_between(root: Path, base: str | None, head: str | None, day: dt.date) -> list[Change]:
    """`base`/`head`: commit ids, INDEX, or None (base: no data; head: the working tree)."""
    with tempfile.TemporaryDirectory(prefix="jumpgate-diff-") as tmp:
        old, old_envs = ([], []) if base is None else _side(root, base, day, Path(tmp))
        new, new_envs = _side(root, head, day, Path(tmp))
    order = new_envs + [e for e in old_envs if e not in new_envs]
    return diff(old, new, order)


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
    """`python -m jumpgate.cli.diff`: the pre-commit hook's entry point (skips the CLI's import
    of every command). With --staged it exits 0 whatever happens: the hook only informs."""
    parser = argparse.ArgumentParser(prog="jumpgate diff", description=HELP)
    parser.add_argument("--root", type=Path, default=Path("."), metavar="DIR")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    add_arguments(parser)
    args = parser.parse_args(argv)
    args.root = args.root.resolve()
    try:
        return run(args)
    except Exception as exc:  # as cli.main: an internal error must never look like a finding
        if args.debug:
            raise
        print(f"jumpgate: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 0 if args.staged else 2


if __name__ == "__main__":
    raise SystemExit(main())
