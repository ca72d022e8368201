"""The independent IAM oracle (tests/iam_oracle.py) against cases from the AWS documentation.

Each case names, in a comment, the AWS documentation page whose rule it checks. The policies are
written out here as jumpgate's templates deploy them (cloudformation/templates/identity-
baseline.yaml, identity-group.yaml, target-role.yaml), by hand: nothing is imported from
jumpgate, so the oracle and these tests stay independent of the code they will check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from iam_oracle import OracleError, assume_role_request, can_assume_role, decide

IDENTITY = "100000000001"  # accounts/learnaws-identity.yaml
TEAM = "108000000008"  # accounts/bi-dev.yaml
OTHER_TEAM = "109000000009"
OUTSIDE = "999999999999"
PATH = "/jumpgate/"
USER = f"arn:aws:iam::{IDENTITY}:user/jumpgate/ana"
OTHER_PATH_USER = f"arn:aws:iam::{IDENTITY}:user/contractors/ana"
ROLE_NAME = "jumpgate-admin"


def role_arn(account: str = TEAM, name: str = ROLE_NAME, path: str = PATH) -> str:
    return f"arn:aws:iam::{account}:role{path}{name}"


ROLE = role_arn()
NOW = "2026-11-28T12:00:00Z"
EXPIRES = "2027-01-01T00:00:00Z"
AFTER = "2027-03-01T00:00:00Z"
V = "2012-10-17"

# The force-MFA self-service policy of identity-baseline.yaml (DenyEverythingElseWithoutMfa).
FORCE_MFA: dict[str, Any] = {
    "Version": V,
    "Statement": [
        {
            "Sid": "ManageOwnPasswordAndAccessKeys",
            "Effect": "Allow",
            "Action": ["iam:ChangePassword", "iam:GetUser"],
            "Resource": f"arn:aws:iam::{IDENTITY}:user{PATH}${{aws:username}}",
        },
        {
            "Sid": "DenyEverythingElseWithoutMfa",
            "Effect": "Deny",
            "NotAction": [
                "iam:ChangePassword",
                "iam:GetAccountPasswordPolicy",
                "iam:GetUser",
                "iam:CreateVirtualMFADevice",
                "iam:EnableMFADevice",
                "iam:GetMFADevice",
                "iam:ListMFADevices",
                "iam:ListVirtualMFADevices",
                "iam:ResyncMFADevice",
                "sts:GetSessionToken",
            ],
            "Resource": "*",
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        },
    ],
}


def group(
    resource: str | list[str],
    *,
    accounts: list[str] | None = None,
    expires: str | None = None,
) -> dict[str, Any]:
    """identity-group.yaml's AssumeGrantedRolesWithMfa: explicit form, or compact with
    `accounts` (aws:ResourceAccount)."""
    condition: dict[str, Any] = {
        "Bool": {"aws:MultiFactorAuthPresent": "true"},
        "StringEqualsIfExists": {"sts:SourceIdentity": "${aws:username}"},
    }
    if accounts is not None:
        condition["StringEquals"] = {"aws:ResourceAccount": accounts}
    if expires is not None:
        condition["DateLessThan"] = {"aws:CurrentTime": expires}
    statement = {
        "Sid": "AssumeGrantedRolesWithMfa",
        "Effect": "Allow",
        "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
        "Resource": resource,
        "Condition": condition,
    }
    return {"Version": V, "Statement": [statement]}


EXPLICIT = group([ROLE, role_arn(OTHER_TEAM, "jumpgate-readonly")])
COMPACT = group(f"arn:aws:iam::*:role{PATH}{ROLE_NAME}", accounts=[TEAM, "110000000010"])


def trust(
    *,
    mfa_max_age: int | None = None,
    session_name: bool = True,
    require_source_identity: bool = False,
    identity: str = IDENTITY,
) -> dict[str, Any]:
    """target-role.yaml's AssumeRolePolicyDocument."""
    root = {"AWS": f"arn:aws:iam::{identity}:root"}
    people = f"arn:aws:iam::{identity}:user{PATH}*"
    assume: dict[str, Any] = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    if mfa_max_age is not None:
        assume["NumericLessThan"] = {"aws:MultiFactorAuthAge": str(mfa_max_age)}
    if session_name:
        assume["StringEquals"] = {"sts:RoleSessionName": "${aws:username}"}
    assume["ArnLike"] = {"aws:PrincipalArn": people}
    statements: list[dict[str, Any]] = [
        {
            "Sid": "PeopleOfIdentityAccountWithMfa",
            "Effect": "Allow",
            "Principal": root,
            "Action": "sts:AssumeRole",
            "Condition": assume,
        },
        {
            "Sid": "SourceIdentityIsOwnUserName",
            "Effect": "Allow",
            "Principal": root,
            "Action": "sts:SetSourceIdentity",
            "Condition": {
                "StringEquals": {"sts:SourceIdentity": "${aws:username}"},
                "ArnLike": {"aws:PrincipalArn": people},
            },
        },
    ]
    if require_source_identity:
        statements.append(
            {
                "Sid": "SourceIdentityRequired",
                "Effect": "Deny",
                "Principal": root,
                "Action": "sts:AssumeRole",
                "Condition": {"Null": {"sts:SourceIdentity": "true"}},
            }
        )
    return {"Version": V, "Statement": statements}


