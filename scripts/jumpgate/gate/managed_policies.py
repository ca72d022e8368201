"""Which AWS managed policies exist, offline: a dated snapshot of their ARNs.

The list is never typed by hand: `tools/refresh-managed-policies` regenerates
data/aws-managed-policies.json from moto's `moto/iam/aws_managed_policies.py` (moto's
maintainers regenerate that file from IAM `ListPolicies --scope AWS`). AWS adds managed policies
every week, so a name missing from the snapshot may be new: findings say how old the list is
(`describe`), and IAM Access Analyzer in CI has the final word.

Pure and self-contained (nothing from jumpgate). The file is read on first use only and cached
(about 1.5 ms: tests/gate/test_managed_policies.py bounds it at 5 ms), so a commit that touches no
managed policy pays nothing.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data" / "aws-managed-policies.json"

# AWS managed policies live in account "aws"; partitions as IAM names them.
_MANAGED = re.compile(r"arn:(aws|aws-cn|aws-us-gov):iam::aws:policy(/.*)?", re.DOTALL)
_CUSTOMER = re.compile(r"arn:aws(?:-cn|-us-gov)?:iam::(\d{12}):policy/.+", re.DOTALL)
# IAM names and path segments: letters, digits and +=,.@_- (a name at most 128 characters)
_SEGMENT = re.compile(r"[\w+=,.@-]+", re.ASCII)


@dataclass(frozen=True)
class Snapshot:
    source: str
    version: str  # source_version_or_commit
    retrieved: str  # YYYY-MM-DD: the day the list was taken from the source
    as_of: str  # YYYY-MM-DD: newest policy change the source records (<= retrieved)
    names: frozenset[str]  # path and name after "policy/", e.g. "job-function/ViewOnlyAccess"


@cache
def snapshot(path: Path = DATA) -> Snapshot:
    raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    prefix = "arn:aws:iam::aws:policy/"
    names = frozenset(arn[len(prefix) :] for arn in raw["policies"] if arn.startswith(prefix))
    retrieved = str(raw["retrieved"])
    return Snapshot(
        str(raw["source"]),
        str(raw["source_version_or_commit"]),
        retrieved,
        str(raw.get("data_as_of") or retrieved),
        names,
    )


def _rest(arn: Any) -> str | None:
    """What follows `policy/` in an AWS managed policy ARN ('' if nothing); None otherwise."""
    if not isinstance(arn, str):
        return None
    m = _MANAGED.fullmatch(arn)
    return None if m is None else (m[2] or "")[1:]


def well_formed(rest: str) -> bool:
    """A path and name IAM accepts: no `..`, no empty segment, only IAM's characters."""
    parts = rest.split("/")
    return len(parts[-1]) <= 128 and all(
        _SEGMENT.fullmatch(p) is not None and p not in (".", "..") for p in parts
    )


def known_managed_policy(arn: str) -> bool | None:
    """True when the snapshot lists this AWS managed policy; False for a malformed or unlisted
    one; None when `arn` is not an AWS managed policy ARN (`arn:aws:iam::aws:policy/…`)."""
    rest = _rest(arn)
    if rest is None:
        return None
    return well_formed(rest) and rest in snapshot().names


@cache
def _lower_index() -> dict[str, str]:
    """lower-case path+name and lower-case name alone -> listed path+name (first wins)."""
    index: dict[str, str] = {}
    for name in sorted(snapshot().names):
        index.setdefault(name.lower(), name)
    for name in sorted(snapshot().names, key=lambda n: (n.count("/"), n)):
        index.setdefault(name.rsplit("/", 1)[-1].lower(), name)
    return index


def suggest(arn: str) -> str | None:
    """The listed ARN closest to an unknown AWS managed policy ARN (same partition), or None:
    a slip of case or path first (`ViewOnlyAccess` -> `job-function/ViewOnlyAccess`), then
    difflib on the path and name, then on the name alone."""
    rest = _rest(arn)
    if rest is None or not rest:
        return None
    names = snapshot().names
    lower = _lower_index()
    leaf = rest.rsplit("/", 1)[-1]
    best = lower.get(rest.lower()) or lower.get(leaf.lower())
    if best is None:
        close = difflib.get_close_matches(rest, names, n=1, cutoff=0.8)
        best = close[0] if close else None
    if best is None:
        leaves = {n.rsplit("/", 1)[-1]: n for n in sorted(names, key=len, reverse=True)}
        close = difflib.get_close_matches(leaf, leaves, n=1, cutoff=0.8)
        best = leaves[close[0]] if close else None
    if best is None or best == rest:
        return None
    return f"{arn[: len(arn) - len(rest)]}{best}"


def customer_policy_account(arn: str) -> str | None:
    """The account id of a customer managed policy ARN (`arn:aws:iam::<12 digits>:policy/…`),
    so that a rule can refuse another account's policy; None for anything else."""
    if not isinstance(arn, str):
        return None
    m = _CUSTOMER.fullmatch(arn)
    return m[1] if m else None


def snapshot_date() -> str:
    """The date the list is current to (YYYY-MM-DD): the newest policy change its source
    records. Conservative: the source was generated on that day or later."""
    return snapshot().as_of


def snapshot_age_days(today: dt.date) -> int:
    return (today - dt.date.fromisoformat(snapshot_date())).days


def describe(today: dt.date) -> str:
    """For a finding: what the list is, where from, how old."""
    snap = snapshot()
    return (
        f"list of {len(snap.names):,} AWS managed policies from {snap.version}, "
        f"{snapshot_age_days(today)} days old; Access Analyzer in CI is the final word"
    )
