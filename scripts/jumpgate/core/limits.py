"""Every AWS limit jumpgate respects, in one table (sources: docs/facts.md; AWS raises some
over time).

Checks refer to these by name; no other module writes a limit as a literal.
"""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    name: str
    value: int
    unit: str
    adjustable: bool  # can a Service Quotas request raise it?
    ceiling: int | None = None  # the most a request can raise it to (None: not published)


_LIMITS = [
    Limit("iam_users_per_account", 5000, "users", False),
    Limit("iam_groups_per_account", 300, "groups", True, 500),
    Limit("groups_per_user", 10, "groups", False),
    Limit("managed_policies_per_group", 10, "policies", False),
    Limit("managed_policies_per_role", 10, "policies", True, 20),
    Limit("user_inline_policy_chars", 2048, "characters", False),
    Limit("group_inline_policy_chars", 5120, "characters", False),
    Limit("role_inline_policy_chars", 10240, "characters", False),
    Limit("managed_policy_chars", 6144, "characters", False),
    Limit("role_trust_policy_chars", 2048, "characters", True, 4096),
    Limit("roles_per_account", 1000, "roles", True, 5000),
    Limit("user_name_chars", 64, "characters", False),
    Limit("role_name_chars", 64, "characters", False),
    Limit("group_name_chars", 128, "characters", False),
    Limit("policy_name_chars", 128, "characters", False),
    Limit("switch_role_path_and_name_chars", 64, "characters", False),
    Limit("min_session_seconds", 3600, "seconds", False),
    Limit("max_session_seconds", 43200, "seconds", False),
    Limit("cfn_resources_per_template", 500, "resources", False),
    Limit("cfn_parameters_per_template", 200, "parameters", False),
    Limit("cfn_outputs_per_template", 200, "outputs", False),
    Limit("cfn_parameter_value_bytes", 4096, "bytes", False),
    Limit("cfn_template_body_bytes", 51200, "bytes", False),
    Limit("cfn_stacks_per_account_region", 2000, "stacks", True),
    Limit("iam_tag_value_chars", 256, "characters", False),
    Limit("stack_name_chars", 128, "characters", False),
]

LIMITS: dict[str, Limit] = {limit.name: limit for limit in _LIMITS}


def limit(name: str) -> int:
    return LIMITS[name].value


def explicit_group_policy_max_chars() -> int:
    """jumpgate's rule, derived from IAM's: a group policy lists every granted role ARN (the
    explicit form) while that takes at most half of the group inline policy limit; a larger
    grant uses the compact form (one role name, `aws:ResourceAccount` in the account ids)."""
    return limit("group_inline_policy_chars") // 2


_COMPACT_JSON = json.JSONEncoder(separators=(",", ":"))  # built once: thousands of policies


def policy_chars(document: object) -> int:
    """IAM counts policy size without whitespace (outside strings is what matters in practice)."""
    return len(_COMPACT_JSON.encode(document))
