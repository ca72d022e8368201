"""What plan/deploy/pipeline print: live progress (rich), the change sets, a summary table,
or one JSON document; and the command-line options they share.

A plan is the output, so it goes to stdout in a stable order (per stage: account, the deploy
order of stack kinds, name), whatever order the threads finish in; progress goes to stderr.
Off a terminal, lines never wrap (a pipe or a CI log would cut ARNs mid-token).
"""

from __future__ import annotations

import json
import sys
import threading
from collections import Counter
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from jumpgate.deploy.engine import StageResult
from jumpgate.deploy.stack import Change, Desired, StackResult

STYLE = {
    "created": "green",
    "updated": "yellow",
    "deleted": "magenta",
    "failed": "bold red",
    "blocked": "bold red",
    "skipped": "dim",
    "interrupted": "bold yellow",
    "unchanged": "dim",
    "no-op": "dim",
}


# The order a stage deploys stack kinds in (depends_on: baseline, groups, then people), by the
# stack name's kind word; removals come last.
KIND_ORDER = ("baseline", "group", "user", "people", "role")


def console(*, stderr: bool = False) -> Console:
    """A console that never wraps a line mid-token; off a terminal, tables get 160 columns."""
    if stderr or Console().is_terminal:
        return Console(stderr=stderr, soft_wrap=True)
    return Console(soft_wrap=True, width=160)


def plan_order(r: StackResult) -> tuple[bool, str, int, str]:
    kind = r.stack.split("-")[1] if r.stack.count("-") >= 1 else ""
    rank = KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)
    return (r.action == "would-delete", r.account, rank, r.stack)


class Reporter:
    """Listener for the engine: a progress bar per stage and one line per stack that moved."""

    def __init__(self, fmt: str, show_unchanged: bool = False) -> None:
        self.quiet = fmt == "json"
        self.console = console(stderr=True)
        self.out = console()
        self.show_unchanged = show_unchanged
        self._planned: list[StackResult] = []
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
            disable=self.quiet,
        )
        self._task: Any = None
        self._lock = threading.Lock()

    def __call__(self, kind: str, data: Any) -> None:
        with self._lock:
            if kind == "start":
                stage, total = data
                if not self.quiet:
                    self.console.rule(f"stage [bold]{stage}[/]")
                    self.progress.start()
                self._task = self.progress.add_task(stage, total=max(total, 1))
            elif kind == "stopping":
                why, in_flight = data
                if not self.quiet:
                    self.progress.console.print(
                        f"  [bold yellow]stopping ({why}):[/] no new stack operations; waiting "
                        f"for {in_flight} in flight"
                    )
            elif kind == "changeset":
                self._change_set(*data)
            elif kind == "stack":
                self._stack(data)
                self.progress.advance(self._task)
            elif kind == "end":
                self.progress.stop()
                if self._task is not None:
                    self.progress.remove_task(self._task)
                    self._task = None
                for planned in sorted(self._planned, key=plan_order):
                    self._print_stack(self.out.print, planned)
                self._planned = []
                self._stage_line(data)

    def _change_set(self, want: Desired, kind: str, changes: list[Change]) -> None:
        if self.quiet:
            return
        print_ = self.progress.console.print
        print_(f"  [cyan]{'change set':>13}[/] {want.account} / {want.name} ({kind.lower()})")
        for change in changes:
            print_(f"                  {change.text()}")

    def _stack(self, r: StackResult) -> None:
        if self.quiet or (r.action in ("unchanged", "no-op") and not self.show_unchanged):
            return
        if r.action.startswith("would-"):  # a plan is the output: stdout, sorted at the end
            self._planned.append(r)
            return
        self._print_stack(self.progress.console.print, r)

    def _print_stack(self, print_: Any, r: StackResult) -> None:
        style = STYLE.get(r.action, "cyan")
        planned = r.action.startswith("would-")
        took = f"  ({r.seconds:.1f} s)" if r.seconds >= 0.05 and not planned else ""
        print_(f"  [{style}]{r.action:>13}[/] {r.account} / {r.stack}{took}")
        if planned:  # a plan: its change sets are the output
            for change in r.changes:
                print_(f"                  {change.text()}")
        for item in r.offboarded:
            text = (
                f"would remove {item.removesuffix(' (to remove)')}"
                if planned
                else f"removed {item}"
            )
            print_(f"                  offboarded: {text}")
        if r.reason:
            print_(f"                  [red]{r.reason}[/]")

    def _stage_line(self, s: StageResult) -> None:
        if self.quiet:
            return
        counts = Counter(r.action for r in s.results)
        text = ", ".join(f"{n} {a}" for a, n in sorted(counts.items())) or "nothing to do"
        mark = "[green]ok[/]" if s.ok else "[bold red]FAILED[/]"
        self.console.print(f"  {mark} stage {s.stage}: {text} ({s.seconds:.1f} s)")
        if s.error:
            self.console.print(f"  [bold red]{s.error}[/]")


def summary_table(stages: list[StageResult]) -> Table:
    table = Table(title="Deploy summary")
    planning = any(r.action.startswith("would-") for s in stages for r in s.results)
    columns = ["stage", "stacks", "created", "updated", "deleted", "unchanged", "failed"]
    if any(r.action in ("interrupted", "skipped") for s in stages for r in s.results):
        columns += ["not done"]
    if planning:
        columns.insert(2, "planned")
    for column in columns:
        table.add_column(column, justify="right" if column != "stage" else "left")
    for s in stages:
        c = Counter(r.action for r in s.results)
        planned = sum(n for action, n in c.items() if action.startswith("would-"))
        table.add_row(
            s.stage + ("" if s.ok else " ✗"),
            str(len(s.results)),
            *([str(planned)] if planning else []),
            str(c["created"]),
            str(c["updated"]),
            str(c["deleted"]),
            str(c["unchanged"] + c["no-op"]),
            str(c["failed"] + c["blocked"]),
            *([str(c["interrupted"] + c["skipped"])] if "not done" in columns else []),
        )
    return table


def failures(stages: list[StageResult]) -> list[str]:
    lines = []
    for s in stages:
        if s.error:
            lines.append(f"stage {s.stage}: {s.error}")
        for r in s.results:
            if r.failed:
                lines.append(f"{r.account}/{r.stack}: {r.reason}")
    return lines


def emit(
    stages: list[StageResult],
    fmt: str,
    extra: dict[str, Any],
    stopped: str = "",
) -> None:
    if fmt == "json":
        document = {
            "ok": all(s.ok for s in stages) and not stopped,
            "stopped": stopped,
            **extra,
            "stages": [
                {
                    "stage": s.stage,
                    "ok": s.ok,
                    "error": s.error,
                    "seconds": round(s.seconds, 3),
                    "stacks": [r.as_dict() for r in s.results],
                }
                for s in stages
            ],
        }
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
        return
    out = console()
    out.print(summary_table(stages))
    for line in failures(stages):
        out.print(f"[bold red]failed:[/] {line}")
    if stopped:
        out.print(f"[bold red]stopped:[/] {stopped}")
    for key, value in extra.items():
        out.print(f"{key}: {value}")
