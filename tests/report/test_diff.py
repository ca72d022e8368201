"""The pure access diff (report/diff.py) on hand-built AccessPath lists."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from jumpgate.report.access import AccessPath
from jumpgate.report.diff import diff, duration, format_markdown, format_text, summary

ENVIRONMENTS = ["dev", "staging", "prod"]
ACCOUNTS = {"crm-dev": "dev", "crm-staging": "staging", "crm-prod": "prod", "crm-qa": "staging"}


def path(person: str, account: str, level: str = "readonly", **changes: Any) -> AccessPath:
    env = ACCOUNTS[account]
    role = f"jumpgate-{level}"
    made = AccessPath(
        person=person,
        account=account,
        account_id="222222222222",
        environment=env,
        role=role,
        role_arn=f"arn:aws:iam::222222222222:role/jumpgate/{role}",
        level=level,
        expires=None,
        reason=None,
        source="teams/crm.yaml:30",
        strict=env == "prod",
        max_session_seconds=3600 if env == "prod" else 43200,
        mfa_max_age_seconds=3600 if env == "prod" else 43200,
    )
    return replace(made, **changes)


def sentences(before: list[AccessPath], after: list[AccessPath]) -> list[str]:
    return format_text(diff(before, after, ENVIRONMENTS)).splitlines()


def test_no_change() -> None:
    same = [path("bob", "crm-prod")]
    assert diff(same, same, ENVIRONMENTS) == []
    assert format_text([]) == "no access changes\n"


def test_expiry_removed_widens_and_added_narrows() -> None:
    timed = path("alice", "crm-prod", "admin", expires="2026-12-31", reason="INC-4711")
    standing = replace(timed, expires=None)
    assert sentences([timed], [standing])[0] == (
        "! alice: admin on crm-prod (prod) expiry removed (was 2026-12-31; now standing) "
        "(teams/crm.yaml:30)  [WIDENS prod]"
    )
    assert sentences([standing], [timed])[0] == (
        "  alice: admin on crm-prod (prod) expiry added: until 2026-12-31 (was standing) "
        "(teams/crm.yaml:30)  [narrows]"
    )


def test_mfa_age_without_limit_is_weaker_and_sessions_shorter_narrow() -> None:
    old = path("bob", "crm-prod")
    new = replace(old, mfa_max_age_seconds=None, max_session_seconds=1800)
    where = "readonly on crm-prod (prod)"
    assert sentences([old], [new]) == [
        f"  bob: session length of {where} changes from 1 h to 30 min  [narrows]",
        f"! bob: MFA age of {where} changes from 1 h to no limit  [WIDENS prod]",
        "2 changes, 1 widens access into strict environments",
    ]


def test_widening_outside_strict_environments_is_not_marked() -> None:
    old = path("bob", "crm-dev")
    (change,) = diff([old], [replace(old, max_session_seconds=86400)], ENVIRONMENTS)
    assert (change.effect, change.widens_strict) == ("widens", False)


def test_an_account_moving_into_prod_widens() -> None:
    old = path("bob", "crm-qa")
    new = replace(old, environment="prod", strict=True)
    assert sentences([old], [new])[0] == (
        "! bob: crm-qa moves from staging to prod (readonly)  [WIDENS prod]"
    )


def test_accounts_and_people_appear_and_disappear_sorted_by_person_then_deploy_order() -> None:
    before = [path("bob", "crm-prod"), path("carol", "crm-dev")]
    after = [path("bob", "crm-prod"), path("bob", "crm-qa"), path("bob", "crm-dev")]
    assert sentences(before, after) == [
        "  account crm-qa (staging) is newly reachable by 1 person  [widens]",
        "  bob gains readonly on crm-dev (dev), standing (teams/crm.yaml:30)  [widens]",
        "  bob gains readonly on crm-qa (staging), standing (teams/crm.yaml:30)  [widens]",
        "  carol no longer has any access (had 1 account)  [narrows]",
        "  carol loses readonly on crm-dev (dev) (teams/crm.yaml:30)  [narrows]",
        "5 changes, 0 widen access into strict environments",
    ]


def test_two_grants_for_one_role_count_as_the_longest_lasting() -> None:
    standing = path("bob", "crm-prod")
    timed = replace(standing, expires="2026-12-31", source="teams/crm.yaml:40")
    assert diff([standing], [timed, standing], ENVIRONMENTS) == []


def test_summary_and_durations() -> None:
    assert summary([]) == "no access changes"
    assert [duration(s) for s in (3600, 5400, 45, None)] == ["1 h", "90 min", "45 s", "no limit"]


def test_markdown_escapes_what_markdown_would_interpret() -> None:
    old = path("bob_x", "crm-prod")
    assert format_markdown(diff([old], [], ENVIRONMENTS), "main", "HEAD").splitlines() == [
        "### Access diff: main → HEAD",
        "",
        "**3 changes, 0 widen access into strict environments**",
        "",
        "- _narrows_: account crm-prod (prod) is no longer reachable (by 1 person before)",
        "- _narrows_: bob\\_x no longer has any access (had 1 account)",
        "- _narrows_: bob\\_x loses readonly on crm-prod (prod) (teams/crm.yaml:30)",
    ]