TRUST = trust()


def allow(statement: dict[str, Any]) -> dict[str, Any]:
    return {"Version": V, "Statement": [{"Effect": "Allow", **statement}]}


def plain_allow(resource: str | list[str] = ROLE, **extra: Any) -> dict[str, Any]:
    """An identity Allow of sts:AssumeRole with no condition."""
    return allow({"Action": "sts:AssumeRole", "Resource": resource, **extra})


def plain_trust(principal: Any = None, **extra: Any) -> dict[str, Any]:
    """A trust policy allowing the identity account's principals with no condition."""
    who = principal if principal is not None else {"AWS": f"arn:aws:iam::{IDENTITY}:root"}
    return allow({"Principal": who, "Action": "sts:AssumeRole", **extra})


def deny(statement: dict[str, Any]) -> dict[str, Any]:
    return {"Version": V, "Statement": [{"Effect": "Deny", **statement}]}


@dataclass(frozen=True)
class Case:
    identity: list[dict[str, Any]]
    trust: dict[str, Any]
    expected: bool
    mfa: bool | None = True
    mfa_age_seconds: int | None = 300
    now: str = NOW
    session_name: str = "ana"
    source_identity: str | None = None
    user: str = USER
    role: str = ROLE
    extra_context: dict[str, Any] = field(default_factory=dict)


def _mfa(case: Case) -> dict[str, Any]:
    return {"mfa": case.mfa, "mfa_age_seconds": case.mfa_age_seconds if case.mfa else None}


LONG_TERM_KEYS: dict[str, Any] = {"mfa": None, "mfa_age_seconds": None}
NO_MFA: dict[str, Any] = {"mfa": False, "mfa_age_seconds": None}

