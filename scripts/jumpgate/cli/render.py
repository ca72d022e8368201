"""`jumpgate render [--check]`: write (or check) the parameter files and the manifest."""

from __future__ import annotations

import argparse
import sys

from jumpgate.cli.common import add_report_arguments, failing, report, today
from jumpgate.generate.render import check, write
from jumpgate.validate.resultcache import validated

HELP = "expand the team files into parameter files and the deployment manifest"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 listing stale, missing and orphaned files",
    )
    add_report_arguments(parser)


def run(args: argparse.Namespace) -> int:
    found, files = validated(args.root, today(args))
    if files is None:
        report(found, args.format)
        print("render: not rendering while the input has errors", file=sys.stderr)
        return 1
    if args.check:
        findings = [*found, *check(args.root, files)]
        report(findings, args.format, quiet_ok=True)
        stale = [f for f in findings if f.rule_id.startswith("E6")]
        if stale:
            print(
                f"render --check: {len(stale)} generated file(s) out of date; "
                "run `jumpgate render` and commit the result",
                file=sys.stderr,
            )
        else:
            print(f"render --check: {len(files)} generated files up to date", file=sys.stderr)
        return 1 if failing(findings, args.fail_on) else 0
    outcome = write(args.root, files)
    report(found, args.format, quiet_ok=True)
    print(
        f"render: {len(outcome.written)} written, {len(outcome.deleted)} deleted, "
        f"{outcome.unchanged} unchanged ({len(files)} files)",
        file=sys.stderr,
    )
    _list("wrote  ", outcome.written)
    _list("deleted", outcome.deleted)
    return 1 if failing(found, args.fail_on) else 0


LISTED = 50  # a first render of 1,000 accounts writes 7,000 files: name the first ones only


def _list(verb: str, paths: list[str]) -> None:
    for rel in paths[:LISTED]:
        print(f"  {verb} {rel}", file=sys.stderr)
    if len(paths) > LISTED:
        print(f"  {verb} ... and {len(paths) - LISTED:,} more", file=sys.stderr)
