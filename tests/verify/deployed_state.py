"""IAM as a faithful deploy of the example organization leaves it, built from the same
declarations verify compares with: the starting point of the drift tests that need no emulator
(each changes one thing and checks the exact finding)."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from helpers import REPO
from jumpgate.generate.expand import everyone_group
from jumpgate.generate.expansion import Expansion
from jumpgate.generate.policies import group_policy, principal_tags, trust_policy
from jumpgate.model.organization import Organization
from jumpgate.validate.flow import validate
from jumpgate.verify.drift import GROUP_POLICY_NAME, Observed

TODAY = dt.date(2026, 11, 28)


def example() -> tuple[Organization, Expansion]:
    result = validate(REPO, TODAY)
    return result.org, result.expansion


def force_mfa_arn(org: Organization, exp: Expansion) -> str:
    assert exp.identity is not None
    return f"arn:aws:iam::{exp.identity.id}:policy{org.path}{org.prefix}-force-mfa"


def as_deployed(org: Organization, exp: Expansion) -> dict[str, Observed]:
    """Account name -> what read_identity / read_target would read after a clean deploy (copies:
    a test may change them)."""
    assert exp.identity is not None
    identity = Observed()
    everyone = everyone_group(org)
    for name, user in exp.users.items():
        tags = {
            **principal_tags(user),
            "jumpgate:name": user.name,
            "jumpgate:email": user.email,
            "jumpgate:teams": " ".join(sorted(user.teams)),
        }
        groups = sorted({everyone, *user.groups})
        identity.users[name] = {"path": org.path, "groups": groups, "tags": tags}
    identity.groups[everyone] = {"inline": {}, "managed": [force_mfa_arn(org, exp)]}
    for name, group in exp.groups.items():
        inline: dict[str, Any] = {GROUP_POLICY_NAME: group_policy(group, org.path)}
        identity.groups[name] = {"inline": inline, "managed": []}
    observed = {exp.identity.name: identity}
    for name in org.accounts:
        observed.setdefault(name, Observed())
    for (account_name, name), role in exp.roles.items():
        observed[account_name].roles[name] = {
            "path": org.path,
            "trust": trust_policy(role, exp.identity.id, org.path),
            "max_session": role.max_session_seconds,
            "boundary": role.permissions_boundary or "",
            "managed": sorted(role.level.managed_policies),
            "inline": {f"{name}-custom": copy.deepcopy(role.level.policy)}
            if role.level.policy
            else {},
        }
    return observed
