"""Each per-policy rule about actions called directly on hand-written documents: the exact
findings (rule, path, message, hint), and the statements each rule must leave alone.
Milliseconds per case, so mutation testing (docs/mutation.md) runs them for every mutant of
the rule modules. Helpers: rule_targets.py."""

from __future__ import annotations

from typing import Any

import pytest
from rule_targets import CRM_PROD, IDENTITY, Found, allow, at, deny, found, target

from jumpgate.gate.checks import (
    r_assume_target,
    r_mfa,
    r_not_action,
    r_pass_role_combo,
    r_pass_role_star,
    r_trust_principal,
    r_wildcard_action,
)
from jumpgate.gate.checks.base import CUSTOM, GROUP, TRUST

# --- E704 / W705: every action


def test_every_action_is_e704_strict_w705_elsewhere() -> None:
    hint = "list the actions needed, or grant an admin level with expires and reason"
    statements = (deny("*"), allow(["s3:GetObject", "*:*"]), allow("*"), allow("s3:*"))
    assert found(r_wildcard_action, target(CUSTOM, *statements)) == [
        ("E704", at(1, "Action", 1), "allows every action ('*:*')", hint, False),
        ("E704", at(2, "Action", 0), "allows every action ('*')", hint, False),
    ]
    lax = found(r_wildcard_action, target(CUSTOM, *statements, strict=False))
    assert [(rule, path) for rule, path, *_ in lax] == [
        ("W705", at(1, "Action", 1)),
        ("W705", at(2, "Action", 0)),
    ]


def test_a_generated_policy_names_itself_in_the_message() -> None:
    assert found(r_wildcard_action, target(GROUP, allow("*"))) == [
        (
            "E704",
            (),
            "allows every action ('*') (group policy crm/exports)",
            "list the actions needed, or grant an admin level with expires and reason",
            False,
        )
    ]


# --- E706 / W707: NotAction, NotResource


def test_not_action_and_not_resource_with_allow() -> None:
    statements = (
        {"Effect": "Deny", "NotAction": "s3:GetObject", "NotResource": "arn:aws:s3:::b"},
        {"Effect": "Allow", "NotAction": "s3:GetObject", "NotResource": "arn:aws:s3:::b"},
        allow("s3:GetObject"),
    )
    assert found(r_not_action, target(CUSTOM, *statements)) == [
        (
            "E706",
            at(1, "NotAction"),
            "NotAction with Allow grants everything it does not list",
            "use Action with the exact list, or Effect: Deny",
            False,
        ),
        (
            "E706",
            at(1, "NotResource"),
            "NotResource with Allow grants everything it does not list",
            "use Resource with the exact list, or Effect: Deny",
            False,
        ),
    ]
    lax = found(r_not_action, target(CUSTOM, *statements, strict=False))
    assert [rule for rule, *_ in lax] == ["W707", "W707"]


# --- E714 / W715: iam:PassRole on every role

PASS_HINT = "name the roles that may be passed"


def test_pass_role_on_every_role() -> None:
    named = "arn:aws:iam::107000000007:role/app"
    statements = (
        deny("iam:PassRole"),
        allow("*"),  # E704's concern, not a PassRole finding
        allow(["s3:GetObject", "iam:Pass*"], [named, "arn:aws:iam::*:role/*", "*"]),
        allow("iam:PassRole", named),
    )
    message = "iam:PassRole on {!r} passes any role, admin roles included"
    assert found(r_pass_role_star, target(CUSTOM, *statements)) == [
        ("E714", at(2, "Resource", 1), message.format("arn:aws:iam::*:role/*"), PASS_HINT, False),
        ("E714", at(2, "Resource", 2), message.format("*"), PASS_HINT, False),
    ]
    lax = found(r_pass_role_star, target(CUSTOM, *statements, strict=False))
    assert [rule for rule, *_ in lax] == ["W715", "W715"]


# --- E712 / W713: iam:PassRole with an action that runs code as the passed role

COMBO_HINT = "drop one of them, or limit PassRole to named roles with iam:PassedToService"


