"""The organization-wide rules (`check_org(ctx)`) called directly on the example organization
with one thing changed: exact findings (rule, object, path, message, hint) and the boundaries
of each judgment. Helpers: rule_targets.py."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from rule_targets import DAY, IDENTITY, allow, deny, example, level

from jumpgate.gate.checks import r_admin_like, r_mfa_age, r_session
from jumpgate.gate.checks.base import Context
from jumpgate.model.organization import Level, Source

Row = tuple[str, Source, tuple[str | int, ...], str, str | None, bool]


def rows(hits: Any) -> list[Row]:
    return [(h.rule_id, h.source, h.sub, h.message, h.hint, h.key) for h in hits]


def changed_context(environments: dict[str, Any] | None = None, roles: Any = None) -> Context:
    """The example's context with some environments (name: changes) or roles replaced."""
    result = example()
    envs = dict(result.org.environments)
    for name, changes in (environments or {}).items():
        envs[name] = dataclasses.replace(envs[name], **changes)
    org = dataclasses.replace(result.org, environments=envs)
    expansion = dataclasses.replace(
        result.expansion, roles={**result.expansion.roles, **(roles or {})}
    )
    return Context(org, expansion, DAY, IDENTITY)


# --- W723: MFA of any age on a strict environment


def test_a_strict_environment_without_an_mfa_age() -> None:
    assert list(r_mfa_age.check_org(changed_context())) == []
    ctx = changed_context(
        {
            "prod": {"mfa_max_age_seconds": None},
            "staging": {"mfa_max_age_seconds": None, "strict": True},
            "dev": {"mfa_max_age_seconds": None},  # not strict: no finding
        }
    )
    envs = ctx.org.environments
    hint = "add `mfa_max_age_seconds:` (e.g. the session length)"
    assert rows(r_mfa_age.check_org(ctx)) == [
        (
            "W723",
            envs["staging"].source,
            (),
            "strict environment 'staging' sets no mfa_max_age_seconds",
            hint,
            True,
        ),
        (
            "W723",
            envs["prod"].source,
            (),
            "strict environment 'prod' sets no mfa_max_age_seconds",
            hint,
            True,
        ),
    ]


# --- E720 / I721: sessions longer than the environment allows


def role_with(account: str, name: str, seconds: int, level_seconds: int | None = None) -> Any:
    role = example().expansion.roles[(account, name)]
    level = dataclasses.replace(role.level, max_session_seconds=level_seconds)
    return dataclasses.replace(role, max_session_seconds=seconds, level=level)


def test_the_example_asks_no_longer_sessions() -> None:
    assert list(r_session.check_org(changed_context())) == []


def test_a_role_outlasting_its_environment_is_e720() -> None:
    exports = ("crm-prod", "jumpgate-crm-exports")
    readonly = ("bi-prod", "jumpgate-readonly")
    roles = {
        exports: role_with(*exports, 3601),
        readonly: role_with(*readonly, 7200),
        ("bi-dev", "jumpgate-readonly"): role_with("bi-dev", "jumpgate-readonly", 43200),
    }
    hits = rows(r_session.check_org(changed_context(roles=roles)))
    hint = "lower the level's max_session_seconds"
    assert hits == [
        (
            "E720",
            roles[readonly].level.source,
            ("max_session_seconds",),
            "role jumpgate-readonly in bi-prod: sessions of 7200s, prod allows 3600s",
            hint,
            False,
        ),
        (
            "E720",
            roles[exports].level.source,
            ("max_session_seconds",),
            "role jumpgate-crm-exports in crm-prod: sessions of 3601s, prod allows 3600s",
            hint,
            False,
        ),
    ]


def test_a_level_asking_longer_sessions_is_i721() -> None:
    exports = ("crm-prod", "jumpgate-crm-exports")
    roles = {
        exports: role_with(*exports, 3600, level_seconds=3601),
        ("bi-prod", "jumpgate-readonly"): role_with("bi-prod", "jumpgate-readonly", 3600, 3600),
    }
    assert rows(r_session.check_org(changed_context(roles=roles))) == [
        (
            "I721",
            roles[exports].level.source,
            ("max_session_seconds",),
            "3601s asked, prod caps sessions at 3600s",
            None,
            False,
        )
    ]


