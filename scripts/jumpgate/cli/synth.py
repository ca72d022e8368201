"""`jumpgate synth`: write a synthetic organization of a given size (for scale tests)."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from jumpgate.demo.synth import SIZES, synthesize, write

HELP = "write a deterministic synthetic organization (S, M, L, XL) into a folder"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--size",
        choices=sorted(SIZES, key=lambda s: SIZES[s].people),
        default="S",
        help="S ≈ the example, M 100 accounts/500 people, L 500/2,000, XL 1,000/5,000",
    )
    parser.add_argument(
        "--seed", type=int, default=1, help="same seed, same organization (default: 1)"
    )
    parser.add_argument(
        "--default-quotas",
        action="store_true",
        help="declare no raised quotas (L and XL declare some): validate then names each quota "
        "to raise and by how much",
    )
    parser.add_argument(
        "--people-batches",
        type=int,
        default=None,
        metavar="N",
        help="people in N batch stacks (default: one per 50 people for L and XL, one stack per "
        "person for S and M; 0: one stack per person)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="DIR",
        help="target folder (gets org/, accounts/, teams/ and a copy of the templates and schemas)",
    )


def run(args: argparse.Namespace) -> int:
    out: Path = args.out
    if out.exists() and any(out.iterdir()):
        print(f"synth: {out} is not empty; choose a new folder", file=sys.stderr)
        return 2
    size = SIZES[args.size]
    if args.people_batches is not None and not 0 <= args.people_batches <= 1000:
        print("synth: --people-batches must be 0 to 1000", file=sys.stderr)
        return 2
    files = synthesize(
        size, args.seed, raised_quotas=not args.default_quotas, people_batches=args.people_batches
    )
    write(out, files)
    for folder in ("schemas", "cloudformation/templates"):
        source = args.root / folder
        if source.is_dir():
            shutil.copytree(source, out / folder, dirs_exist_ok=True)
    print(
        f"synth: {args.size} organization in {out}: {size.accounts} accounts, {size.teams} "
        f"teams, {size.people} people ({len(files)} files)",
        file=sys.stderr,
    )
    return 0
