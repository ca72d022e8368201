"""The compiled schema shortcut (fastjsonschema) may only ever say "passes" when jsonschema,
which reports every schema finding, agrees: over the bad-input corpus, over mutations of every
example file, and through `validate` on an M organization (same findings, same files)."""

from __future__ import annotations

import copy
import datetime as dt
import marshal
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corpus.runner import apply_edits, copy_example, load_cases
from helpers import REPO, replace
from jumpgate.core.cachefile import CACHE_DIR
from jumpgate.demo import synth
from jumpgate.generate.render import rendered_files
from jumpgate.model import schema
from jumpgate.model.loader import Document, load_document
from jumpgate.model.schema import check_schema, passes_fast
from jumpgate.validate.flow import validate

TODAY = dt.date(2026, 11, 28)
SCHEMA_OF = {"org/organization.yaml": "organization", "accounts": "account", "teams": "team"}


def _schema_name(rel: str) -> str | None:
    if rel == "org/password-policy.yaml":
        return "password-policy"
    if rel == "org/access-rules.yaml":
        return "access-rules"
    return SCHEMA_OF.get(rel) or SCHEMA_OF.get(rel.split("/")[0])


def _jsonschema_rejects(data: Any, name: str) -> bool:
    if name == "password-policy":
        from jumpgate.model.password_policy import _validator

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
    assert len(documents) == 21  # organization, password policy, access rules, 14 accounts, 4 teams
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


# E101 cases found by the cross-file rules, not by a schema (a date with no next day)
NOT_SCHEMA_CASES = {"expiry-on-the-last-date"}


@pytest.mark.parametrize(
    "case",
    [
        c
        for c in load_cases("bad.yaml")
        if c.expect and c.expect["rule"] == "E101" and c.name not in NOT_SCHEMA_CASES
    ],
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


def test_the_shortcut_changes_nothing_and_gives_the_same_findings_and_files(
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
    fast = validate(root, TODAY)
    assert calls == [first_team]  # only the failing file reached jsonschema
    replace(root, first_team, "team:\n  - ", "team: ")
    fast_ok = validate(root, TODAY)
    monkeypatch.setattr(schema, "passes_fast", lambda *_: False)
    shutil.rmtree(root / CACHE_DIR)
    replace(root, first_team, "team: ", "team:\n  - ")
    slow = validate(root, TODAY)
    assert len(calls) > 100
    assert fast.findings == slow.findings and any(f.rule_id == "E101" for f in fast.findings)
    replace(root, first_team, "team:\n  - ", "team: ")
    slow_ok = validate(root, TODAY)
    assert fast_ok.ok and slow_ok.ok
    assert rendered_files(fast_ok.org, fast_ok.expansion) == rendered_files(
        slow_ok.org, slow_ok.expansion
    )


def test_the_shortcut_never_writes_schema_defaults_into_the_data() -> None:
    doc, _ = load_document(REPO, REPO / "org" / "organization.yaml")
    assert doc is not None
    before = copy.deepcopy(doc.data)
    assert passes_fast(doc.data, "organization")
    assert doc.data == before


def test_compiled_schema_code_is_cached_and_a_corrupt_cache_is_regenerated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    data = {"id": "123456789012", "environment": "dev", "team": "it"}
    assert not check_schema(Document("accounts/a.yaml", data), "account")
    schema._fast_validator.cache_clear()
    assert passes_fast(data, "account")
    [stored] = (tmp_path / "jumpgate").glob("schema-code-account-*.marshal")
    for content in (stored.read_bytes(), b"\x00junk", b""):
        stored.write_bytes(content)
        schema._fast_validator.cache_clear()
        assert passes_fast(data, "account")
        assert not passes_fast({**data, "extra": 1}, "account")
        assert not passes_fast({**data, "id": 123456789012}, "account")
    assert marshal.loads(stored.read_bytes())  # regenerated after the junk
    schema._fast_validator.cache_clear()
