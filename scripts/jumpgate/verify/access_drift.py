"""Drift as differences of the effective-access model: what git declares against what the IAM
read back from the target lets people do, evaluated the same way (`report.access`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from jumpgate.core.findings import Finding
from jumpgate.core.iam_eval import Unsupported
from jumpgate.core.rules import hint_of
from jumpgate.generate.expansion import Expansion
from jumpgate.model.organization import Organization
from jumpgate.report.access import AccessPath, deployed_access

if TYPE_CHECKING:
    from jumpgate.verify.drift import Observed

Key = tuple[str, str, str]


def _until(path: AccessPath) -> str:
    return f" until {path.expires}" if path.expires else " (standing)"


def _what(path: AccessPath) -> str:
    return f"{path.person} reaches {path.account} {path.level}"


def observed_access(
    org: Organization, exp: Expansion, observed: Mapping[str, Observed], today: dt.date
) -> list[AccessPath]:
    """The model over the read-back state (accounts that could not be read are left out)."""
    identity = observed.get(exp.identity.name if exp.identity else "")
    if identity is None or identity.error:
        return []
    memberships = {user: state["groups"] for user, state in identity.users.items()}
    policies = {name: list(group["inline"].values()) for name, group in identity.groups.items()}
    roles = {
        account: {name: role["trust"] for name, role in seen.roles.items()}
        for account, seen in observed.items()
        if not seen.error and account != identity_name(exp)
    }
    tags = {user: state.get("tags", {}) for user, state in identity.users.items()}
    return deployed_access(org, exp, memberships, policies, roles, tags, today)


def identity_name(exp: Expansion) -> str:
    return exp.identity.name if exp.identity else ""


def access_drift(
    declared: Sequence[AccessPath], deployed: Sequence[AccessPath], unreadable: set[str]
) -> list[Finding]:
    """E917 for every path one side has and the other has not, or with another expiry.
    Accounts that could not be read (E914) are not compared."""
    want = {(p.person, p.account, p.role): p for p in declared if p.account not in unreadable}
    have = {(p.person, p.account, p.role): p for p in deployed if p.account not in unreadable}
    out = []
    for key in sorted(set(want) | set(have)):
        git, aws = want.get(key), have.get(key)
        where = f"iam://{key[1]}/role/{key[2]}"
        if git is None and aws is not None:
            message = (
                f"git does not let {aws.person} reach {aws.account} {aws.level}; AWS does"
                f"{_until(aws)}, through {aws.source}"
            )
        elif aws is None and git is not None:
            message = f"git says {_what(git)}{_until(git)} ({git.source}); AWS does not"
        elif git is not None and aws is not None and git.expires != aws.expires:
            message = f"git says {_what(git)}{_until(git)}; AWS lets it{_until(aws)}"
        else:
            continue
        out.append(Finding(where, 0, 0, "E917", message, hint_of("E917")))
    return out


def evaluate_or_finding(
    org: Organization, exp: Expansion, observed: Mapping[str, Observed], today: dt.date
) -> tuple[list[AccessPath], list[Finding]]:
    try:
        return observed_access(org, exp, observed, today), []
    except Unsupported as err:  # a drifted policy uses what the evaluator refuses to guess
        where = f"iam://{identity_name(exp)}"
        message = f"deployed policies cannot be evaluated: {err}"
        return [], [Finding(where, 0, 0, "E918", message, hint_of("E918"))]
