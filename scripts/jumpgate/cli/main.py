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
}


def command_module(name: str) -> Any:
    return importlib.import_module(COMMANDS[name])


EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The full parser, or (with `only`) one whose other commands are bare placeholders."""
    parser = argparse.ArgumentParser(
        prog="jumpgate",
        description="IAM user access for a multi-account AWS organization, as code.",
        epilog="Exit codes: 0 clean, 1 findings (or stale files), 2 usage or internal error.",
    )
    parser.add_argument("--version", action="version", version=f"jumpgate {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        if only is not None and name != only:
            sub.add_parser(name)
            continue
        module = command_module(name)
        command = sub.add_parser(name, help=module.HELP, description=module.HELP)
        command.add_argument(
            "--root",
            type=Path,
            default=Path("."),
            metavar="DIR",
            help="repository root (default: the current directory)",
        )
        command.add_argument(
            "--debug", action="store_true", help="show tracebacks of internal errors"
        )
        module.add_arguments(command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    chosen = next((w for w in words if not w.startswith("-")), None)
    parser = build_parser(chosen if chosen in COMMANDS else None)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    root: Path = args.root
    if not root.is_dir():
        print(f"jumpgate: error: --root {root} is not a directory", file=sys.stderr)
        return EXIT_USAGE
    args.root = root.resolve()
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
