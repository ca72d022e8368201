"""The import's narrowing rules: what it cannot evaluate never becomes access."""

from __future__ import annotations

import datetime as dt

from jumpgate.adopt.evaluate import last_day, mfa_limit, sanitize
from jumpgate.adopt.mapping import guess_environment, kebab
from jumpgate.adopt.notes import Notes

IDENTITY = "310000000001"
SOURCE = "arn:aws:iam::310000000001:group/Dev (inline assume)"


def _clean(*statements: dict[str, object], trust: bool = False) -> tuple[list[object], list[str]]:
    notes = Notes()
    document = {"Version": "2012-10-17", "Statement": list(statements)}
    kept = sanitize(
        document, SOURCE, notes, identity_id=IDENTITY, known_accounts={"310000000011"}, trust=trust
    )
    return kept["Statement"], [f"{n.kind}: {n.message}" for n in notes.sorted()]


def test_an_allow_with_a_condition_jumpgate_cannot_express_is_left_out() -> None:
    ip = {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}
    allow = {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*", "Condition": ip}
    assert _clean(allow) == ([], ["condition: Allow with IpAddress: left out"])
    tagged = {**allow, "Condition": {"StringEquals": {"aws:PrincipalTag/team": "crm"}}}
    assert _clean(tagged) == (
        [],
        ["condition: Allow with StringEquals aws:PrincipalTag/team: left out"],
    )


def test_a_deny_with_such_a_condition_applies_always() -> None:
    deny = {
        "Effect": "Deny",
        "Action": "sts:AssumeRole",
        "Resource": "*",
        "Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
    }
    kept, notes = _clean(deny)
    assert kept == [{"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"}]
    assert notes == [
        "condition: Deny with NotIpAddress: applied always",
        "deny: a Deny statement: its effect is imported (the paths it denies are left out), "
        "the statement is not",
    ]


def test_trust_keeps_only_the_identity_accounts_principals() -> None:
    trust = {
        "Effect": "Allow",
        "Principal": {
            "AWS": ["arn:aws:iam::999999999999:root", f"arn:aws:iam::{IDENTITY}:user/ana"],
            "Service": "ec2.amazonaws.com",
        },
        "Action": "sts:AssumeRole",
    }
    kept, notes = _clean(trust, trust=True)
    assert kept == [{**trust, "Principal": {"AWS": [f"arn:aws:iam::{IDENTITY}:user/ana"]}}]
    assert notes == [
        "foreign-trust: trusts arn:aws:iam::999999999999:root: not imported",
        "user-trust: the role trusts named users only: imported as grants to exactly them",
    ]
    not_principal = {"Effect": "Deny", "NotPrincipal": {"AWS": "x"}, "Action": "sts:AssumeRole"}
    kept, notes = _clean(not_principal, trust=True)
    assert kept == [{"Effect": "Deny", "Action": "*", "Principal": "*"}]


def test_roles_in_accounts_not_imported_are_reported() -> None:
    allow = {
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Resource": "arn:aws:iam::320000000000:role/Admin",
    }
    assert _clean(allow)[1] == [
        "unknown-account: allows arn:aws:iam::320000000000:role/Admin: not imported"
    ]


def test_expiry_is_the_last_whole_day_never_later() -> None:
    today = dt.date(2026, 11, 28)
    assert last_day(lambda now: now < "2027-01-01T00:00:00Z", today) == ("2026-12-31", False)
    assert last_day(lambda now: now < "2026-12-31T18:00:00Z", today) == ("2026-12-30", True)
    assert last_day(lambda now: True, today) == (None, False)


def test_mfa_limit_is_the_first_age_refused() -> None:
    assert mfa_limit(lambda age: age < 3600) == 3600
    assert mfa_limit(lambda age: True) is None


def test_names() -> None:
    assert [kebab(n) for n in ("ReadOnly", "CRM_Admins", "ShopEngineers", "9lives")] == [
        "read-only",
        "crm-admins",
        "shop-engineers",
        "x-9lives",
    ]
    assert [guess_environment(n) for n in ("shop-prod", "Data-Dev", "bi-stg", "misc")] == [
        "prod",
        "dev",
        "staging",
        None,
    ]
