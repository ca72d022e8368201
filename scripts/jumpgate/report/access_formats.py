"""The effective-access model as text, Markdown, JSON (the documented contract) and the data the
access page reads."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from jumpgate.model.organization import Organization
from jumpgate.report.access import AccessPath

CONTRACT_VERSION = 1


def _session(seconds: int) -> str:
    return f"{seconds // 3600} h" if seconds % 3600 == 0 else f"{seconds // 60} min"


def as_text(paths: Sequence[AccessPath]) -> str:
    """One line per path, grouped by person; environments in deploy order."""
    if not paths:
        return "no access paths match\n"
    rows = [
        (
            p.person,
            f"{p.account} ({p.environment})",
            p.level,
            f"until {p.expires}" if p.expires else "standing",
            f"{_session(p.max_session_seconds)} sessions",
            p.source + (f"  {p.reason}" if p.reason else ""),
        )
        for p in paths
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = []
    previous = ""
    for row in rows:
        person = row[0] if row[0] != previous else ""
        previous = row[0]
        cells = [
            person.ljust(widths[0]),
            *(c.ljust(w) for c, w in zip(row[1:5], widths[1:], strict=True)),
        ]
        lines.append("  ".join([*cells, row[5]]).rstrip())
    people = len({p.person for p in paths})
    accounts = len({p.account for p in paths})
    lines.append(f"{len(paths)} paths: {people} people into {accounts} accounts")
    return "\n".join(lines) + "\n"


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def as_markdown(paths: Sequence[AccessPath]) -> str:
    lines = [
        "| person | account | environment | level | expires | reason | source |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for p in paths:
        strict = " **(strict)**" if p.strict else ""
        lines.append(
            f"| {_cell(p.person)} | {_cell(p.account)} | {_cell(p.environment)}{strict} | "
            f"{_cell(p.level)} | {p.expires or 'standing'} | {_cell(p.reason)} | `{p.source}` |"
        )
    lines.append("")
    lines.append(f"{len(paths)} paths, {len({p.person for p in paths})} people.")
    return "\n".join(lines) + "\n"


def as_json(paths: Sequence[AccessPath]) -> str:
    document = {"version": CONTRACT_VERSION, "paths": [p.as_contract() for p in paths]}
    return json.dumps(document, indent=2) + "\n"


def page_data(org: Organization, paths: Sequence[AccessPath], generated: str) -> dict[str, Any]:
    """The input of `access_page.render_access_page`."""
    people: dict[str, dict[str, Any]] = {}
    for team in org.teams.values():
        for person in team.people.values():
            entry = people.setdefault(
                person.username,
                {"name": person.username, "display_name": person.name, "teams": []},
            )
            entry["teams"].append(team.name)
    levels = list(org.levels)
    for team in org.teams.values():
        levels += [f"{team.name}/{name}" for name in team.permission_sets]
    return {
        "organization": org.name,
        "generated": generated,
        "environments": [
            {"name": name, "strict": env.strict} for name, env in org.environments.items()
        ],
        "accounts": [
            {"name": a.name, "id": a.id, "environment": a.environment, "team": a.team or ""}
            for a in org.accounts.values()
            if not a.is_identity
        ],
        "people": sorted(people.values(), key=lambda p: str(p["name"])),
        "levels": levels,
        "paths": [p.as_contract() for p in paths],
    }
