"""The compiled schema shortcut (fastjsonschema) may only ever say "passes" when jsonschema,
which reports every schema finding, agrees: over the bad-input corpus, over mutations of every
example file, and through `validate` on an organization big enough to take the shortcut."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corpus.runner import apply_edits, copy_example, load_cases
from helpers import REPO, replace
from jumpgate import schema, synth
from jumpgate.loader import Document, load_document
from jumpgate.pipeline import validate
from jumpgate.schema import FAST_FROM, check_schema, passes_fast

TODAY = dt.date(2026, 11, 28)
SCHEMA_OF = {"org/organization.yaml": "organization", "accounts": "account", "teams": "team"}


def _schema_name(rel: str) -> str | None:
    if rel == "org/password-policy.yaml":
        return "password-policy"
    return SCHEMA_OF.get(rel) or SCHEMA_OF.get(rel.split("/")[0])


def _jsonschema_rejects(data: Any, name: str) -> bool:
    if name == "password-policy":
        from jumpgate.password_policy import _validator

        return any(True for _ in _validator().iter_errors(data))
    return bool(check_schema(Document("x.yaml", data), name))


def _mutations(data: Any) -> Iterator[Any]:
    """Wrong types, unknown keys, missing keys and odd strings at every place in a document."""
    odd: list[Any] = [None, 7, -1, 1.5, True, "", "x y!", "UPPER", [], {}, ["a"], {"k": 1}]

    def places(value: Any, path: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
        yield path
        if isinstance(value, dict):
            for key, child in value.items():
                yield from places(child, (*path, key))
        elif isinstance(value, list):
            for index, child in enumerate(value):
                yield from places(child, (*path, index))

    def at(root: Any, path: tuple[Any, ...]) -> Any:
        for part in path:
            root = root[part]
        return root

    for path in places(data, ()):
        if path:
            for replacement in odd:
                mutated = copy.deepcopy(data)
                at(mutated, path[:-1])[path[-1]] = replacement
                yield mutated
        target = at(data, path)
        if isinstance(target, dict):
            for key in target:
                mutated = copy.deepcopy(data)
                del at(mutated, path)[key]
                yield mutated
            mutated = copy.deepcopy(data)
            at(mutated, path)["unknown_key"] = "x"
            yield mutated


def _example_documents() -> list[tuple[str, Any]]:
    found = []
    for folder in ("org", "accounts", "teams"):
        for path in sorted((REPO / folder).glob("*.yaml")):
            doc, _ = load_document(REPO, path)
            assert doc is not None
            name = _schema_name(doc.path)
            assert name is not None
            found.append((name, doc.data))
    return found


def test_every_example_file_passes_both_validators() -> None:
    documents = _example_documents()
    assert len(documents) == 20  # organization, password policy, 14 accounts, 4 teams
    for name, data in documents:
        assert not _jsonschema_rejects(data, name)
        assert passes_fast(data, name)


def test_the_shortcut_never_passes_a_mutation_jsonschema_rejects() -> None:
    rejected = 0
    # One file of each kind (the other accounts and teams have the same shapes).
    kinds: dict[str, Any] = {}
    for name, data in _example_documents():
        kinds.setdefault(name, data)
    kinds["team"] = load_document(REPO, REPO / "teams" / "crm.yaml")[0].data  # type: ignore[union-attr]
    for name, data in kinds.items():
        for mutated in _mutations(data):
            if _jsonschema_rejects(mutated, name):
                rejected += 1
                assert not passes_fast(mutated, name), (name, mutated)
    assert rejected > 500  # the mutations really do reach the schemas' constraints


@pytest.mark.parametrize(
    "case",
    [c for c in load_cases("bad.yaml") if c.expect and c.expect["rule"] == "E101"],
    ids=lambda c: c.name,
)
def test_the_shortcut_rejects_every_schema_case_of_the_corpus(tmp_path: Path, case: Any) -> None:
    root = copy_example(tmp_path / "repo")
    rejected = 0
    for rel in apply_edits(root, case):
        name = _schema_name(rel)
        doc, _ = load_document(root, root / rel)
        if name is None or doc is None:
            continue
        if _jsonschema_rejects(doc.data, name):
            rejected += 1
            assert not passes_fast(doc.data, name)
    assert rejected


def test_a_big_organization_takes_the_shortcut_and_reports_the_same_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "m"
    synth.write(root, synth.synthesize(synth.SIZES["M"], seed=3))
    first_team = sorted((root / "teams").glob("*.yaml"))[0].relative_to(root).as_posix()
    replace(root, first_team, "team: ", "team:\n  - ")  # a list where a name belongs
    calls: list[str] = []
    real = schema.check_schema

    def counted(doc: Document, name: str) -> list[Any]:
        calls.append(doc.path)
        return real(doc, name)

    monkeypatch.setattr(schema, "check_schema", counted)
    fast = validate(root, TODAY).findings
    assert len(calls) == 1 and calls[0] == first_team  # only the failing file reached jsonschema
    monkeypatch.setattr(schema, "FAST_FROM", 10**9)
    (root / ".jumpgate-cache" / "schema-pass.json").unlink()
    slow = validate(root, TODAY).findings
    assert len(calls) > FAST_FROM
    assert fast == slow and any(f.rule_id == "E101" for f in fast)