def test_roles_of_unknown_accounts_or_environments_are_skipped() -> None:
    role = role_with("crm-prod", "jumpgate-crm-exports", 7200)
    ctx = changed_context(roles={("aaa-gone", "jumpgate-crm-exports"): role})
    del ctx.expansion.roles[("crm-prod", "jumpgate-crm-exports")]
    assert list(r_session.check_org(ctx)) == []
    readonly = role_with("crm-prod", "jumpgate-readonly", 7200)  # judged after the skipped one
    ctx = changed_context(
        roles={("aaa-gone", "r"): role, ("crm-prod", "jumpgate-readonly"): readonly}
    )
    assert [h.message for h in r_session.check_org(ctx)] == [
        "role jumpgate-readonly in crm-prod: sessions of 7200s, prod allows 3600s"
    ]
    ctx = changed_context(roles={("crm-prod", "jumpgate-crm-exports"): role})
    ctx.org.environments.pop("prod")
    assert list(r_session.check_org(ctx)) == []


# --- E722: what makes a level admin-like

ROLE_X = "arn:aws:iam::107000000007:user/x"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"


@pytest.mark.parametrize(
    ("lvl", "why"),
    [
        (level(managed=("arn:aws:iam::aws:policy/ReadOnlyAccess",)), None),
        (  # the name decides, not the path
            level(managed=(READ_ONLY, "arn:aws:iam::aws:policy/job/IAMFullAccess")),
            "managed policy IAMFullAccess",
        ),
        (level([deny("*"), allow("s3:GetObject"), allow("*:*")]), "action '*:*'"),
        (level([allow("s3:*")]), "action 's3:*' on every resource"),
        (level([allow("s3:*", "arn:aws:s3:::*")]), "action 's3:*' on every resource"),
        (
            level([allow("s3:*", ["arn:aws:s3:::b", "arn:aws:s3:::*/*"])]),
            "action 's3:*' on every resource",
        ),
        (level([allow("ec2:*", "arn:aws:ec2:*:*:instance/*")]), "action 'ec2:*' on every resource"),
        (level([allow("s3:*", "arn:aws:s3:::b/*")]), None),
        (level([allow("ec2:Describe*")]), None),
        (level([allow("ec2:Describe*", "arn:aws:ec2:*:*:instance/*")]), None),
        (level([allow("iam:Create*", ROLE_X)]), "privilege escalation (iam:Create*)"),
        (level([allow("iam:*", ROLE_X)]), "privilege escalation (iam:*)"),
        (level([allow("iam:*")]), "action 'iam:*' on every resource"),
        (level([allow("s3:Put*")]), "permissions management on every resource (s3:Put*)"),
        (
            level([allow("s3:PutBucketPolicy", "arn:aws:s3:::*")]),
            "permissions management on every resource (s3:PutBucketPolicy)",
        ),
        (level([allow("s3:PutBucketPolicy", "arn:aws:s3:::b")]), None),
        (level([allow("s3:PutObject")]), None),
        (level([deny("iam:CreateAccessKey"), allow("s3:GetObject", "arn:aws:s3:::b/*")]), None),
        (level(managed=("AdministratorAccess",)), "managed policy AdministratorAccess"),  # no "/"
        (level([allow("codeguru:*")]), "action 'codeguru:*' on every resource"),  # reads only
        (  # every carrier gateway: ec2's only actions on them change them
            level([allow("ec2:*", "arn:*:ec2:*:*:carrier-gateway/*")]),
            "action 'ec2:*' on every resource",
        ),
        (level([allow("s3:*", "arn:*:s3:us-west-2:*:async-request/mrap/*/*")]), None),  # a read
    ],
)
def test_admin_like(lvl: Level, why: str | None) -> None:
    assert r_admin_like.admin_like(lvl) == why
