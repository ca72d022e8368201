"""`jumpgate deploy --stage S --repair` (and `plan --stage S --repair`): after the stage's stacks
converge, write back what was changed by hand on the stage's own resources, then verify again.

One line per repair, `repair <account> <stack> <resource>: <what>`, on stdout (the plan);
`plan` lists them and changes nothing. Exit 0 only when the stage has no drift left.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable

from botocore.exceptions import BotoCoreError, ClientError

from jumpgate.core.findings import Finding, Severity
from jumpgate.deploy.engine import Engine
from jumpgate.deploy.repair import RepairOutcome, apply
from jumpgate.deploy.stack import Desired
from jumpgate.validate.flow import validate
from jumpgate.verify.repairs import (
    NOT_JUMPGATES,
    StageState,
    plan_repairs,
    read_stage,
    stage_findings,
)

HELP = (
    "after converging, write back the declared value of every resource of the stage changed "
    "outside jumpgate (CloudFormation skips an unchanged stack, so it never repairs drift); "
    "then verify the stage again: exit 0 only when no drift is left. With plan: list the "
    "repairs, change nothing"
)


def _text(finding: Finding) -> str:
    return f"{finding.path}: {finding.rule_id} {finding.message}"


def repair_stage(
    engine: Engine, stage: str, *, plan: bool, fmt: str, today: dt.date
) -> RepairOutcome:
    """`today`: the day access keys' ages are judged on (W920), as verify's --today. An AWS
    error while reading is the stage's error (exit 1, printed), never a traceback."""
    try:
        return _repair_stage(engine, stage, plan=plan, fmt=fmt, today=today)
    except (ClientError, BotoCoreError) as err:
        outcome = RepairOutcome(stage, error=f"--repair: {err}")
        print(f"jumpgate: stage {stage}: {outcome.error}", file=sys.stderr)
        return outcome


def _repair_stage(
    engine: Engine, stage: str, *, plan: bool, fmt: str, today: dt.date
) -> RepairOutcome:
    started = dt.datetime.now(dt.UTC)

    def say(line: str) -> None:
        if fmt != "json":
            print(line, flush=True)

    outcome = RepairOutcome(stage)
    checked = validate(engine.root)
    if not checked.ok:  # the gate passed before the deploy; a changed tree since is an error
        outcome.error = "the team files no longer validate"
        return outcome
    org, exp = checked.org, checked.expansion
    stacks = [s for s in engine.stacks if s.stage == stage]
    workers = engine.options.workers
    state = read_stage(org, exp, engine.target, stacks, workers)
    unreadable = sorted(a for a, seen in state.observed.items() if seen.error)
    if unreadable:
        outcome.error = f"cannot read {', '.join(unreadable)}: nothing repaired"
        say(f"jumpgate: --repair: {outcome.error}")
        return outcome
    outcome.repairs = plan_repairs(org, exp, stacks, state)
    for repair in outcome.repairs:
        say(repair.line())
    if not outcome.repairs:
        say(f"nothing to repair in stage {stage}")
    if plan:
        outcome.planned = True
        _judge(outcome, engine, stacks, state, started, today, plan=True)
        say(f"{len(outcome.repairs)} repair(s) planned in stage {stage}; nothing changed (plan)")
        _report(outcome, say)
        return outcome
    if outcome.repairs:
        apply(engine.target, outcome.repairs, workers=workers, scale=engine.scale)
        for repair in outcome.repairs:
            if repair.status == "failed":
                say(f"failed: {repair.line()}: {repair.error}")
        state = read_stage(org, exp, engine.target, stacks, workers)
        done = sum(r.status == "repaired" for r in outcome.repairs)
        say(f"repaired {done} of {len(outcome.repairs)} in stage {stage}")
    _judge(outcome, engine, stacks, state, started, today, plan=False)
    _report(outcome, say)
    return outcome


def _judge(
    outcome: RepairOutcome,
    engine: Engine,
    stacks: list[Desired],
    state: StageState,
    started: dt.datetime,
    today: dt.date,
    *,
    plan: bool,
) -> None:
    """Verify the stage again (after repairing; when planning, what is reported only)."""
    checked = validate(engine.root)
    org, exp = checked.org, checked.expansion
    noon = dt.datetime.combine(today, dt.time(12), tzinfo=dt.UTC)
    findings = stage_findings(org, exp, engine.target, stacks, state, noon)
    outcome.reported = [_text(f) for f in findings if f.rule_id in NOT_JUMPGATES]
    outcome.outsiders = any(
        f.rule_id in NOT_JUMPGATES and f.severity is Severity.ERROR for f in findings
    )
    if plan:
        return
    outcome.left = [r.line() for r in plan_repairs(org, exp, stacks, state)]
    outcome.left += [_text(f) for f in findings if f.rule_id not in NOT_JUMPGATES]
    outcome.seconds = (dt.datetime.now(dt.UTC) - started).total_seconds()


def _report(outcome: RepairOutcome, say: Callable[[str], None]) -> None:
    for line in outcome.reported:
        say(f"reported, not changed (not jumpgate's): {line}")
    for line in outcome.left:
        say(f"drift left: {line}")
    if outcome.planned:
        return
    if outcome.ok:
        say(f"verified again: no drift left in stage {outcome.stage}")
    elif not outcome.error:
        print(
            f"jumpgate: stage {outcome.stage}: drift left after --repair (see above)",
            file=sys.stderr,
        )
