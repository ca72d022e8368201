"""E729 / E733 / W734 (r_standing) and E722 (r_admin_like) called directly on the example
organization with its standing declarations, grants and levels changed: exact findings and
the boundaries of each judgment. (Through the CLI: test_standing.py, test_policy_corpus.py.)"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from rule_targets import DAY, IDENTITY, allow, deny, example, level

from jumpgate.gate.checks import r_admin_like, r_standing
from jumpgate.gate.checks.base import Context
from jumpgate.model.organization import Level, Organization

STANDING = ["billing", "security-audit", "crm/exports"]
ADMIN_POLICY = {"Version": "2012-10-17", "Statement": [allow("iam:PutRolePolicy")]}


def changed(
    standing: list[Any] | None = None,
    grants: dict[tuple[str, int], dict[str, Any]] | None = None,
    exports: dict[str, Any] | None = None,
) -> Context:
    """The example with `standing_on_strict`, some grants (team, index) and crm's exports set
    changed."""
    org = example().org
    assert org.org_source is not None
    doc = org.org_source.doc
    data = {**doc.data, "standing_on_strict": STANDING if standing is None else standing}
    source = dataclasses.replace(org.org_source, doc=dataclasses.replace(doc, data=data))
    teams = dict(org.teams)
    for (team_name, index), changes in (grants or {}).items():
        team = teams[team_name]
        new = list(team.grants)
        new[index] = dataclasses.replace(new[index], **changes)
        teams[team_name] = dataclasses.replace(team, grants=tuple(new))
    crm = teams["crm"]
    sets = dict(crm.permission_sets)
    sets["exports"] = dataclasses.replace(sets["exports"], **(exports or {}))
    teams["crm"] = dataclasses.replace(crm, permission_sets=sets)
    new_org: Organization = dataclasses.replace(org, org_source=source, teams=teams)
    return Context(new_org, example().expansion, DAY, IDENTITY)


def rows(hits: Any) -> list[tuple[Any, ...]]:
    return [(h.rule_id, h.source.doc.path, h.source.path, h.sub, h.message, h.hint) for h in hits]


def test_the_example_declares_what_it_holds_standing() -> None:
    assert rows(r_standing.check_org(changed())) == []
    assert list(r_admin_like.check_org(changed())) == []


def test_standing_write_access_without_expires_is_e729() -> None:
    hits = rows(r_standing.check_org(changed(standing=["security-audit"])))
    assert hits == [
        (
            "E729",
            "teams/crm.yaml",
            ("access", 2),
            ("level",),
            "standing access in crm-prod: permission set 'exports' may write (s3:PutObject), and "
            "the grant has no `expires` and `reason`",
            "add `expires:` (at most 45 days ahead) and `reason:` to the grant, or ask the "
            "platform team to declare 'crm/exports' in org/organization.yaml standing_on_strict",
        ),
        (
            "E729",
            "teams/marketing.yaml",
            ("access", 3),
            ("level",),
            "standing access in marketing-prod: level 'billing' may write (AWS managed policy "
            "Billing, not named ReadOnly or ViewOnly), and the grant has no `expires` and "
            "`reason`",
            "add `expires:` (at most 45 days ahead) and `reason:` to the grant, or ask the "
            "platform team to declare 'billing' in org/organization.yaml standing_on_strict",
        ),
    ]


def test_an_expires_without_a_reason_is_still_standing() -> None:
    ctx = changed(
        standing=["billing", "security-audit"], grants={("crm", 2): {"expires": "2027-01-01"}}
    )
    assert [h.rule_id for h in r_standing.check_org(ctx)] == ["E729"]
    ctx = changed(standing=["billing", "security-audit"], grants={("crm", 2): {"reason": "CHG-7"}})
    assert [h.rule_id for h in r_standing.check_org(ctx)] == ["E729"]


def elevated_until(expires: str, **changes: Any) -> list[tuple[Any, ...]]:
    grant = {("crm", 2): {"expires": expires, "reason": "CHG-7"}}
    return rows(r_standing.check_org(changed(grants=grant, **changes)))


def test_elevated_access_at_most_max_elevation_days_ahead() -> None:
    assert elevated_until("2027-01-12", standing=["billing", "security-audit"]) == []
    assert elevated_until("not a date", standing=["billing", "security-audit"]) == []
    assert elevated_until("2027-01-13", standing=["billing", "security-audit"]) == [
        (
            "E733",
            "teams/crm.yaml",
            ("access", 2),
            ("expires",),
            "expires 2027-01-13, more than 45 days ahead in prod: permission set 'exports' is "
            "elevated access (s3:PutObject)",
            "set `expires:` at most 45 days ahead (2027-01-12)",
        )
    ]
    assert elevated_until("2027-01-13") == []  # declared standing, and not admin-like


def test_admin_like_access_is_never_standing() -> None:
    """Declared or not: E722 without expires and reason, E733 with them too far ahead."""
    exports = {"policy": ADMIN_POLICY}
    assert rows(r_standing.check_org(changed(exports=exports))) == []
    admin = [
        (h.rule_id, h.source.path, h.message)
        for h in r_admin_like.check_org(changed(exports=exports))
    ]
    assert admin == [
        (
            "E722",
            ("access", 2),
            "level 'exports' is admin-like (privilege escalation (iam:PutRolePolicy)) in "
            "crm-prod without `expires` and `reason`",
        )
    ]
    assert [h[4] for h in elevated_until("2027-01-13", exports=exports)] == [
        "expires 2027-01-13, more than 45 days ahead in prod: permission set 'exports' is "
        "elevated access (privilege escalation (iam:PutRolePolicy))"
    ]
    ctx = changed(exports=exports, grants={("crm", 2): {"expires": "2027-01-01", "reason": "x"}})
    assert list(r_admin_like.check_org(ctx)) == []


def test_admin_like_outside_strict_environments_or_elevated_is_not_e722() -> None:
    exports = {"policy": ADMIN_POLICY}
    dev = changed(exports=exports, grants={("crm", 2): {"environments": ("dev",)}})
    assert list(r_admin_like.check_org(dev)) == []
    assert list(r_standing.check_org(dev)) == []
    elevated = changed(exports={**exports, "elevated": True})
    assert list(r_admin_like.check_org(elevated)) == []
    assert list(r_standing.check_org(elevated)) == []


def test_standing_declarations_that_name_nothing_are_w734() -> None:
    ctx = changed(standing=[*STANDING, "crm/imports", 7, "readonly", "exports"])
    hint = "use a level name, or team/set for a team's permission set; or remove it"
    assert [
        (h.rule_id, h.source.path, h.sub, h.message, h.hint) for h in r_standing.check_org(ctx)
    ] == [
        (
            "W734",
            (),
            ("standing_on_strict", 3),
            "standing_on_strict names 'crm/imports', which is no level or team permission set",
            hint,
        ),
        (
            "W734",
            (),
            ("standing_on_strict", 4),
            "standing_on_strict names 7, which is no level or team permission set",
            hint,
        ),
        (
            "W734",
            (),
            ("standing_on_strict", 6),
            "standing_on_strict names 'exports', which is no level or team permission set",
            hint,
        ),
    ]


def test_the_strict_accounts_of_a_grant_are_named() -> None:
    """billing granted in dev and prod, and on crm-prod by name: the strict accounts only."""
    grant = {("marketing", 3): {"environments": ("dev", "prod"), "accounts": ("crm-prod",)}}
    ctx = changed(standing=["security-audit", "crm/exports"], grants=grant)
    assert [h.message for h in r_standing.check_org(ctx)] == [
        "standing access in crm-prod, marketing-prod: level 'billing' may write (AWS managed "
        "policy Billing, not named ReadOnly or ViewOnly), and the grant has no `expires` and "
        "`reason`"
    ]


def test_admin_like_in_several_strict_accounts_with_only_an_expiry() -> None:
    """readonly made admin-like: every grant of it reaching prod is E722, one with `expires`
    but no `reason` too, naming each strict account it reaches."""
    org = example().org
    iam_full = ("arn:aws:iam::aws:policy/IAMFullAccess",)
    admin = dataclasses.replace(org.levels["readonly"], managed_policies=iam_full)
    levels = {**org.levels, "readonly": admin}
    grant = {"accounts": ("crm-prod", "it-prod", "bi-dev"), "expires": "2026-12-01"}
    ctx = changed(grants={("bi", 2): grant})
    ctx = Context(dataclasses.replace(ctx.org, levels=levels), ctx.expansion, DAY, IDENTITY)
    hits = [
        (h.source.doc.path, h.source.path, h.message, h.hint) for h in r_admin_like.check_org(ctx)
    ]
    hint = "add `expires:` and `reason:` to the grant; mark the level `elevated: true`"
    why = "level 'readonly' is admin-like (managed policy IAMFullAccess) in"
    assert hits == [
        ("teams/bi.yaml", ("access", 1), f"{why} bi-prod without `expires` and `reason`", hint),
        (
            "teams/bi.yaml",
            ("access", 2),
            f"{why} crm-prod, it-prod without `expires` and `reason`",
            hint,
        ),
        ("teams/crm.yaml", ("access", 1), f"{why} crm-prod without `expires` and `reason`", hint),
        ("teams/it.yaml", ("access", 2), f"{why} it-prod without `expires` and `reason`", hint),
        (
            "teams/marketing.yaml",
            ("access", 2),
            f"{why} marketing-prod without `expires` and `reason`",
            hint,
        ),
    ]


@pytest.mark.parametrize(
    ("lvl", "why"),
    [
        (level(managed=("Billing",)), "AWS managed policy Billing, not named ReadOnly or ViewOnly"),
        (level([deny("s3:PutObject"), allow("s3:PutObject")]), "s3:PutObject"),
        (
            level([allow("s3:DeleteBucket*")]),
            "s3:DeleteBucket, s3:DeleteBucketMetadataTableConfiguration, s3:DeleteBucketPolicy "
            "and 1 more",
        ),
    ],
)
def test_writes(lvl: Level, why: str) -> None:
    assert r_standing.writes(lvl) == why