def test_pass_role_with_a_partner_anywhere_in_the_policy() -> None:
    statements = (
        deny(["iam:PassRole", "ec2:RunInstances"]),
        allow(["*", "s3:GetObject", "lambda:Create*"]),
        allow(["s3:PutObject", "iam:PassRole"], "arn:aws:iam::107000000007:role/app"),
        allow(["ec2:RunInstances", "iam:PassRole"]),
    )
    assert found(r_pass_role_combo, target(CUSTOM, *statements)) == [
        (
            "E712",
            at(2, "Action", 1),
            "iam:PassRole with ec2:RunInstances, lambda:CreateFunction lets the holder act as "
            "any role it may pass",
            COMBO_HINT,
            False,
        )
    ]
    lax = found(r_pass_role_combo, target(CUSTOM, *statements, strict=False))
    assert [(rule, path) for rule, path, *_ in lax] == [("W713", at(2, "Action", 1))]


@pytest.mark.parametrize(
    "statements",
    [
        (allow("iam:PassRole"),),
        (allow("ec2:RunInstances"),),
        (allow("*"), allow("ec2:RunInstances")),  # `*` is E704's, not a PassRole
        (deny("iam:PassRole"), allow("ec2:RunInstances")),
    ],
)
def test_pass_role_or_a_partner_alone_is_no_combination(statements: tuple[Any, ...]) -> None:
    assert found(r_pass_role_combo, target(CUSTOM, *statements)) == []


# --- E716: sts:AssumeRole without MFA

MFA_HINT = (
    "people assume roles only through jumpgate's groups, which require MFA; remove the action"
)
MFA = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}


@pytest.mark.parametrize("value", ["true", True, ["true"], [True]])
def test_a_group_policy_requiring_mfa_passes(value: Any) -> None:
    condition = {"Bool": {"aws:MultiFactorAuthPresent": value}}
    assert found(r_mfa, target(GROUP, allow("sts:AssumeRole", Condition=condition))) == []


@pytest.mark.parametrize(
    "condition",
    [
        None,
        {"Bool": {"aws:MultiFactorAuthPresent": "false"}},
        {"Bool": {"aws:MultiFactorAuthPresent": ["true", "false"]}},
        {"Bool": "aws:MultiFactorAuthPresent"},
        {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}},
        {"Bool": {"aws:SecureTransport": "true"}},
    ],
)
def test_a_group_policy_without_mfa_is_e716(condition: dict[str, Any] | None) -> None:
    extra = {} if condition is None else {"Condition": condition}
    assert found(r_mfa, target(GROUP, deny("sts:AssumeRole"), allow("*", **extra))) == [
        (
            "E716",
            (),
            "'*' is allowed without MFA (no Bool aws:MultiFactorAuthPresent true) "
            "(group policy crm/exports)",
            MFA_HINT,
            False,
        )
    ]


def test_a_custom_policy_may_not_chain_roles_even_with_mfa() -> None:
    statements = (
        allow(["*", "s3:GetObject", "STS:AssumeRole", "sts:Get*", "sts:Assume*"]),
        allow("sts:AssumeRole", Condition=MFA),
    )
    message = "{!r} is allowed without MFA (no Bool aws:MultiFactorAuthPresent true)"
    assert found(r_mfa, target(CUSTOM, *statements)) == [
        ("E716", at(0, "Action", 2), message.format("STS:AssumeRole"), MFA_HINT, False),
        ("E716", at(0, "Action", 4), message.format("sts:Assume*"), MFA_HINT, False),
    ]


# --- E717: assuming roles outside the organization

CUSTOM_HINT = "roles are reached only from the identity account; remove the statement"
GROUP_HINT = (
    "a group may name only roles of accounts/ (a wildcard account only with StringEquals "
    "aws:ResourceAccount)"
)
ANY_ACCOUNT_ROLE = "arn:aws:iam::*:role/jumpgate-readonly"
IN_GROUP = " (group policy crm/exports)"


