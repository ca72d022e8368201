"""Benchmark: the pre-commit gate, as `git commit` runs it. A script, not a test.

In a scratch git repository (the example organization, .pre-commit-config.yaml, scripts/hook
and a link to this .venv), it times `pre-commit run` on staged changes (median of N runs):

- one-team edit: a person added to teams/crm.yaml, parameter files re-rendered, templates
  untouched (budget 1.5 s; cfn-lint does not start);
- one template changed: a comment added to target-role.yaml (budget 5 s; cfn-lint lints it
  with all 27 of its parameter files, in one process);
- the naive baseline: for every stack of the manifest, cfn-lint in its own process and
  cfn-policy-validator's parse of the stack in its own process (what a shell loop does), and
  the same work in one process.

With `--size S|M|L|XL` the scratch repository holds a `jumpgate synth` organization instead
(rendered), the one-team edit adds a member of teams/t001.yaml to one of its grants (budget
2 s; XL is at the 5,000-user quota, so no person is added), and the naive
baseline is skipped. Every timed run starts from the caches (`.jumpgate-cache/`) as the base
commit left them: the edited team file and its policies are new to the caches, as in a
user's next commit.

    .venv/bin/python benchmarks/bench_precommit.py [--runs 7] [--naive-runs 1] [--size XL]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
DATA = ("org", "accounts", "teams", "cloudformation")
BUDGETS = {"one-team edit": 1.5, "one template changed": 5.0}
SIZED_BUDGETS = {"one-team edit": 2.0}  # issue 5 budgets the team edit at every size
CACHE = ".jumpgate-cache"


def run(cmd: Sequence[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, check=False, capture_output=True)
    return time.perf_counter() - start


def median_of(cmd: Sequence[str], cwd: Path, env: dict[str, str], runs: int) -> float:
    """Median of `runs`, each starting from the base commit's caches (saved by `warm_base`)."""
    saved = cwd.parent / "base-cache"

    def timed() -> float:
        shutil.rmtree(cwd / CACHE, ignore_errors=True)
        if saved.is_dir():
            shutil.copytree(saved, cwd / CACHE)
        return run(cmd, cwd, env)

    timed()  # warm-up: pre-commit's first run and the action-database cache
    return statistics.median(timed() for _ in range(runs))


def warm_base(root: Path, env: dict[str, str]) -> None:
    """The caches as a commit of the base leaves them (the hook ran on the whole org)."""
    check = [str(VENV / "bin" / "python"), "-m", "jumpgate.cli.check", "--render-check"]
    subprocess.run(check, cwd=root, env=env, check=False, capture_output=True)
    shutil.rmtree(root.parent / "base-cache", ignore_errors=True)
    if (root / CACHE).is_dir():
        shutil.copytree(root / CACHE, root.parent / "base-cache")


def synth_data(root: Path, size: str) -> None:
    jumpgate = str(VENV / "bin" / "jumpgate")
    subprocess.run(
        [jumpgate, "synth", "--size", size, "--out", str(root)], check=True, capture_output=True
    )
    for folder in ("cloudformation",):
        if not (root / folder).is_dir():
            shutil.copytree(ROOT / folder, root / folder)
    subprocess.run([jumpgate, "render"], cwd=root, check=True, capture_output=True)


def scratch_repo(base: Path, size: str | None = None) -> tuple[Path, dict[str, str]]:
    root = base / "repo"
    if size is None:
        for folder in DATA:
            shutil.copytree(ROOT / folder, root / folder)
    else:
        synth_data(root, size)
    shutil.copyfile(ROOT / ".pre-commit-config.yaml", root / ".pre-commit-config.yaml")
    (root / "scripts").mkdir()
    shutil.copy2(ROOT / "scripts" / "hook", root / "scripts" / "hook")
    (root / ".venv").symlink_to(VENV)
    (root / ".gitignore").write_text(".venv\n.jumpgate-cache/\n")
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(base / "pre-commit"),
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
    }
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "base"]):
        subprocess.run(cmd, cwd=root, env=env, check=True, capture_output=True)
    return root, env


def reset(root: Path, env: dict[str, str]) -> None:
    for cmd in (["git", "reset", "-q", "--hard"], ["git", "clean", "-qfd"]):
        subprocess.run(cmd, cwd=root, env=env, check=True, capture_output=True)


