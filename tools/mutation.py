"""Mutation testing of the security-critical code with mutmut (`make mutation`; docs/mutation.md).

mutmut 3 strips a `src.` prefix from module names and puts `mutants/src` first on sys.path, so
it runs in build/mutation/, where `src` is a copy of scripts/ and the data the tests read is
copied beside it. The configuration is pyproject.toml's [tool.mutmut]: which files are mutated,
which test folders run. For each mutant mutmut runs only the tests that call the mutated
function (recorded in a first, unmutated run). Caches are kept out of the way: a cache written
while one mutant is active would answer for the next (jumpgate salts its caches with the
source, which is the same file for every mutant).

    tools/mutation.py                      # every module of [tool.mutmut] only_mutate
    tools/mutation.py 'jumpgate.gate.checks.*' 'jumpgate.report.iam_eval.*'
    tools/mutation.py 'jumpgate.gate.checks.*' --tests tests/gate tests/generate
    tools/mutation.py --report             # per-module figures of the last run

The per-module table (killed / total, %) is printed and written to build/mutation/summary.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / "build" / "mutation"
# what the tests read besides the package (tests use paths relative to the repository; scripts/
# too: a few read source files, e.g. the managed-policy list. Imports come from mutants/src.)
DATA = ("org", "accounts", "teams", "cloudformation", "analyze", "schemas", "docs", "tools")
DATA += ("scripts", ".github")  # .github: the rendered CODEOWNERS
FILES = ("pyproject.toml", "README.md", "requirements.lock", "requirements-runtime.lock")
FILES += (".gitignore",)  # tests that make git repositories copy it
KILLED = {"killed", "timeout", "segfault", "caught by type check"}


def prepare() -> None:
    """A fresh work tree: src/ (the package), tests/, data. mutants/ is mutmut's and is kept,
    so an interrupted run resumes; delete build/mutation/ to start over."""
    WORK.mkdir(parents=True, exist_ok=True)
    for name in ("src", "tests", *DATA):
        target = WORK / name
        if target.exists():
            shutil.rmtree(target)
    shutil.copytree(REPO / "scripts", WORK / "src", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "tests", WORK / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    for name in DATA:
        if (REPO / name).exists():
            shutil.copytree(REPO / name, WORK / name)
    for name in FILES:
        shutil.copy2(REPO / name, WORK / name)
    # a file where the repository cache folder would go: no cache is written next to the data
    mutants = WORK / "mutants"
    mutants.mkdir(exist_ok=True)
    for folder in (WORK, mutants):
        blocker = folder / ".jumpgate-cache"
        if blocker.is_dir():
            shutil.rmtree(blocker)
        blocker.write_text("no cache during mutation testing\n")


def select_tests(folders: list[str]) -> None:
    """Run these test folders only (the work tree's copy of pyproject.toml is changed)."""
    config = WORK / "pyproject.toml"
    text = config.read_text(encoding="utf-8")
    chosen = "pytest_add_cli_args_test_selection = " + json.dumps(folders)
    text = re.sub(r"pytest_add_cli_args_test_selection = \[[^\]]*\]", chosen, text)
    config.write_text(text, encoding="utf-8")


def results() -> dict[str, str]:
    """mutant name -> status, from `mutmut results --all true`."""
    out = subprocess.run(
        [sys.executable, "-m", "mutmut", "results", "--all", "true"],
        cwd=WORK,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    status = {}
    for line in out.splitlines():
        name, sep, state = line.strip().partition(": ")
        if sep and "__mutmut_" in name:
            status[name] = state.strip()
    return status


def module_of(mutant: str) -> str:
    """`jumpgate.generate.expand.x_role_name__mutmut_3` -> `jumpgate.generate.expand`."""
    parts = mutant.split(".")
    for i in range(len(parts) - 1, 0, -1):
        if parts[i].startswith(("x_", "xǁ")):
            return ".".join(parts[:i])
    return mutant.rsplit(".", 1)[0]


def summary(status: dict[str, str]) -> str:
    total: Counter[str] = Counter()
    killed: Counter[str] = Counter()
    for name, state in status.items():
        module = module_of(name)
        if state in ("not checked", "skipped"):
            continue
        total[module] += 1
        killed[module] += state in KILLED
    lines = ["| module | killed | mutants | % |", "| --- | ---: | ---: | ---: |"]
    for module in sorted(total):
        share = 100 * killed[module] / total[module]
        lines.append(f"| {module} | {killed[module]} | {total[module]} | {share:.1f} |")
    all_total, all_killed = sum(total.values()), sum(killed.values())
    if all_total:
        share = 100 * all_killed / all_total
        lines.append(f"| **all** | {all_killed} | {all_total} | {share:.1f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help="mutant name globs, e.g. 'jumpgate.gate.*'")
    parser.add_argument("--report", action="store_true", help="print the last run's figures")
    parser.add_argument("--survivors", action="store_true", help="list surviving mutants")
    parser.add_argument("--children", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--tests", nargs="+", help="test folders instead of [tool.mutmut]'s")
    args = parser.parse_args(argv)
    if not args.report and not args.survivors:
        prepare()
        if args.tests:
            select_tests(args.tests)
        env = dict(os.environ)
        env["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="jumpgate-mutation-cache-")
        env.pop("PYTHONPATH", None)
        command = [sys.executable, "-m", "mutmut", "run", "--max-children", str(args.children)]
        subprocess.run([*command, *args.modules], cwd=WORK, env=env, check=False)
    status = results()
    if args.survivors:
        for name, state in sorted(status.items()):
            if state not in KILLED and state not in ("not checked", "skipped"):
                print(f"{name}: {state}")
        return 0
    table = summary(status)
    (WORK / "summary.md").write_text(table, encoding="utf-8")
    (WORK / "status.json").write_text(json.dumps(status, indent=1, sort_keys=True))
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