def test_a_custom_policy_assuming_roles_elsewhere() -> None:
    resources = [
        f"arn:aws:iam::{CRM_PROD}:role/app",
        "arn:aws:iam::999999999999:role/app",
        "*",
        "arn:aws:iam",
        ANY_ACCOUNT_ROLE,
        "arn:aws:iam::999999999999:role/a:b",  # the account is the fifth field, whatever follows
    ]
    statements = (
        deny("sts:AssumeRole", "arn:aws:iam::999999999999:role/app"),
        allow("*", "arn:aws:iam::999999999999:role/app"),  # `*` is E704's concern
        allow(["s3:GetObject", "sts:Assume*"], resources),
    )
    message = "sts:AssumeRole on {!r}: account {!r} is not in accounts/"
    assert found(r_assume_target, target(CUSTOM, *statements)) == [
        (
            "E717",
            at(2, "Resource", 1),
            message.format("arn:aws:iam::999999999999:role/app", "999999999999"),
            CUSTOM_HINT,
            False,
        ),
        ("E717", at(2, "Resource", 2), message.format("*", "*"), CUSTOM_HINT, False),
        ("E717", at(2, "Resource", 3), message.format("arn:aws:iam", "*"), CUSTOM_HINT, False),
        ("E717", at(2, "Resource", 4), message.format(ANY_ACCOUNT_ROLE, "*"), CUSTOM_HINT, False),
        (
            "E717",
            at(2, "Resource", 5),
            message.format("arn:aws:iam::999999999999:role/a:b", "999999999999"),
            CUSTOM_HINT,
            False,
        ),
    ]


def test_a_custom_policy_is_not_narrowed_by_resource_account() -> None:
    condition = {"StringEquals": {"aws:ResourceAccount": [CRM_PROD]}}
    statement = allow("sts:AssumeRole", ANY_ACCOUNT_ROLE, Condition=condition)
    assert [h[2] for h in found(r_assume_target, target(CUSTOM, statement))] == [
        f"sts:AssumeRole on {ANY_ACCOUNT_ROLE!r}: account '*' is not in accounts/"
    ]


def group_assume(resource: str, accounts: Any = None) -> list[Found]:
    extra = {}
    if accounts is not None:
        extra["Condition"] = {"StringEquals": {"aws:ResourceAccount": accounts}}
    return found(r_assume_target, target(GROUP, allow("sts:AssumeRole", resource, **extra)))


def test_a_group_names_roles_of_its_accounts() -> None:
    assert group_assume(f"arn:aws:iam::{CRM_PROD}:role/jumpgate-readonly") == []
    assert group_assume(ANY_ACCOUNT_ROLE, [CRM_PROD, IDENTITY]) == []
    assert group_assume(ANY_ACCOUNT_ROLE, CRM_PROD) == []
    assert group_assume(f"arn:aws:iam::{CRM_PROD}:role/jumpgate-X") == []


@pytest.mark.parametrize(
    ("resource", "accounts", "message"),
    [
        (
            ANY_ACCOUNT_ROLE,
            [CRM_PROD, "999999999999", "888888888888"],
            f"sts:AssumeRole on {ANY_ACCOUNT_ROLE!r}: account '999999999999' of "
            "aws:ResourceAccount is not in accounts/",
        ),
        (
            ANY_ACCOUNT_ROLE,
            None,
            f"sts:AssumeRole on {ANY_ACCOUNT_ROLE!r}: account '*' is not in accounts/",
        ),
        (  # an empty list narrows nothing
            ANY_ACCOUNT_ROLE,
            [],
            f"sts:AssumeRole on {ANY_ACCOUNT_ROLE!r}: account '*' is not in accounts/",
        ),
        (
            f"arn:aws:iam::{CRM_PROD}:role/jumpgate-*",
            [CRM_PROD],
            f"sts:AssumeRole on 'arn:aws:iam::{CRM_PROD}:role/jumpgate-*': a group names roles "
            "by exact name only",
        ),
        (
            f"arn:aws:iam::{CRM_PROD}:role/jumpgate-read?nly",
            None,
            f"sts:AssumeRole on 'arn:aws:iam::{CRM_PROD}:role/jumpgate-read?nly': a group names "
            "roles by exact name only",
        ),
        (
            "*",
            [CRM_PROD],
            "sts:AssumeRole on '*': a group names roles by exact name only",
        ),
    ],
)
def test_a_group_assuming_roles_elsewhere(resource: str, accounts: Any, message: str) -> None:
    assert group_assume(resource, accounts) == [("E717", (), message + IN_GROUP, GROUP_HINT, False)]


