"""The content-keyed caches of the gate (documents, policy passes): an unchanged organization
is not parsed or checked again, and a stale or corrupt cache never hides a finding."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from helpers import replace
from jumpgate.gate import run as checks
from jumpgate.model.doccache import CACHE_DIR, FILE_NAME, DocumentCache
from jumpgate.model.loader import load_document
from jumpgate.model.reader import DataFiles
from jumpgate.validate.flow import validate

TODAY = dt.date(2026, 11, 28)
POLICY_CACHE = "policy-pass.json"


def _validate(root: Path) -> list[tuple[str, int, str]]:
    return [(f.path, f.line, f.rule_id) for f in validate(root, TODAY).findings]


def _check(root: Path) -> list[tuple[str, int, str]]:
    result = validate(root, TODAY)
    found = checks.run_checks(result.org, result.expansion, TODAY).findings
    return [(f.path, f.line, f.rule_id) for f in [*result.findings, *found]]


def test_a_cached_document_equals_a_fresh_parse(org: Path) -> None:
    assert _validate(org) == []
    assert (org / CACHE_DIR / FILE_NAME).is_file()
    files = DataFiles(org)  # the loading boundary, with its caches
    assert len(files.documents.known) == 20  # 1 org + 1 access rules + 14 accounts + 4 teams
    path = org / "teams" / "crm.yaml"
    cached, problems = files.load(path, "team")
    fresh, _ = load_document(org, path)
    assert problems == [] and cached is not None and fresh is not None
    assert (cached.path, cached.data, cached.values, cached.keys, cached.digest) == (
        fresh.path,
        fresh.data,
        fresh.values,
        fresh.keys,
        fresh.digest,
    )
    # new objects on every hit: a caller changing one document never changes another
    again, _ = files.load(path, "team")
    assert again is not None and again.data is not cached.data


def test_an_edited_file_is_parsed_again_and_its_errors_reported(org: Path) -> None:
    assert _validate(org) == []
    replace(org, "teams/crm.yaml", "team: crm", "team: crm\nteam: crm")
    assert ("teams/crm.yaml", 3, "E003") in _validate(org)


def test_a_file_with_the_same_bytes_under_another_name_gets_its_own_path(org: Path) -> None:
    assert _validate(org) == []
    crm = (org / "teams" / "crm.yaml").read_bytes()
    (org / "teams" / "crm2.yaml").write_bytes(crm)
    findings = _validate(org)
    assert ("teams/crm2.yaml", 2, "E102") in findings  # the copy still says `team: crm`


def test_a_corrupt_document_cache_is_ignored_and_rewritten(org: Path) -> None:
    (org / CACHE_DIR).mkdir()
    (org / CACHE_DIR / FILE_NAME).write_bytes(b"\x00not marshal")
    assert _validate(org) == []
    assert len(DocumentCache(org).known) == 20


def test_only_passing_policies_are_remembered_and_a_new_finding_shows(org: Path) -> None:
    assert _check(org) == []
    passed = json.loads((org / CACHE_DIR / POLICY_CACHE).read_text())["passed"]
    assert passed
    # the same run again: every per-policy check is skipped, nothing else changes
    assert _check(org) == []
    replace(org, "teams/crm.yaml", "Action: s3:ListBucket", 'Action: "*"')
    first = _check(org)
    assert ("teams/crm.yaml", 19, "E704") in first
    assert _check(org) == first  # a finding is never cached away


def test_the_policy_cache_is_salted_with_the_organizations_accounts(org: Path) -> None:
    result = validate(org, TODAY)
    ctx = checks.Context(result.org, result.expansion, TODAY, "100000000001")
    other = checks.Context(result.org, result.expansion, TODAY, "100000000002")
    salt = checks.PolicyPassCache(org, ctx).salt
    assert salt != checks.PolicyPassCache(org, other).salt
    result.org.accounts.popitem()  # one account fewer: E717's "not in accounts/" changes
    assert salt != checks.PolicyPassCache(org, ctx).salt


def test_a_corrupt_policy_cache_is_ignored(org: Path) -> None:
    (org / CACHE_DIR).mkdir()
    (org / CACHE_DIR / POLICY_CACHE).write_text("{not json")
    assert _check(org) == []
    assert json.loads((org / CACHE_DIR / POLICY_CACHE).read_text())["passed"]
