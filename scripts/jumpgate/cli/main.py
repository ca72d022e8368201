"""The `jumpgate` command line: one module per command under jumpgate/commands/."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jumpgate import __version__

# Command name -> module. Modules are imported only when needed: the deploy commands pull in
# boto3, which would add ~0.3 s to every `jumpgate validate` in a pre-commit hook.
COMMANDS = {
    "validate": "jumpgate.cli.validate",
    "render": "jumpgate.cli.render",
    "check": "jumpgate.cli.check",
    "rules": "jumpgate.cli.rules",
    "analyze": "jumpgate.cli.analyze",
    "local-aws": "jumpgate.cli.local_aws",
    "plan": "jumpgate.cli.plan",
    "deploy": "jumpgate.cli.deploy",
    "pipeline": "jumpgate.cli.pipeline",
    "verify": "jumpgate.cli.verify",
    "access": "jumpgate.cli.access",
    "demo": "jumpgate.cli.demo",
    "synth": "jumpgate.cli.synth",
    "diff": "jumpgate.cli.diff",
    "import": "jumpgate.cli.import_",
    "onboard": "jumpgate.cli.onboard",
}
# Commands that work without a repository (elsewhere, no repository found is a usage error).
WITHOUT_REPOSITORY = frozenset({"rules", "synth"})
ORGANIZATION_FILE = Path("org") / "organization.yaml"


def command_module(name: str) -> Any:
    return importlib.import_module(COMMANDS[name])


EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def _add_common_arguments(parser: argparse.ArgumentParser, default: object) -> None:
    """--root and --debug, accepted before the command and after it."""
    parser.add_argument(
        "--root",
        type=Path,
        default=default,
        metavar="DIR",
        help="repository root (default: the nearest folder at or above the current one that "
        "holds org/organization.yaml)",
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        default=False if default is None else default,
        help="show tracebacks of internal errors",
    )


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The full parser, or (with `only`) one whose other commands are bare placeholders."""
    parser = argparse.ArgumentParser(
        prog="jumpgate",
        description="IAM user access for a multi-account AWS organization, as code.",
        epilog="Exit codes: 0 clean, 1 findings (or stale files), 2 usage or internal error.",
    )
    parser.add_argument("--version", action="version", version=f"jumpgate {__version__}")
    _add_common_arguments(parser, None)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        if only is not None and name != only:
            sub.add_parser(name)
            continue
        module = command_module(name)
        command = sub.add_parser(name, help=module.HELP, description=module.HELP)
        # SUPPRESS: a subcommand's default must not overwrite `jumpgate --root DIR COMMAND`
        _add_common_arguments(command, argparse.SUPPRESS)
        module.add_arguments(command)
    return parser


def _command_word(words: Sequence[str]) -> str | None:
    """The command in argv: the first word that is neither an option nor --root's value."""
    skip = False
    for word in words:
        if skip:
            skip = False
        elif word == "--root":
            skip = True
        elif not word.startswith("-"):
            return word
    return None


def find_repository(start: Path) -> Path | None:
    """The nearest folder at or above `start` holding org/organization.yaml (as git finds .git)."""
    for folder in (start, *start.parents):
        if (folder / ORGANIZATION_FILE).is_file():
            return folder
    return None


def _root(args: argparse.Namespace) -> Path | None:
    """An explicit --root as given; without one, the repository around the working directory."""
    root: Path | None = args.root
    if root is not None:
        if not root.is_dir():
            print(f"jumpgate: error: --root {root} is not a directory", file=sys.stderr)
            return None
        return root.resolve()
    here = Path.cwd().resolve()
    found = find_repository(here)
    if found is None and args.command in WITHOUT_REPOSITORY:
        return here
    if found is None:
        print(
            f"jumpgate: error: not inside a jumpgate repository: no {ORGANIZATION_FILE.as_posix()} "
            f"in {here} or any folder above it; run jumpgate there or pass --root DIR",
            file=sys.stderr,
        )
    return found


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    chosen = _command_word(words)
    parser = build_parser(chosen if chosen in COMMANDS else None)
    try:
        args = parser.parse_args(words)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    root = _root(args)
    if root is None:
        return EXIT_USAGE
    args.root = root
    try:
        return int(command_module(args.command).run(args))
    except KeyboardInterrupt:
        print("jumpgate: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # an internal error must never look like a finding
        if args.debug:
            raise
        print(
            f"jumpgate: internal error: {type(exc).__name__}: {exc} (rerun with --debug)",
            file=sys.stderr,
        )
        return EXIT_USAGE


if __name__ == "__main__":
    raise SystemExit(main())