def test_a_resource_account_condition_of_another_shape_narrows_nothing() -> None:
    for condition in ({"StringEquals": "x"}, {"StringLike": {"aws:ResourceAccount": CRM_PROD}}):
        statement = allow("sts:AssumeRole", ANY_ACCOUNT_ROLE, Condition=condition)
        assert [h[2] for h in found(r_assume_target, target(GROUP, statement))] == [
            f"sts:AssumeRole on {ANY_ACCOUNT_ROLE!r}: account '*' is not in accounts/{IN_GROUP}"
        ]


def test_trust_policies_are_not_judged_by_e717() -> None:
    assert found(r_assume_target, target(TRUST, allow("sts:AssumeRole", "*"))) == []


# --- E718 / E719: who a trust policy trusts


def trust(*statements: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (rule, message)
        for rule, _, message, *_ in found(r_trust_principal, target(TRUST, *statements))
    ]


def principal(value: Any, effect: str = "Allow") -> dict[str, Any]:
    return {"Effect": effect, "Action": "sts:AssumeRole", "Principal": value}


def test_a_trust_policy_of_the_identity_account_passes() -> None:
    assert (
        trust(
            principal({"AWS": f"arn:aws:iam::{IDENTITY}:root"}),
            principal({"AWS": [IDENTITY, f"arn:aws:sts::{IDENTITY}:assumed-role/a/b"]}),
            principal("*", effect="Deny"),
            principal("arn:aws:iam::999999999999:root"),  # not a mapping: IAM refuses it (E726)
        )
        == []
    )


def test_a_trust_policy_trusting_others() -> None:
    suffix = " (trust policy crm/exports)"
    assert trust(
        principal("*"),
        {**principal({"AWS": IDENTITY}), "NotPrincipal": {"AWS": IDENTITY}},
        principal({"AWS": ["*", "arn:aws:iam::999999999999:root"], "Service": "ec2.amazonaws.com"}),
        principal({"Federated": IDENTITY}),
        principal({"AWS": f"arn:aws:iam::{IDENTITY}"}),
    ) == [
        ("E719", "statement 0 trusts every principal" + suffix),
        ("E719", "statement 1 trusts every principal" + suffix),
        ("E719", "statement 2 trusts AWS '*'" + suffix),
        (
            "E718",
            "statement 2 trusts AWS 'arn:aws:iam::999999999999:root', not the identity account "
            f"{IDENTITY}" + suffix,
        ),
        (
            "E718",
            f"statement 2 trusts Service 'ec2.amazonaws.com', not the identity account {IDENTITY}"
            + suffix,
        ),
        (
            "E718",
            f"statement 3 trusts Federated '{IDENTITY}', not the identity account {IDENTITY}"
            + suffix,
        ),
        (
            "E718",
            f"statement 4 trusts AWS 'arn:aws:iam::{IDENTITY}', not the identity account "
            f"{IDENTITY}" + suffix,
        ),
    ]
    hits = found(r_trust_principal, target(TRUST, principal("*")))
    assert [(path, hint, key) for _, path, _, hint, key in hits] == [((), None, True)]


def test_only_trust_policies_are_judged_by_e718() -> None:
    assert found(r_trust_principal, target(CUSTOM, principal("*"))) == []
    assert found(r_trust_principal, target(GROUP, principal("*"))) == []


def test_a_trust_policy_is_judged_past_statements_it_skips() -> None:
    assert trust(
        principal("*", effect="Deny"),
        principal("arn:aws:iam::999999999999:root"),
        principal({"AWS": "999999999999"}),
    ) == [
        (
            "E718",
            f"statement 2 trusts AWS '999999999999', not the identity account {IDENTITY} "
            "(trust policy crm/exports)",
        )
    ]
