"""The pass cache of the per-policy rules (gate/checks/passcache.py): what its key and salt
depend on, and that only this run's passes are written. (Through the gate, with a real
organization: tests/model/test_caches.py.)"""

from __future__ import annotations

import dataclasses
import json
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from rule_targets import allow, context, target

from jumpgate.gate.checks import passcache
from jumpgate.gate.checks.base import CUSTOM, GROUP
from jumpgate.gate.checks.holder import ROLE, Holder
from jumpgate.gate.checks.passcache import PolicyPassCache


def cache_in(tmp_path: Path) -> PolicyPassCache:
    return PolicyPassCache(tmp_path, context())


def stored(tmp_path: Path) -> Any:
    return json.loads((tmp_path / ".jumpgate-cache" / "policy-pass.json").read_text())


def test_the_key_depends_on_everything_the_rules_read(tmp_path: Path) -> None:
    cache = cache_in(tmp_path)
    one = target(CUSTOM, allow("s3:GetObject"))
    key = cache.key(one)
    assert len(key) == 32 and int(key, 16) >= 0
    assert cache.key(target(CUSTOM, allow("s3:GetObject"))) == key
    holder = Holder(ROLE, ("arn:aws:iam::107000000007:role/a",), (one.document,))
    others = [
        target(GROUP, allow("s3:GetObject")),
        target(CUSTOM, allow("s3:GetObject"), strict=False),
        dataclasses.replace(one, base=("policy", "x")),
        target(CUSTOM, allow("s3:PutObject")),
        dataclasses.replace(one, holder=holder),
        dataclasses.replace(one, holder=dataclasses.replace(holder, unseen_policies=True)),
    ]
    assert len({key, *(cache.key(t) for t in others)}) == 1 + len(others)


def test_a_document_orjson_cannot_write_gets_the_same_key_through_json(tmp_path: Path) -> None:
    """orjson refuses keys that are not strings; json writes them as strings, in order."""
    cache = cache_in(tmp_path)
    one = target(CUSTOM, allow("s3:GetObject"))
    odd_document: dict[Any, Any] = {2: "b", 1: {"x": True}}
    odd = dataclasses.replace(one, document=odd_document)
    plain = dataclasses.replace(one, document={"1": {"x": True}, "2": "b"})
    assert cache.key(odd) == cache.key(plain)


def test_the_key_is_salted_with_the_run(tmp_path: Path) -> None:
    one = target(CUSTOM, allow("s3:GetObject"))
    ctx = context()
    other = dataclasses.replace(ctx, identity_id="100000000002")
    assert cache_in(tmp_path).key(one) != PolicyPassCache(tmp_path, other).key(one)
    accounts = dict(ctx.org.accounts)
    accounts.popitem()  # one account fewer: E717's "not in accounts/" changes
    fewer = dataclasses.replace(ctx, org=dataclasses.replace(ctx.org, accounts=accounts))
    assert cache_in(tmp_path).salt != PolicyPassCache(tmp_path, fewer).salt


def test_the_key_does_not_depend_on_the_order_of_keys(tmp_path: Path) -> None:
    cache = cache_in(tmp_path)
    one = target(CUSTOM, allow("s3:GetObject"))
    swapped = dataclasses.replace(one, document=dict(reversed(list(one.document.items()))))
    assert list(swapped.document) != list(one.document)
    assert cache.key(swapped) == cache.key(one)


def test_only_this_runs_passes_are_written(tmp_path: Path) -> None:
    cache = cache_in(tmp_path)
    assert not cache.known_pass("a")
    cache.save()  # nothing passed, nothing known: nothing written
    assert not (tmp_path / ".jumpgate-cache").exists()
    cache.add("a")
    cache.add("b")
    cache.save()
    assert stored(tmp_path) == {"salt": cache.salt, "passed": ["a", "b"]}
    again = cache_in(tmp_path)
    assert again.known == {"a", "b"}
    assert again.known_pass("b") and not again.known_pass("c")
    assert again.passed == {"b"}
    again.save()
    assert stored(tmp_path)["passed"] == ["b"]
    same = cache_in(tmp_path)
    assert same.known_pass("b")
    (tmp_path / ".jumpgate-cache" / "policy-pass.json").unlink()
    same.save()  # this run's passes are the ones it knew: nothing to write
    assert not (tmp_path / ".jumpgate-cache" / "policy-pass.json").exists()


@pytest.mark.parametrize(
    "changed", ["r_mfa.py", "base.py", "run.py", "limits.py", "policy_sentry", "cfn-lint"]
)
def test_the_code_salt_changes_with_each_rule_and_dependency(
    changed: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    salt = passcache._code_salt.__wrapped__()
    assert salt == passcache._code_salt.__wrapped__()
    real_read = Path.read_bytes

    def read_bytes(path: Path) -> bytes:
        return real_read(path) + (b"#" if path.name == changed else b"")

    def version(dist: str) -> str:
        return metadata.version(dist) + ("+1" if dist == changed else "")

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    monkeypatch.setattr("jumpgate.gate.checks.passcache.version", version)
    assert passcache._code_salt.__wrapped__() != salt


def test_a_missing_dependency_still_salts(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(dist: str) -> str:
        raise metadata.PackageNotFoundError(dist)

    salt = passcache._code_salt.__wrapped__()
    monkeypatch.setattr("jumpgate.gate.checks.passcache.version", missing)
    assert passcache._code_salt.__wrapped__() not in (salt, "")
