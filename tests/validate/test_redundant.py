"""W217: a grant covered by another grant of the same team is a warning naming the cover."""

from __future__ import annotations

from pathlib import Path

from helpers import replace, rows

EXTRA = "  - who: [alice]\n    level: readonly\n    environments: [staging]\n"


def test_a_grant_inside_the_teams_all_grant_is_reported_at_the_grant(org: Path) -> None:
    text = (org / "teams" / "crm.yaml").read_text(encoding="utf-8")
    (org / "teams" / "crm.yaml").write_text(text + EXTRA, encoding="utf-8")
    line = text.count("\n") + 1
    assert [r for r in rows(org) if r[3] == "W217"] == [
        (
            "teams/crm.yaml",
            line,
            5,
            "W217",
            "grant adds no access: access[1] (teams/crm.yaml:29) already gives readonly on "
            "these accounts to these people",
        )
    ]


def test_a_time_bound_grant_covered_by_a_standing_one_is_reported(org: Path) -> None:
    text = (org / "teams" / "crm.yaml").read_text(encoding="utf-8")
    expiry = "    expires: 2026-12-15\n    reason: INC-1 audit\n"
    extra = EXTRA.replace("[staging]", "[prod]") + expiry
    (org / "teams" / "crm.yaml").write_text(text + extra, encoding="utf-8")
    assert [r[3] for r in rows(org) if r[3] == "W217"] == ["W217"]


def test_a_wider_or_longer_grant_is_not_redundant(org: Path) -> None:
    # alice's time-bound crm-prod admin is not covered by the standing dev/staging admin grant
    assert [r for r in rows(org) if r[3] == "W217"] == []
    replace(org, "teams/crm.yaml", "expires: 2026-12-31", "expires: 2026-12-30")
    assert [r for r in rows(org) if r[3] == "W217"] == []
