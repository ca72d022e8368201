"""The schema cache: keyed by content, remembers passes only, survives a corrupt file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from helpers import replace
from jumpgate.core.cachefile import CACHE_DIR
from jumpgate.validate.flow import validate

TODAY = dt.date(2026, 11, 28)


def _rules(root: Path) -> list[tuple[str, int, str]]:
    return [(f.path, f.line, f.rule_id) for f in validate(root, TODAY).findings]


def test_a_cached_pass_never_hides_a_later_error(org: Path) -> None:
    assert _rules(org) == []
    cache = org / CACHE_DIR / "schema-pass.json"
    assert (
        len(json.loads(cache.read_text())["passed"]) == 20
    )  # 1 org + 1 access rules + 14 accounts + 4 teams
    replace(org, "accounts/crm-prod.yaml", 'id: "107000000007"', "id: 107000000007")
    # The file is left out of the model, so grants into crm-prod no longer resolve either.
    assert _rules(org)[0] == ("accounts/crm-prod.yaml", 2, "E101")


def test_a_corrupt_cache_is_ignored_and_rewritten(org: Path) -> None:
    (org / CACHE_DIR).mkdir()
    (org / CACHE_DIR / "schema-pass.json").write_text("{not json")
    assert _rules(org) == []
    assert json.loads((org / CACHE_DIR / "schema-pass.json").read_text())["passed"]


def test_entries_of_files_that_no_longer_exist_are_dropped(org: Path) -> None:
    _rules(org)
    (org / "accounts" / "it-sandbox.yaml").unlink()
    replace(
        org,
        "teams/it.yaml",
        "environments: [dev, sandbox, staging]",
        "environments: [dev, staging]",
    )
    replace(org, "teams/it.yaml", "    environments: [sandbox]\n", "    environments: [dev]\n")
    _rules(org)
    passed = json.loads((org / CACHE_DIR / "schema-pass.json").read_text())["passed"]
    assert len(passed) == 19