def stage_team_edit(root: Path, env: dict[str, str], sized: bool = False) -> None:
    if sized:
        # XL is at the 5,000-user quota: a member is added to a grant rather than a person
        team = root / "teams" / "t001.yaml"
        anchor = "  - ada.quist\n  level: admin\n"
        added = "  - ada.quist\n  - ada.cruz1\n  level: admin\n"
    else:
        team = root / "teams" / "crm.yaml"
        anchor = "  gwen: {name: Gwen Harris, email: gwen@learnaws.example}\n"
        added = "  hugo: {name: Hugo B, email: hugo@learnaws.example}\n"
    text = team.read_text()
    assert anchor in text, f"{team}: the edit's anchor is missing"
    team.write_text(text.replace(anchor, added if sized else anchor + added, 1))
    subprocess.run(
        [str(VENV / "bin" / "jumpgate"), "render"],
        cwd=root,
        env=env,
        check=True,
        capture_output=True,
    )
    subprocess.run(["git", "add", "-A"], cwd=root, env=env, check=True, capture_output=True)


def stage_template_edit(root: Path, env: dict[str, str]) -> None:
    template = root / "cloudformation" / "templates" / "target-role.yaml"
    template.write_text(template.read_text().replace("Resources:\n", "# benchmark\nResources:\n"))
    subprocess.run(["git", "add", "-A"], cwd=root, env=env, check=True, capture_output=True)


NAIVE_PARSE = """
import sys
from pathlib import Path
from jumpgate.gate.cfnparse import prepare_stack
template, parameters, region, account = sys.argv[1:5]
prepare_stack(Path("."), template, parameters, region=region, account_id=account).parse()
"""

NAIVE_ONE_PROCESS = """
import json
from pathlib import Path
from cfnlint.api import lint
from cfnlint.config import ManualArgs
from jumpgate.gate.cfnparse import prepare_stack
for s in json.loads(Path("cloudformation/manifest.json").read_text())["stacks"]:
    lint(Path(s["template"]).read_text(), config=ManualArgs(regions=[s["region"]]))
    prepare_stack(Path("."), s["template"], s["parameter_file"], region=s["region"],
                  account_id=s["account_id"]).parse()
"""


def naive_per_process(root: Path, env: dict[str, str]) -> tuple[float, int]:
    stacks = json.loads((root / "cloudformation" / "manifest.json").read_text())["stacks"]
    python = str(VENV / "bin" / "python")
    start = time.perf_counter()
    for s in stacks:
        subprocess.run(
            [str(VENV / "bin" / "cfn-lint"), "--regions", s["region"], s["template"]],
            cwd=root,
            env=env,
            check=False,
            capture_output=True,
        )
        subprocess.run(
            [
                python,
                "-c",
                NAIVE_PARSE,
                s["template"],
                s["parameter_file"],
                s["region"],
                s["account_id"],
            ],
            cwd=root,
            env=env,
            check=False,
            capture_output=True,
        )
    return time.perf_counter() - start, len(stacks)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--naive-runs", type=int, default=1, help="0 skips the naive baseline")
    parser.add_argument("--size", choices=("S", "M", "L", "XL"), help="a synth organization")
    args = parser.parse_args(argv)
    budgets = SIZED_BUDGETS if args.size else BUDGETS
    pre_commit = [str(VENV / "bin" / "pre-commit"), "run"]
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root, env = scratch_repo(Path(tmp), args.size)
        warm_base(root, env)
        stage_team_edit(root, env, sized=bool(args.size))
        results["one-team edit"] = median_of(pre_commit, root, env, args.runs)
        reset(root, env)
        stage_template_edit(root, env)
        results["one template changed"] = median_of(pre_commit, root, env, args.runs)
        reset(root, env)
        if args.naive_runs and not args.size:
            times = [naive_per_process(root, env) for _ in range(args.naive_runs)]
            stacks = times[0][1]
            results[f"naive: {stacks} stacks, a process each"] = statistics.median(
                t for t, _ in times
            )
            one = [str(VENV / "bin" / "python"), "-c", NAIVE_ONE_PROCESS]
            results[f"naive: {stacks} stacks, one process"] = statistics.median(
                run(one, root, env) for _ in range(args.naive_runs)
            )
    baseline = next((v for k, v in results.items() if "a process each" in k), None)
    failed = False
    print(f"{'scenario':42} {'median s':>9} {'budget':>7} {'vs naive':>9}")
    for name, value in results.items():
        budget = budgets.get(name)
        ratio = f"{baseline / value:8.1f}x" if baseline and name in budgets else ""
        mark = "" if budget is None else ("ok" if value <= budget else "OVER")
        failed = failed or mark == "OVER"
        budget_text = f"{budget:.1f}" if budget else ""
        print(f"{name:42} {value:9.2f} {budget_text:>7} {ratio:>9} {mark}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
