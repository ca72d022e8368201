"""Which policy documents already passed every per-policy rule, keyed by content hash.

The key of a target is the sha256 of what the rules' `check_policy` read: the document, its
kind, strictness and place, plus a salt of the run (the rules' code, `limits.py`, the action
database's sources, the organization's account ids and identity account). Only passes are
remembered, in `.jumpgate-cache/` next to the schema cache, never timestamps: a stale or
corrupt cache can cost time but never hide a finding.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import orjson

from jumpgate.core.cachefile import CACHE_DIR, read_passes, write_passes
from jumpgate.gate.checks.base import Context, Target

FILE_NAME = "policy-pass.json"


@cache
def _code_salt() -> str:
    digest = hashlib.sha256()
    rules = Path(__file__).parent
    for path in [*sorted(rules.glob("*.py")), rules.parent / "run.py"]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    digest.update((rules.parents[1] / "core" / "limits.py").read_bytes())
    for dist in ("policy_sentry", "cfn-lint"):
        try:
            digest.update(f"{dist}={version(dist)}".encode())
        except PackageNotFoundError:
            digest.update(dist.encode())
    return digest.hexdigest()


def _run_salt(ctx: Context) -> str:
    accounts = sorted(a.id for a in ctx.org.accounts.values())
    return hashlib.sha256(
        json.dumps([_code_salt(), ctx.identity_id, accounts]).encode()
    ).hexdigest()


class PolicyPassCache:
    def __init__(self, root: Path, ctx: Context) -> None:
        self.path = root / CACHE_DIR / FILE_NAME
        self.salt = _run_salt(ctx)
        self.known: set[str] = read_passes(self.path, self.salt)
        self.passed: set[str] = set()

    def key(self, target: Target) -> str:
        holder = target.holder
        facts = None if holder is None else holder.facts()  # what the judgment reads besides
        parts = [target.kind, target.strict, target.base, target.document, facts]
        try:  # orjson: a third of json.dumps's time over thousands of documents
            text = orjson.dumps(parts, option=orjson.OPT_SORT_KEYS)
        except TypeError:
            text = json.dumps(parts, sort_keys=True, separators=(",", ":")).encode()
        return hashlib.sha256(self.salt.encode() + b"\n" + text).hexdigest()[:32]

    def known_pass(self, key: str) -> bool:
        if key in self.known or key in self.passed:
            self.passed.add(key)
            return True
        return False

    def add(self, key: str) -> None:
        self.passed.add(key)

    def save(self) -> None:
        """Keep this run's passes only, so the cache never grows without bound."""
        if self.passed == self.known:
            return
        write_passes(self.path, self.salt, self.passed)
