"""Suppression: a data file may accept a policy finding right next to what causes it.

Any object of a data file that causes policies (an environment, a level, a permission set, a
grant) may carry a `suppress:` list; each entry names a rule, a mandatory reason, an optional
last day (`expires`) and an optional statement `sid`. It silences that rule's findings inside
that object only. An expired suppression (E730) no longer silences anything; one that
silences nothing (W731) must go; one that names no suppressible rule is E732.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from jumpgate.core.findings import Finding
from jumpgate.core.rules import RULES
from jumpgate.model.loader import Document, JsonPath
from jumpgate.model.organization import Organization

if TYPE_CHECKING:
    from jumpgate.gate.checks.base import Hit

KEY = "suppress"
RULE_IDS = ("E730", "W731", "E732")


@dataclass
class Suppression:
    doc: Document
    owner: JsonPath  # the object that holds the `suppress:` list
    index: int
    rule: str
    reason: str
    expires: str | None
    sid: str | None
    used: int = 0

    @property
    def path(self) -> JsonPath:
        return (*self.owner, KEY, self.index)

    def finding(self, rule_id: str, message: str, sub: str | None = None) -> Finding:
        path = (*self.path, sub) if sub else self.path
        return self.doc.finding(path, rule_id, message)


def _walk(node: Any, path: JsonPath) -> Iterator[tuple[JsonPath, list[Any]]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == KEY and isinstance(value, list):
                yield path, value
            elif key != "policy" and isinstance(value, (dict, list)):
                yield from _walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            if isinstance(value, (dict, list)):  # scalars hold no suppressions
                yield from _walk(value, (*path, index))


def collect(org: Organization) -> list[Suppression]:
    """The suppressions of the documents in the model (a file with errors is left out of it)."""
    used = {id(t.source.doc) for t in org.teams.values()}
    if org.org_source is not None:
        used.add(id(org.org_source.doc))
    out = []
    for doc in org.documents:
        if id(doc) not in used:
            continue
        for owner, entries in _walk(doc.data, ()):
            for index, entry in enumerate(entries):
                if isinstance(entry, dict) and isinstance(entry.get("rule"), str):
                    out.append(
                        Suppression(
                            doc,
                            owner,
                            index,
                            entry["rule"],
                            str(entry.get("reason", "")),
                            entry.get("expires"),
                            entry.get("sid"),
                        )
                    )
    return out


def suppressible(rule_id: str) -> bool:
    return rule_id in RULES and rule_id[1] == "7" and rule_id not in RULE_IDS


def _statement_sid(doc: Document, path: JsonPath) -> str | None:
    """The Sid of the policy statement a finding's path points into, if any."""
    for cut in range(len(path) - 1):
        if path[cut] == "Statement" and isinstance(path[cut + 1], int):
            node: Any = doc.data
            for part in path[: cut + 2]:
                try:
                    node = node[part]
                except (KeyError, IndexError, TypeError):
                    return None
            return node.get("Sid") if isinstance(node, dict) else None
    return None


def _expired(entry: Suppression, today: dt.date) -> bool:
    if not entry.expires:
        return False
    try:
        return dt.date.fromisoformat(entry.expires) < today
    except ValueError:
        return False  # the schema reports it


def apply(hits: list[Hit], org: Organization, today: dt.date) -> tuple[list[Finding], int]:
    """Findings left after suppression (plus the suppressions' own), and how many were silenced."""
    entries = collect(org)
    findings: list[Finding] = []
    active = [e for e in entries if suppressible(e.rule) and not _expired(e, today)]
    silenced = 0
    for hit in hits:
        path = hit.full_path
        match = None
        for entry in active:
            if (
                entry.rule == hit.rule_id
                and entry.doc is hit.source.doc
                and path[: len(entry.owner)] == entry.owner
                and (entry.sid is None or _statement_sid(entry.doc, path) == entry.sid)
            ):
                match = entry
                break
        if match is not None:
            match.used += 1
            silenced += 1
        else:
            findings.append(
                hit.source.finding(hit.rule_id, hit.message, hit.hint, sub=hit.sub, key=hit.key)
            )
    for entry in entries:
        if not suppressible(entry.rule):
            findings.append(
                entry.finding("E732", f"{entry.rule!r} is not a policy rule that can be suppressed")
            )
        elif _expired(entry, today):
            findings.append(
                entry.finding(
                    "E730",
                    f"suppression of {entry.rule} expired on {entry.expires} ({entry.reason})",
                    "expires",
                )
            )
        elif entry.used == 0:
            where = f" for statement {entry.sid!r}" if entry.sid else ""
            findings.append(
                entry.finding("W731", f"suppression of {entry.rule}{where} matches no finding")
            )
    return findings, silenced
