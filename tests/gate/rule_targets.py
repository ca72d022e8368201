"""Targets for calling the per-policy rules directly (`check_policy(target, ctx)`, the API
`gate/run.py` uses) on small hand-written documents, with the example organization as context
(tests/gate/test_rule_units*.py)."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any

from corpus.runner import TODAY
from jumpgate.gate.checks.base import CUSTOM, Context, Target
from jumpgate.model.organization import Level
from jumpgate.validate.flow import Result, validate

ROOT = Path(__file__).resolve().parents[2]
DAY = dt.date.fromisoformat(TODAY)
IDENTITY = "100000000001"
CRM_PROD = "107000000007"  # an account of accounts/

Found = tuple[str, tuple[str | int, ...], str, str | None, bool]


@cache
def example() -> Result:
    return validate(ROOT, DAY)


def context() -> Context:
    result = example()
    return Context(result.org, result.expansion, DAY, IDENTITY)


def allow(actions: Any, resources: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resources, **extra}


def deny(actions: Any, resources: Any = "*") -> dict[str, Any]:
    return {"Effect": "Deny", "Action": actions, "Resource": resources}


def target(kind: str, *statements: dict[str, Any], strict: bool = True) -> Target:
    """A document of a level (custom: findings at its `policy:`) or a generated one."""
    document = {"Version": "2012-10-17", "Statement": list(statements)}
    source = example().org.levels["readonly"].source
    base = ("policy",) if kind == CUSTOM else None
    return Target(kind, "crm/exports", document, source, base, strict, ("prod",))


def found(rule: Any, tgt: Target) -> list[Found]:
    return [(h.rule_id, h.sub, h.message, h.hint, h.key) for h in rule.check_policy(tgt, context())]


def at(statement: int, field: str, index: int | None = None) -> tuple[str | int, ...]:
    path: tuple[str | int, ...] = ("policy", "Statement", statement, field)
    return path if index is None else (*path, index)


def level(policy: list[dict[str, Any]] | None = None, managed: tuple[str, ...] = ()) -> Level:
    """A level with these statements (as its custom policy) and managed policy ARNs."""
    document = None if policy is None else {"Version": "2012-10-17", "Statement": policy}
    return Level("l", None, "", managed, document, None, False, (), None, None)  # type: ignore[arg-type]
