"""E726: a policy IAM would refuse or misread (policy_grammar.py: an operator typo such as
`StringEqual`, a condition value of the wrong shape, an Allow statement without `Resource`,
duplicate `Sid`s, unknown keys). Reported at the offending key or value of a level's `policy:`;
a generated group or trust policy with a grammar problem is a builder bug, reported at the
grant or level that causes it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from jumpgate.gate.checks.base import TRUST, Context, Hit, Target
from jumpgate.gate.policy_grammar import grammar_problems

RULE_IDS = ("E726",)
# Problems about a key (the key is wrong, not its value): point at the key.
KEY_CODES = frozenset(
    ("unknown-key", "unknown-operator", "bad-condition-key", "prohibited-key", "conflicting-keys")
)


def check_policy(target: Target, ctx: Context) -> Iterator[Hit]:
    kind: Literal["identity", "trust"] = "trust" if target.kind == TRUST else "identity"
    for problem in grammar_problems(target.document, kind):
        hit = target.hit("E726", f"{problem.message} [{problem.code}]", *problem.path)
        yield Hit(
            hit.rule_id,
            hit.source,
            hit.sub,
            hit.message,
            problem.hint,
            hit.key or problem.code in KEY_CODES,
        )
