"""`jumpgate rules`: the rule catalogue (docs/rules.md is generated from it)."""

from __future__ import annotations

import argparse
import json
import sys

from jumpgate.core.rules import RULES, catalogue_markdown

HELP = "list every rule id with its severity, title and fix hint"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("text", "markdown", "json"), default="text")


def run(args: argparse.Namespace) -> int:
    if args.format == "markdown":
        sys.stdout.write(catalogue_markdown())
    elif args.format == "json":
        rows = [
            {"id": r.rule_id, "severity": r.severity.value, "title": r.title, "hint": r.hint}
            for r in RULES.values()
        ]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
    else:
        for rule in RULES.values():
            print(f"{rule.rule_id}  {rule.severity.value:<7}  {rule.title}")
    return 0
