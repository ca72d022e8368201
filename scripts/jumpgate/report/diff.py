"""The access difference between two effective-access models, in words.

Pure: two lists of `jumpgate.report.access.AccessPath` (base, head) → `Change`s → text,
Markdown or JSON. A path is identified by (person, account, role); several grants giving the
same role merge into the longest-lived one (standing beats any expiry). What a change means:

* ``gains`` / ``loses``: a path only on one side;
* ``expiry``: the last day moved, was added or removed (removed = standing access);
* ``session`` / ``mfa``: the environment's session length or MFA age changed for the path;
* ``environment``: the account moved to another environment;
* ``person-added`` / ``person-removed``: someone has access for the first time, or no more;
* ``account-added`` / ``account-removed``: an account anyone reaches appears or disappears.

Each change is ``widens``, ``narrows`` or ``changes`` (neither); it ``widens_strict`` when it
widens access into a strict environment (prod): that is what the prod approval is for.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jumpgate.report.access import AccessPath

__all__ = ["Change", "diff", "format_json", "format_markdown", "format_text", "summary"]

WIDENS, NARROWS, CHANGES = "widens", "narrows", "changes"
Key = tuple[str, str, str]  # person, account, role


@dataclass(frozen=True)
class Change:
    person: str | None  # None for an account line
    kind: str
    account: str | None  # None for a person line
    environment: str | None
    role: str | None
    level: str | None
    before: AccessPath | None
    after: AccessPath | None
    effect: str  # widens, narrows or changes
    widens_strict: bool
    sentence: str

    def as_contract(self) -> dict[str, Any]:
        return {
            "person": self.person,
            "kind": self.kind,
            "account": self.account,
            "environment": self.environment,
            "role": self.role,
            "level": self.level,
            "before": _path_json(self.before),
            "after": _path_json(self.after),
            "effect": self.effect,
            "widens_strict": self.widens_strict,
            "sentence": self.sentence,
        }


def _path_json(path: AccessPath | None) -> dict[str, Any] | None:
    if path is None:
        return None
    return {
        **path.as_contract(),
        "strict": path.strict,
        "max_session_seconds": path.max_session_seconds,
        "mfa_max_age_seconds": path.mfa_max_age_seconds,
    }


def _lasts_longer(a: str | None, b: str | None) -> bool:
    """Whether expiry `a` lasts longer than `b` (None = standing)."""
    if a == b or b is None:
        return False
    return a is None or a > b


def _merged(paths: Iterable[AccessPath]) -> dict[Key, AccessPath]:
    out: dict[Key, AccessPath] = {}
    for path in sorted(paths, key=lambda p: (p.source, p.expires or "")):
        key = (path.person, path.account, path.role)
        seen = out.get(key)
        if seen is None or _lasts_longer(path.expires, seen.expires):
            out[key] = path
    return out


def duration(seconds: int | None) -> str:
    """3600 → "1 h", 5400 → "90 min", 45 → "45 s", None → "no limit"."""
    if seconds is None:
        return "no limit"
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def _where(path: AccessPath) -> str:
    return f"{path.level} on {path.account} ({path.environment})"


def _grant(path: AccessPath) -> str:
    until = f" until {path.expires}" if path.expires else ", standing"
    reason = f" — {path.reason}" if path.reason else ""
    return f"{_where(path)}{until}{reason} ({path.source})"


def _change(
    kind: str, before: AccessPath | None, after: AccessPath | None, effect: str, sentence: str
) -> Change:
    path = after or before
    assert path is not None
    return Change(
        person=path.person,
        kind=kind,
        account=path.account,
        environment=path.environment,
        role=path.role,
        level=path.level,
        before=before,
        after=after,
        effect=effect,
        widens_strict=effect == WIDENS and after is not None and after.strict,
        sentence=sentence,
    )


def _longer_limit(a: int | None, b: int | None) -> bool:
    """Whether limit `a` is weaker (longer) than `b` (None = no limit)."""
    if a == b or b is None:
        return False
    return a is None or a > b


def _compare(old: AccessPath, new: AccessPath) -> list[Change]:
    who, where, out = new.person, _where(new), []
    if old.environment != new.environment:
        effect = WIDENS if new.strict and not old.strict else NARROWS if old.strict else CHANGES
        text = f"{who}: {new.account} moves from {old.environment} to {new.environment}"
        out.append(_change("environment", old, new, effect, f"{text} ({new.level})"))
    if old.expires != new.expires:
        if new.expires is None:
            effect, what = WIDENS, f"expiry removed (was {old.expires}; now standing)"
        elif old.expires is None:
            effect, what = NARROWS, f"expiry added: until {new.expires} (was standing)"
        elif new.expires > old.expires:
            effect, what = WIDENS, f"expiry extended from {old.expires} to {new.expires}"
        else:
            effect, what = NARROWS, f"expiry shortened from {old.expires} to {new.expires}"
        out.append(_change("expiry", old, new, effect, f"{who}: {where} {what} ({new.source})"))
    if old.max_session_seconds != new.max_session_seconds:
        longer = new.max_session_seconds > old.max_session_seconds
        text = (
            f"{who}: session length of {where} changes from "
            f"{duration(old.max_session_seconds)} to {duration(new.max_session_seconds)}"
        )
        out.append(_change("session", old, new, WIDENS if longer else NARROWS, text))
    if old.mfa_max_age_seconds != new.mfa_max_age_seconds:
        weaker = _longer_limit(new.mfa_max_age_seconds, old.mfa_max_age_seconds)
        text = (
            f"{who}: MFA age of {where} changes from "
            f"{duration(old.mfa_max_age_seconds)} to {duration(new.mfa_max_age_seconds)}"
        )
        out.append(_change("mfa", old, new, WIDENS if weaker else NARROWS, text))
    return out


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _people(count: int) -> str:
    return "1 person" if count == 1 else f"{count} people"


def _summary_lines(base: dict[Key, AccessPath], head: dict[Key, AccessPath]) -> list[Change]:
    """People and accounts that appear or disappear as a whole."""
    out: list[Change] = []

    def group(paths: dict[Key, AccessPath], index: int) -> dict[str, list[AccessPath]]:
        found: dict[str, list[AccessPath]] = {}
        for key, path in paths.items():
            found.setdefault(key[index], []).append(path)
        return found

    for index in (0, 1):
        old, new = group(base, index), group(head, index)
        for name in sorted(new.keys() - old.keys()):
            paths = new[name]
            strict = any(p.strict for p in paths)
            if index == 0:
                accounts = _plural(len({p.account for p in paths}), "account")
                text, kind = f"{name} gets access for the first time ({accounts})", "person-added"
            else:
                people = _people(len({p.person for p in paths}))
                env = paths[0].environment
                text, kind = (
                    f"account {name} ({env}) is newly reachable by {people}",
                    "account-added",
                )
            out.append(_whole(kind, name, index, paths[0], WIDENS, strict, text))
        for name in sorted(old.keys() - new.keys()):
            paths = old[name]
            if index == 0:
                accounts = _plural(len({p.account for p in paths}), "account")
                text, kind = f"{name} no longer has any access (had {accounts})", "person-removed"
            else:
                people = _people(len({p.person for p in paths}))
                env = paths[0].environment
                text = f"account {name} ({env}) is no longer reachable (by {people} before)"
                kind = "account-removed"
            out.append(_whole(kind, name, index, paths[0], NARROWS, False, text))
    return out


def _whole(
    kind: str, name: str, index: int, path: AccessPath, effect: str, strict: bool, text: str
) -> Change:
    person = name if index == 0 else None
    account, environment = (None, None) if index == 0 else (name, path.environment)
    return Change(person, kind, account, environment, None, None, None, None, effect, strict, text)


def diff(
    base: Iterable[AccessPath], head: Iterable[AccessPath], environments: Sequence[str] = ()
) -> list[Change]:
    """Every change from `base` to `head`, sorted by person (account lines first), environment
    in deploy order (`environments`; others after, by name), account, role, kind."""
    old, new = _merged(base), _merged(head)
    changes = _summary_lines(old, new)
    for key in new.keys() - old.keys():
        path = new[key]
        changes.append(_change("gains", None, path, WIDENS, f"{path.person} gains {_grant(path)}"))
    for key in old.keys() - new.keys():
        path = old[key]
        text = f"{path.person} loses {_where(path)} ({path.source})"
        changes.append(_change("loses", path, None, NARROWS, text))
    for key in old.keys() & new.keys():
        changes.extend(_compare(old[key], new[key]))
    order = {name: number for number, name in enumerate(environments)}
    kinds = ["person-added", "person-removed", "account-added", "account-removed", "gains"]
    kinds += ["loses", "environment", "expiry", "session", "mfa"]

    def sort_key(change: Change) -> tuple[Any, ...]:
        env = change.environment or ""
        return (
            change.person or "",
            change.account is not None,
            order.get(env, len(order)),
            env,
            change.account or "",
            change.role or "",
            kinds.index(change.kind),
        )

    return sorted(changes, key=sort_key)


def summary(changes: Sequence[Change]) -> str:
    widening = sum(c.widens_strict for c in changes)
    if not changes:
        return "no access changes"
    noun = "change" if len(changes) == 1 else "changes"
    verb = "widens" if widening == 1 else "widen"
    return f"{len(changes)} {noun}, {widening} {verb} access into strict environments"


def _marker(change: Change) -> str:
    if change.widens_strict:
        return f"WIDENS {change.environment}" if change.environment else "WIDENS strict"
    return "narrows" if change.effect == NARROWS else change.effect


def format_text(changes: Sequence[Change]) -> str:
    """One sentence a line: `! ` and `[WIDENS prod]` on lines widening strict access."""
    lines = [f"{'!' if c.widens_strict else ' '} {c.sentence}  [{_marker(c)}]" for c in changes]
    return "".join(f"{line}\n" for line in [*lines, summary(changes)])


def _md(text: str) -> str:
    for char in "\\`*_[]<>|":
        text = text.replace(char, "\\" + char)
    return text


def format_markdown(changes: Sequence[Change], base: str, head: str) -> str:
    """For a pull-request comment: a heading, the summary line, one list item a change."""
    lines = [f"### Access diff: {_md(base)} → {_md(head)}", "", f"**{summary(changes)}**"]
    if changes:
        lines.append("")
        for c in changes:
            mark = f"**{_marker(c)}**" if c.widens_strict else f"_{_marker(c)}_"
            lines.append(f"- {mark}: {_md(c.sentence)}")
    return "\n".join(lines) + "\n"


def format_json(changes: Sequence[Change], base: str, head: str) -> str:
    """The contract of docs/access.md (`## jumpgate diff`)."""
    document = {
        "base": base,
        "head": head,
        "summary": summary(changes),
        "changes": [c.as_contract() for c in changes],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
