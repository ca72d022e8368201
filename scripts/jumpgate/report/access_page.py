"""The access page: one self-contained HTML file showing who reaches which account, at what level.

`render_access_page(data)` takes the access-page contract (organization, generated, environments
in deploy order, accounts, people, levels in org order, paths; see the README of this package's
caller) and returns one HTML string. The page makes no request at all: CSS and JS are inlined
from ``assets/`` (package data), and a Content-Security-Policy allows nothing else, not even
inline event handlers. It works from a ``file://`` URL.

The data is embedded as JSON in ``<script type="application/json" id="jg-data">``, in a compact
form so that 60,000 paths stay a few megabytes and parse in milliseconds:

* ``environments``: ``[{"name", "strict"}]`` as given (deploy order);
* ``accounts``: ``[[name, id, environment, team], ...]``;
* ``people``: ``[[name, display_name, [team, ...]], ...]``;
* ``levels``: level names in org order (the first one is shown when a cell has several);
* ``strings``: a table of every role, role ARN, expiry date, reason and source;
* ``paths``: a flat list of integers, 8 per path: person, account, level (indexes into the lists
  above), then role, role ARN, expires, reason, source (indexes into ``strings``, -1 for null).

A path naming a person, account or level missing from its list adds an entry (display name =
name, no team; account id and environment from the path). Every ``<``, ``>`` and ``&`` in the
JSON is written as a ``\\u00XX`` escape, so no data can close the script element. All text is
put into the page by the JS through an escaping function or ``textContent``.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Any

__all__ = ["render_access_page"]

PATH_WIDTH = 8  # integers per path in the embedded "paths" list


class _Interner:
    """Strings to small integers, in first-seen order (-1 for None)."""

    def __init__(self) -> None:
        self.table: list[str] = []
        self._index: dict[str, int] = {}

    def __call__(self, value: object) -> int:
        if value is None or value == "":
            return -1
        text = str(value)
        found = self._index.get(text)
        if found is None:
            found = self._index[text] = len(self.table)
            self.table.append(text)
        return found


def _text(value: object, default: str = "") -> str:
    return default if value is None else str(value)


def _records(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    items = data.get(key) or []
    if not isinstance(items, list | tuple):
        raise ValueError(f"access page: '{key}' must be a list, not {type(items).__name__}")
    out: list[Mapping[str, Any]] = []
    for number, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise ValueError(f"access page: {key}[{number}] must be an object")
        out.append(item)
    return out


def _compact(data: Mapping[str, Any]) -> dict[str, Any]:
    """The embedded form of `data` (see the module docstring)."""
    environments = [
        {"name": _text(env.get("name")), "strict": bool(env.get("strict"))}
        for env in _records(data, "environments")
    ]
    accounts: list[list[str]] = []
    account_index: dict[str, int] = {}
    for account in _records(data, "accounts"):
        name = _text(account.get("name"))
        if name in account_index:
            continue
        account_index[name] = len(accounts)
        accounts.append(
            [
                name,
                _text(account.get("id")),
                _text(account.get("environment")),
                _text(account.get("team")),
            ]
        )
    people: list[list[Any]] = []
    person_index: dict[str, int] = {}
    for person in _records(data, "people"):
        name = _text(person.get("name"))
        if name in person_index:
            continue
        person_index[name] = len(people)
        teams = person.get("teams") or []
        people.append(
            [name, _text(person.get("display_name"), name), [_text(team) for team in teams]]
        )
    levels: list[str] = [_text(level) for level in _iterable(data.get("levels"))]
    level_index = {level: number for number, level in enumerate(levels)}

    strings = _Interner()
    paths: list[int] = []
    for path in _records(data, "paths"):
        who = _text(path.get("person"))
        if who not in person_index:
            person_index[who] = len(people)
            people.append([who, who, []])
        where = _text(path.get("account"))
        if where not in account_index:
            account_index[where] = len(accounts)
            accounts.append(
                [where, _text(path.get("account_id")), _text(path.get("environment")), ""]
            )
        level = _text(path.get("level"))
        if level not in level_index:
            level_index[level] = len(levels)
            levels.append(level)
        paths += (
            person_index[who],
            account_index[where],
            level_index[level],
            strings(path.get("role")),
            strings(path.get("role_arn")),
            strings(path.get("expires")),
            strings(path.get("reason")),
            strings(path.get("source")),
        )
    return {
        "organization": _text(data.get("organization")),
        "generated": _text(data.get("generated")),
        "environments": environments,
        "accounts": accounts,
        "people": people,
        "levels": levels,
        "strings": strings.table,
        "paths": paths,
    }


def _iterable(value: object) -> Iterable[object]:
    if value is None:
        return ()
    if isinstance(value, list | tuple):
        return value
    raise ValueError(f"access page: 'levels' must be a list, not {type(value).__name__}")


def _script_json(payload: Mapping[str, Any]) -> str:
    """JSON that is inert inside a <script> element: no '<', '>' or '&' appears literally."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _asset(name: str) -> str:
    text = (
        resources.files(__package__ or "jumpgate.report")
        .joinpath("assets", name)
        .read_text(encoding="utf-8")
    )
    lowered = text.lower()
    if "</script" in lowered or "<!--" in lowered:
        raise RuntimeError(f"access page: asset {name} must not contain '</script' or '<!--'")
    return text


def _sha256(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def render_access_page(data: Mapping[str, Any]) -> str:
    """One self-contained HTML page (inline CSS, JS and data) showing the access in `data`."""
    payload = _compact(data)
    css = _asset("access_page.css")
    js = _asset("access_page.js")
    policy = (
        "default-src 'none'; base-uri 'none'; form-action 'none'; img-src data:; "
        f"style-src 'unsafe-inline'; script-src 'sha256-{_sha256(js)}'"
    )
    title = f"Access: {payload['organization'] or 'organization'} ({payload['generated']})"
    return "".join(
        (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
            f'<meta http-equiv="Content-Security-Policy" content="{html.escape(policy)}">\n',
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
            '<meta name="generator" content="jumpgate access page">\n',
            f"<title>{html.escape(title)}</title>\n<style>\n{css}</style>\n</head>\n<body>\n",
            f'<header class="top"><h1>{html.escape(title)}</h1>',
            '<p id="jg-summary" class="muted"></p></header>\n',
            "<noscript><p>This page needs JavaScript to show the access matrix.</p></noscript>\n",
            '<main id="jg-main"></main>\n',
            f'<script type="application/json" id="jg-data">{_script_json(payload)}</script>\n',
            f"<script>{js}</script>\n</body>\n</html>\n",
        )
    )