CASES = [
    # --- jumpgate's own policies, end to end -------------------------------------------------
    # Grant a user permissions to switch roles
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_permissions-to-switch.html
    # Cross-account policy evaluation logic
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
    pytest.param(Case([FORCE_MFA, EXPLICIT], TRUST, True), id="explicit-form-with-mfa"),
    pytest.param(Case([FORCE_MFA, COMPACT], TRUST, True), id="compact-form-with-mfa"),
    # AWS global condition context keys: aws:ResourceAccount
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
    pytest.param(
        Case([FORCE_MFA, COMPACT], trust(), False, role=role_arn(OTHER_TEAM)),
        id="compact-form-resource-account-not-granted",
    ),
    pytest.param(
        Case([FORCE_MFA, COMPACT], trust(), False, role=role_arn(OUTSIDE)),
        id="compact-form-account-outside-organization",
    ),
    pytest.param(
        Case([FORCE_MFA, EXPLICIT], trust(), False, role=role_arn(TEAM, "jumpgate-readonly")),
        id="explicit-form-role-not-listed",
    ),
    # Secure API access with MFA (aws:MultiFactorAuthPresent is false for temporary credentials
    # obtained without MFA, and absent for long-term access keys)
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_configure-api-require.html
    pytest.param(Case([FORCE_MFA, EXPLICIT], TRUST, False, **NO_MFA), id="no-mfa"),
    pytest.param(Case([FORCE_MFA, EXPLICIT], TRUST, False, **LONG_TERM_KEYS), id="long-term-keys"),
    # IAM JSON policy elements: Condition operators, ...IfExists condition operators
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    # AWS: Allows MFA-authenticated IAM users to manage their own credentials (the force-MFA
    # Deny with NotAction and BoolIfExists)
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_aws_my-sec-creds-self-manage.html
    pytest.param(
        Case([FORCE_MFA, plain_allow()], plain_trust(), False, **LONG_TERM_KEYS),
        id="boolifexists-deny-catches-long-term-keys",
    ),
    pytest.param(
        Case(
            [
                plain_allow(),
                deny(
                    {
                        "Action": "*",
                        "Resource": "*",
                        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}},
                    }
                ),
            ],
            plain_trust(),
            True,
            **LONG_TERM_KEYS,
        ),
        id="plain-bool-deny-misses-long-term-keys",
    ),
    pytest.param(
        Case([FORCE_MFA, plain_allow()], plain_trust(), False, **NO_MFA),
        id="boolifexists-deny-catches-mfa-false",
    ),
    pytest.param(
        Case([FORCE_MFA, plain_allow()], plain_trust(), True), id="boolifexists-deny-passes-mfa"
    ),
    # IAM and AWS STS condition context keys: sts:RoleSessionName (trust denies, identity allows)
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html
    pytest.param(
        Case([FORCE_MFA, EXPLICIT], TRUST, False, session_name="bob"), id="wrong-session-name"
    ),
    pytest.param(
        Case([FORCE_MFA, EXPLICIT], trust(session_name=False), True, session_name="bob"),
        id="session-name-not-required",
    ),
    # IAM JSON policy elements: Condition operators, Numeric condition operators;
    # AWS global condition context keys: aws:MultiFactorAuthAge
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    pytest.param(
        Case([FORCE_MFA, EXPLICIT], trust(mfa_max_age=3600), True, mfa_age_seconds=3599),
        id="mfa-age-under-limit",
    ),
    pytest.param(
        Case([FORCE_MFA, EXPLICIT], trust(mfa_max_age=3600), False, mfa_age_seconds=3600),
        id="mfa-age-at-limit",
    ),
    pytest.param(
        Case([FORCE_MFA, EXPLICIT], trust(mfa_max_age=3600), False, mfa_age_seconds=7200),
        id="mfa-age-over-limit",
    ),
    pytest.param(
        Case(
            [
                allow(
                    {
                        "Action": "sts:AssumeRole",
                        "Resource": ROLE,
                        "Condition": {
                            "NumericLessThanIfExists": {"aws:MultiFactorAuthAge": "3600"}
                        },
                    }
                )
            ],
            plain_trust(),
            True,
            **NO_MFA,
        ),
        id="numeric-ifexists-passes-absent-age",
    ),
    pytest.param(
        Case(
            [
                allow(
                    {
                        "Action": "sts:AssumeRole",
                        "Resource": ROLE,
                        "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
                    }
                )
            ],
            plain_trust(),
            False,
            **NO_MFA,
        ),
        id="numeric-fails-absent-age",
    ),
    # AWS: Allows access based on date and time (DateLessThan aws:CurrentTime)
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_aws-dates.html
    pytest.param(Case([FORCE_MFA, group(ROLE, expires=EXPIRES)], TRUST, True), id="before-expiry"),
    pytest.param(
        Case([FORCE_MFA, group(ROLE, expires=EXPIRES)], TRUST, False, now=EXPIRES),
        id="at-expiry",
    ),
    pytest.param(
        Case([FORCE_MFA, group(ROLE, expires=EXPIRES)], TRUST, False, now=AFTER),
        id="after-expiry",
    ),
    pytest.param(
        Case(
            [FORCE_MFA, group(ROLE, expires="2027-01-01T01:00:00+01:00")],
            TRUST,
            False,
            now="2027-01-01T00:00:00Z",
        ),
        id="expiry-with-offset-is-the-same-instant",
    ),
    # Monitor and control actions taken with assumed roles (sts:SetSourceIdentity needs an
    # Allow in the identity policy and in the trust policy; sts:SourceIdentity)
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html
    pytest.param(
        Case([FORCE_MFA, EXPLICIT], TRUST, True, source_identity="ana"), id="source-identity-own"
    ),
    pytest.param(
        Case([FORCE_MFA, EXPLICIT], TRUST, False, source_identity="bob"),
        id="source-identity-other-user",
    ),
    pytest.param(
        Case([FORCE_MFA, plain_allow()], TRUST, False, source_identity="ana"),
        id="source-identity-without-identity-allow",
    ),
    # IAM JSON policy elements: Condition operators, Condition operator to check existence of
    # condition keys (Null); an explicit Deny in the trust policy wins
    pytest.param(
        Case([FORCE_MFA, EXPLICIT], trust(require_source_identity=True), False),
        id="source-identity-required-but-absent",
    ),
    pytest.param(
        Case(
            [FORCE_MFA, EXPLICIT], trust(require_source_identity=True), True, source_identity="ana"
        ),
        id="source-identity-required-and-given",
    ),
    # How AWS enforcement code logic evaluates requests to allow or deny access (explicit deny)
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
    pytest.param(
        Case(
            [FORCE_MFA, EXPLICIT, deny({"Action": "sts:AssumeRole", "Resource": ROLE})],
            TRUST,
            False,
        ),
        id="explicit-deny-wins-in-identity",
    ),
    pytest.param(
        Case([FORCE_MFA, EXPLICIT, deny({"Action": "sts:*", "Resource": "*"})], TRUST, False),
        id="explicit-deny-wildcard-wins",
    ),
    pytest.param(
        Case(
            [FORCE_MFA, EXPLICIT],
            {
                "Version": V,
                "Statement": [
                    *TRUST["Statement"],
                    {
                        "Effect": "Deny",
                        "Principal": {"AWS": USER},
                        "Action": "sts:AssumeRole",
                    },
                ],
            },
            False,
        ),
        id="explicit-deny-wins-in-trust",
    ),
    # IAM JSON policy elements: NotAction
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html
    pytest.param(
        Case(
            [
                plain_allow(),
                deny(
                    {
                        "NotAction": ["sts:*"],
                        "Resource": "*",
                        "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
                    }
                ),
            ],
            plain_trust(),
            True,
            **LONG_TERM_KEYS,
        ),
        id="notaction-deny-excludes-sts",
    ),
    pytest.param(
        Case([allow({"NotAction": "iam:*", "Resource": "*"})], plain_trust(), True),
        id="notaction-allow-covers-sts",
    ),
    pytest.param(
        Case([allow({"NotAction": "sts:Assume*", "Resource": "*"})], plain_trust(), False),
        id="notaction-allow-excludes-assumerole",
    ),
    # IAM JSON policy elements: Resource (wildcards * and ? within ARN segments, case-sensitive)
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
    pytest.param(
        Case([plain_allow("arn:aws:iam::*:role/jumpgate/jumpgate-?dmin")], plain_trust(), True),
        id="resource-question-mark-one-char",
    ),
    pytest.param(
        Case([plain_allow("arn:aws:iam::*:role/jumpgate/jumpgate-??dmin")], plain_trust(), False),
        id="resource-question-mark-exactly-one",
    ),
    pytest.param(
        Case([plain_allow("arn:aws:iam::10800000000?:role/jumpgate/*")], plain_trust(), True),
        id="resource-question-mark-in-account",
    ),
    pytest.param(
        Case([plain_allow("arn:aws:iam::1080000000?:role/jumpgate/*")], plain_trust(), False),
        id="resource-account-one-digit-short",
    ),
    pytest.param(
        Case([plain_allow("arn:aws:iam::*:role/other/*")], plain_trust(), False),
        id="resource-other-path",
    ),
    pytest.param(
        Case([plain_allow("arn:aws:iam::*:role/*")], plain_trust(), True),
        id="resource-star-spans-path",
    ),
    pytest.param(
        Case([plain_allow("arn:aws:iam::*:role/jumpgate/JUMPGATE-ADMIN")], plain_trust(), False),
        id="resource-case-sensitive",
    ),
    pytest.param(
        Case([plain_allow("*")], plain_trust(), True),
        id="resource-star",
    ),
    # IAM JSON policy elements: Action (wildcards, case-insensitive)
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
    pytest.param(
        Case([allow({"Action": "sts:Assume*", "Resource": ROLE})], plain_trust(), True),
        id="action-star",
    ),
    pytest.param(
        Case([allow({"Action": "STS:assumerole", "Resource": ROLE})], plain_trust(), True),
        id="action-case-insensitive",
    ),
    pytest.param(
        Case([allow({"Action": "sts:AssumeRoleWith*", "Resource": ROLE})], plain_trust(), False),
        id="action-star-needs-suffix",
    ),
    pytest.param(
        Case([allow({"Action": "sts:AssumeRol?", "Resource": ROLE})], plain_trust(), True),
        id="action-question-mark",
    ),
    # Cross-account policy evaluation logic: both sides must allow
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
    pytest.param(
        Case(
            [FORCE_MFA, EXPLICIT],
            {"Version": V, "Statement": [TRUST["Statement"][1]]},
            False,
        ),
        id="trust-allows-nothing-identity-allows",
    ),
    pytest.param(Case([FORCE_MFA], TRUST, False), id="identity-allows-nothing-trust-allows"),
    pytest.param(Case([], plain_trust(), False), id="no-identity-policy"),
    # AWS JSON policy elements: Principal (account principal, IAM user ARN)
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    pytest.param(
        Case([FORCE_MFA, EXPLICIT], trust(identity=OUTSIDE), False), id="trust-other-account"
    ),
    pytest.param(
        Case([plain_allow()], plain_trust({"AWS": IDENTITY}), True), id="principal-account-id"
    ),
    pytest.param(Case([plain_allow()], plain_trust({"AWS": USER}), True), id="principal-user"),
    pytest.param(
        Case([plain_allow()], plain_trust({"AWS": OTHER_PATH_USER}), False),
        id="principal-other-user",
    ),
    pytest.param(
        Case([plain_allow()], plain_trust({"Service": "ec2.amazonaws.com"}), False),
        id="principal-service-is-not-a-user",
    ),
    pytest.param(Case([plain_allow()], plain_trust("*"), True), id="principal-anyone"),
    # IAM JSON policy elements: Condition operators, ARN condition operators (aws:PrincipalArn)
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    pytest.param(
        Case(
            [allow({"Action": "sts:AssumeRole", "Resource": ROLE})],
            TRUST,
            False,
            user=OTHER_PATH_USER,
        ),
        id="principal-arn-outside-people-path",
    ),
    pytest.param(
        Case(
            [plain_allow()],
            plain_trust(Condition={"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/*/an?"}}),
            True,
        ),
        id="arnlike-wildcards-per-segment",
    ),
    pytest.param(
        Case(
            [plain_allow()],
            plain_trust(Condition={"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/*"}}),
            False,
        ),
        id="arnnotlike",
    ),
    # IAM JSON policy elements: Condition operators, String condition operators (StringLike)
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    pytest.param(
        Case(
            [plain_allow()],
            plain_trust(Condition={"StringLike": {"sts:RoleSessionName": "a?a"}}),
            True,
        ),
        id="stringlike-question-mark",
    ),
    pytest.param(
        Case(
            [plain_allow()],
            plain_trust(Condition={"StringLike": {"sts:RoleSessionName": ["b*", "x*"]}}),
            False,
        ),
        id="stringlike-no-value-matches",
    ),
    pytest.param(
        Case(
            [plain_allow()],
            plain_trust(Condition={"StringLike": {"sts:RoleSessionName": "A*"}}),
            False,
        ),
        id="stringlike-case-sensitive",
    ),
    pytest.param(
        Case(
            [plain_allow()],
            plain_trust(Condition={"StringEqualsIgnoreCase": {"sts:RoleSessionName": "ANA"}}),
            True,
        ),
        id="stringequalsignorecase",
    ),
    # Conditions with multiple context keys or values (values OR; negated operators NOR; a
    # negated operator is true when the key is absent)
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html
    pytest.param(
        Case(
            [
                plain_allow(
                    "*",
                    Condition={"StringNotEquals": {"aws:ResourceAccount": [OTHER_TEAM, OUTSIDE]}},
                )
            ],
            plain_trust(),
            True,
        ),
        id="stringnotequals-nor-none-match",
    ),
    pytest.param(
        Case(
            [
                plain_allow(
                    "*", Condition={"StringNotEquals": {"aws:ResourceAccount": [OUTSIDE, TEAM]}}
                )
            ],
            plain_trust(),
            False,
        ),
        id="stringnotequals-nor-one-matches",
    ),
    pytest.param(
        Case(
            [plain_allow("*", Condition={"StringNotEquals": {"sts:SourceIdentity": "ana"}})],
            plain_trust(),
            True,
        ),
        id="negated-operator-true-when-key-absent",
    ),
    pytest.param(
        Case(
            [plain_allow("*", Condition={"StringEquals": {"sts:SourceIdentity": "ana"}})],
            plain_trust(),
            False,
        ),
        id="operator-false-when-key-absent",
    ),
    pytest.param(
        Case(
            [
                plain_allow(
                    "*",
                    Condition={
                        "StringEquals": {"aws:ResourceAccount": TEAM, "sts:RoleSessionName": "x"}
                    },
                )
            ],
            plain_trust(),
            False,
        ),
        id="keys-of-one-operator-and",
    ),
    # IAM policy elements: Variables and tags (${aws:username} in Resource and Condition)
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
    pytest.param(
        Case(
            [plain_allow(f"arn:aws:iam::{TEAM}:role/jumpgate/${{aws:username}}")],
            plain_trust(),
            True,
            role=role_arn(TEAM, "ana"),
        ),
        id="variable-in-resource",
    ),
    pytest.param(
        Case(
            [plain_allow(f"arn:aws:iam::{TEAM}:role/jumpgate/${{aws:username}}")],
            plain_trust(),
            False,
        ),
        id="variable-in-resource-other-name",
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_case(case: Case) -> None:
    got = can_assume_role(
        case.identity,
        case.trust,
        user_arn=case.user,
        role_arn=case.role,
        now=case.now,
        session_name=case.session_name,
        source_identity=case.source_identity,
        **_mfa(case),
    )
    assert got is case.expected


# IAM and AWS STS condition context keys; Monitor and control actions taken with assumed roles:
# each action of one AssumeRole call decided on its own.
# https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html
@pytest.mark.parametrize(
    ("action", "source_identity", "expected"),
    [
        ("sts:AssumeRole", None, True),
        ("sts:AssumeRole", "ana", True),
        ("sts:AssumeRole", "bob", False),  # identity: StringEqualsIfExists sts:SourceIdentity
        ("sts:SetSourceIdentity", "ana", True),
        ("sts:SetSourceIdentity", "bob", False),
        ("sts:SetSourceIdentity", None, False),  # trust: StringEquals needs the key
        ("sts:TagSession", None, False),  # allowed nowhere
    ],
)
def test_each_action_of_an_assume_role_call(
    action: str, source_identity: str | None, expected: bool
) -> None:
    request = assume_role_request(
        user_arn=USER,
        role_arn=ROLE,
        mfa=True,
        mfa_age_seconds=60,
        now=NOW,
        session_name="ana",
        source_identity=source_identity,
        action=action,
    )
    assert decide([FORCE_MFA, EXPLICIT], TRUST, request) is expected


# Policy evaluation for requests within a single account (identity policy alone, no
# resource-based policy): the force-MFA baseline still lets a person change the password.
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html
# AWS: Allows MFA-authenticated IAM users to manage their own credentials
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_aws_my-sec-creds-self-manage.html
@pytest.mark.parametrize(
    ("action", "resource", "mfa", "expected"),
    [
        ("iam:ChangePassword", USER, None, True),
        ("iam:ChangePassword", f"arn:aws:iam::{IDENTITY}:user/jumpgate/bob", None, False),
        ("iam:ListUsers", "*", True, False),  # never allowed
        ("iam:CreateAccessKey", USER, None, False),  # not in NotAction: denied without MFA
    ],
)
def test_same_account_identity_only(
    action: str, resource: str, mfa: bool | None, expected: bool
) -> None:
    context: dict[str, Any] = {"aws:CurrentTime": NOW}
    if mfa is not None:
        context["aws:MultiFactorAuthPresent"] = mfa
    request = {"action": action, "resource": resource, "principal": USER, "context": context}
    if resource == "*":
        with pytest.raises(OracleError):  # a request names one resource, not a pattern
            decide([FORCE_MFA], None, request)
        return
    assert decide([FORCE_MFA], None, request) is expected


def test_compact_and_explicit_forms_agree() -> None:
    """The oracle as a differential test is meant to be used: two policy forms, one universe of
    (account, role) requests, the same answers."""
    accounts = [TEAM, OTHER_TEAM, "110000000010", OUTSIDE, IDENTITY.replace("1", "2", 1)]
    granted = [TEAM, "110000000010"]
    explicit = group([role_arn(a) for a in granted])
    compact = group(f"arn:aws:iam::*:role{PATH}{ROLE_NAME}", accounts=granted)
    seen = set()
    for account in accounts:
        for name in (ROLE_NAME, "jumpgate-readonly", "other"):
            for path in (PATH, "/elsewhere/"):
                arn = role_arn(account, name, path)
                answers = {
                    can_assume_role(
                        [FORCE_MFA, form],
                        TRUST,
                        user_arn=USER,
                        role_arn=arn,
                        mfa=True,
                        mfa_age_seconds=60,
                        now=NOW,
                        session_name="ana",
                    )
                    for form in (explicit, compact)
                }
                assert len(answers) == 1, arn
                if answers == {True}:
                    seen.add(arn)
    assert seen == {role_arn(a) for a in granted}


# Everything outside the oracle's grammar raises instead of being guessed.
_OK_REQUEST = assume_role_request(
    user_arn=USER, role_arn=ROLE, mfa=True, mfa_age_seconds=1, now=NOW, session_name="ana"
)


@pytest.mark.parametrize(
    ("identity", "trust_policy", "request_", "message"),
    [
        ([deny({"Action": "*", "NotResource": ROLE})], TRUST, None, "not supported"),
        (
            [plain_allow(Condition={"ForAnyValue:StringEquals": {"aws:TagKeys": "x"}})],
            TRUST,
            None,
            "set operators",
        ),
        (
            [plain_allow(Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})],
            TRUST,
            None,
            "not supported",
        ),
        (
            [plain_allow(Condition={"NullIfExists": {"aws:TokenIssueTime": "true"}})],
            TRUST,
            None,
            "not supported",
        ),
        ([{**plain_allow(), "Version": "2008-10-17"}], TRUST, None, "Version"),
        ([{"Statement": plain_allow()["Statement"]}], TRUST, None, "Version"),
        (
            [
                plain_allow(
                    Condition={"StringEquals": {"sts:RoleSessionName": "${aws:PrincipalTag/x}"}}
                )
            ],
            plain_trust(),
            None,
            "no value",
        ),
        (
            [
                plain_allow(
                    Condition={"StringEquals": {"sts:RoleSessionName": "${aws:username, 'x'}"}}
                )
            ],
            plain_trust(),
            None,
            "form not supported",
        ),
        (
            [plain_allow(Condition={"NumericLessThan": {"aws:MultiFactorAuthAge": "${x:y}"}})],
            TRUST,
            None,
            "policy variables",
        ),
        (
            [plain_allow(Condition={"DateLessThan": {"aws:CurrentTime": "2027-01-01"}})],
            TRUST,
            None,
            "ISO 8601",
        ),
        (
            [plain_allow(Condition={"Bool": {"aws:MultiFactorAuthPresent": "yes"}})],
            TRUST,
            None,
            "Bool values",
        ),
        ([plain_allow(Principal={"AWS": USER})], TRUST, None, "identity policy statement"),
        ([EXPLICIT], plain_trust(Resource=ROLE), None, "trust policy statement"),
        ([EXPLICIT], None, None, "cross-account"),
        ([plain_allow("arn:aws:iam::*")], TRUST, None, "six colon-separated"),
        ([allow({"Action": "*:AssumeRole", "Resource": ROLE})], TRUST, None, "service:name"),
        ([allow({"Action": "sts:AssumeRole", "Resource": "*", "Sid": "x"})], TRUST, {}, "keys"),
        (
            [EXPLICIT],
            TRUST,
            {**_OK_REQUEST, "principal": role_arn(IDENTITY)},
            "IAM user ARN",
        ),
        (
            [EXPLICIT],
            TRUST,
            {**_OK_REQUEST, "context": {"sts:RoleSessionName": "ana"}},
            "aws:CurrentTime",
        ),
        (
            [EXPLICIT],
            TRUST,
            {**_OK_REQUEST, "context": {"aws:CurrentTime": NOW, "aws:username": "bob"}},
            "contradicts",
        ),
        (
            [EXPLICIT],
            TRUST,
            {**_OK_REQUEST, "context": {"aws:CurrentTime": NOW, "aws:TagKeys": ["a", "b"]}},
            "single",
        ),
        (
            [EXPLICIT],
            TRUST,
            {**_OK_REQUEST, "resource": role_arn(IDENTITY)},
            "same-account",
        ),
        (
            [EXPLICIT],
            None,
            {**_OK_REQUEST, "resource": role_arn(IDENTITY)},
            "trust policy",
        ),
    ],
)
def test_outside_the_grammar_raises(
    identity: list[dict[str, Any]],
    trust_policy: dict[str, Any] | None,
    request_: dict[str, Any] | None,
    message: str,
) -> None:
    with pytest.raises(OracleError, match=message):
        decide(identity, trust_policy, _OK_REQUEST if request_ is None else request_)


@pytest.mark.parametrize(
    ("mfa", "age"),
    [(True, None), (False, 30), (None, 30)],
)
def test_request_builder_refuses_impossible_mfa_contexts(mfa: bool | None, age: int | None) -> None:
    # AWS global condition context keys: aws:MultiFactorAuthAge exists only with MFA
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
    with pytest.raises(OracleError):
        assume_role_request(
            user_arn=USER, role_arn=ROLE, mfa=mfa, mfa_age_seconds=age, now=NOW, session_name="a"
        )


def test_long_term_keys_carry_no_mfa_keys() -> None:
    # AWS global condition context keys: aws:MultiFactorAuthPresent is not present for
    # requests signed with long-term access keys
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
    request = assume_role_request(user_arn=USER, role_arn=ROLE, mfa=None, now=NOW, session_name="a")
    assert not any("multifactor" in key.lower() for key in request["context"])
