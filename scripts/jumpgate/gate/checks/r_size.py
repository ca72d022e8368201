"""W724: a policy within 10 % of its size limit (over the limit is E501/E502 of validate)."""

from __future__ import annotations

import json
from collections.abc import Iterator

from jumpgate.core.limits import limit, policy_chars
from jumpgate.gate.checks.base import CUSTOM, GROUP, Context, Hit, Target

RULE_IDS = ("W724",)
MARGIN = 0.9


def check_policy(target: Target, ctx: Context) -> Iterator[Hit]:
    if target.kind == CUSTOM:
        # the document travels as a CloudFormation parameter, the tighter of its two limits
        name = "cfn_parameter_value_bytes"
        size = len(json.dumps(target.document, separators=(",", ":")).encode())
    else:
        name = "group_inline_policy_chars" if target.kind == GROUP else "role_trust_policy_chars"
        size = policy_chars(target.document)
    cap = limit(name)
    if MARGIN * cap < size <= cap:
        yield Hit(
            "W724",
            target.source,
            target.at(),
            f"{target.kind} {target.name} is {size:,} of {cap:,} allowed ({name})",
            "split the policy before it reaches the limit",
        )
