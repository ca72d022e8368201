"""The `jumpgate` command line: one module per command under jumpgate/commands/."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from jumpgate import __version__
from jumpgate.commands import (
    analyze,
    check,
    demo,
    deploy,
    local_aws,
    pipeline,
    plan,
    render,
    rules,
    synth,
    validate,
    verify,
)

COMMANDS = {
    "validate": validate,
    "render": render,
    "rules": rules,
    "demo": demo,
    "check": check,
    "analyze": analyze,
    "synth": synth,
    "local-aws": local_aws,
    "plan": plan,
    "deploy": deploy,
    "pipeline": pipeline,
    "verify": verify,
}

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jumpgate",
        description="IAM user access for a multi-account AWS organization, as code.",
        epilog="Exit codes: 0 clean, 1 findings (or stale files), 2 usage or internal error.",
    )
    parser.add_argument("--version", action="version", version=f"jumpgate {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module in COMMANDS.items():
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
    parser = build_parser()
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
        return int(COMMANDS[args.command].run(args))
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
