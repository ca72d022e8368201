"""The access model's IAM evaluator, case by case, each from the AWS documentation:
"Policy evaluation logic", "IAM JSON policy elements: Condition operators" (IfExists, Null,
policy variables), "NotAction", "NotResource", "Principal" (IAM User Guide)."""

from __future__ import annotations

from typing import Any

import pytest

from jumpgate.report.iam_eval import (
    ALLOW,
    DENY,
    IMPLICIT,
    Unsupported,
    decide,
    decide_prepared,
    prepare,
    shared_part,
    wildcard_match,
)

ROLE = "arn:aws:iam::222222222222:role/jumpgate/jumpgate-admin"
CONTEXT = {
    "aws:username": "alice",
    "aws:principalarn": "arn:aws:iam::111111111111:user/jumpgate/alice",
    "aws:multifactorauthpresent": "true",
    "aws:multifactorauthage": "120",
    "aws:currenttime": "2026-11-29T12:00:00Z",
    "aws:resourceaccount": "222222222222",
    "sts:sourceidentity": "alice",
    "sts:rolesessionname": "alice",
}


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(**extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": ROLE, **extra}


def verdict(*statements: dict[str, Any], context: dict[str, str] | None = None) -> str:
    return decide([policy(*statements)], "sts:AssumeRole", ROLE, context or CONTEXT)


@pytest.mark.parametrize(
    ("pattern", "value", "insensitive", "expected"),
    [
        ("arn:aws:iam::*:role/*", "arn:aws:iam::1:role/a/b", False, True),  # * spans '/'
        ("arn:aws:iam::?:role/x", "arn:aws:iam::12:role/x", False, False),  # ? is one character
        ("ROLE", "role", False, False),  # resources: case-sensitive
        ("STS:AssumeRole", "sts:assumerole", True, True),  # actions: case-insensitive
        ("a.b", "axb", False, False),  # '.' is literal, not a regex
        ("exact", "exact", False, True),
        ("exact", "exactly", False, False),
    ],
)
def test_wildcards(pattern: str, value: str, insensitive: bool, expected: bool) -> None:
    assert wildcard_match(pattern, value, case_insensitive=insensitive) is expected


def test_allow_deny_and_nothing() -> None:
    assert verdict(allow()) == ALLOW
    assert verdict(allow(), {**allow(), "Effect": "Deny"}) == DENY  # an explicit Deny wins
    assert verdict({**allow(), "Resource": "arn:aws:iam::*:role/other"}) == IMPLICIT
    assert decide([], "sts:AssumeRole", ROLE, CONTEXT) == IMPLICIT


def test_not_action_and_not_resource() -> None:
    assert verdict({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}) == ALLOW
    assert verdict({"Effect": "Allow", "NotAction": "sts:*", "Resource": "*"}) == IMPLICIT
    assert verdict({"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::*"}) == ALLOW
    assert verdict({"Effect": "Allow", "Action": "*", "NotResource": ROLE}) == IMPLICIT


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"Bool": {"aws:MultiFactorAuthPresent": "true"}}, ALLOW),
        ({"Bool": {"aws:MultiFactorAuthPresent": True}}, ALLOW),  # JSON booleans are values too
        ({"Bool": {"aws:MultiFactorAuthPresent": "false"}}, IMPLICIT),
        ({"Bool": {"aws:ViaAWSService": "true"}}, IMPLICIT),  # absent key: the operator fails
        ({"BoolIfExists": {"aws:ViaAWSService": "true"}}, ALLOW),  # ...unless IfExists
        ({"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}, IMPLICIT),  # present: tested
        ({"StringEquals": {"sts:RoleSessionName": "${aws:username}"}}, ALLOW),
        ({"StringEquals": {"sts:RoleSessionName": "bob"}}, IMPLICIT),
        ({"StringEquals": {"sts:RoleSessionName": ["bob", "alice"]}}, ALLOW),  # values: OR
        ({"StringEquals": {"sts:RoleSessionName": "${aws:userid}"}}, IMPLICIT),  # no variable
        ({"StringEqualsIfExists": {"sts:ExternalId": "x"}}, ALLOW),
        ({"StringLike": {"aws:PrincipalArn": "arn:aws:iam::111111111111:user/jumpgate/*"}}, ALLOW),
        ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111111111111:user/other/*"}}, IMPLICIT),
        ({"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}, ALLOW),
        ({"NumericLessThan": {"aws:MultiFactorAuthAge": 120}}, IMPLICIT),  # 120 < 120: no
        ({"NumericLessThan": {"aws:MultiFactorAuthAge": 121}}, ALLOW),
        ({"DateLessThan": {"aws:CurrentTime": "2026-12-01T00:00:00Z"}}, ALLOW),
        ({"DateLessThan": {"aws:CurrentTime": "2026-11-29T12:00:00Z"}}, IMPLICIT),  # not before
        ({"Null": {"sts:SourceIdentity": "true"}}, IMPLICIT),  # it is present
        ({"Null": {"sts:SourceIdentity": "false"}}, ALLOW),
        ({"Null": {"sts:ExternalId": "true"}}, ALLOW),  # absent
        ({"Null": {"sts:ExternalId": "false"}}, IMPLICIT),
        # operators AND, keys AND
        (
            {
                "Bool": {"aws:MultiFactorAuthPresent": "true"},
                "StringEquals": {"sts:SourceIdentity": "bob"},
            },
            IMPLICIT,
        ),
        (
            {
                "StringEquals": {
                    "sts:SourceIdentity": "alice",
                    "sts:RoleSessionName": "bob",
                }
            },
            IMPLICIT,
        ),
        ({"StringEquals": {"aws:ResourceAccount": ["333333333333", "222222222222"]}}, ALLOW),
    ],
)
def test_conditions(condition: dict[str, Any], expected: str) -> None:
    assert verdict(allow(Condition=condition)) == expected


@pytest.mark.parametrize(
    ("principal", "expected"),
    [
        ({"AWS": "arn:aws:iam::111111111111:root"}, ALLOW),
        ({"AWS": "111111111111"}, ALLOW),  # the account, written as its id
        ({"AWS": ["arn:aws:iam::333333333333:root"]}, IMPLICIT),
        ({"AWS": "arn:aws:iam::111111111111:user/jumpgate/alice"}, ALLOW),  # the caller's ARN
        ({"AWS": "arn:aws:iam::111111111111:user/jumpgate/bob"}, IMPLICIT),
        ("*", ALLOW),
        ({"AWS": "*"}, ALLOW),
    ],
)
def test_trust_principals(principal: Any, expected: str) -> None:
    trust = policy({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"})
    found = decide([trust], "sts:AssumeRole", ROLE, CONTEXT, principal_account="111111111111")
    assert found == expected


@pytest.mark.parametrize(
    "statement",
    [
        {**allow(), "Effect": "Maybe"},
        {"Effect": "Allow", "Resource": ROLE},  # no Action nor NotAction
        {"Effect": "Allow", "Action": "sts:AssumeRole"},  # identity statement without Resource
        {**allow(), "Extra": 1},
        allow(Condition={"StringEqualz": {"aws:username": "x"}}),
        allow(Condition={"StringEquals": ["not", "a", "map"]}),
        allow(Condition=["not a map"]),
        allow(Condition={"StringEquals": {"aws:username": {"a": "dict"}}}),
        {**allow(), "Action": 7},
    ],
)
def test_what_it_does_not_understand_it_refuses(statement: dict[str, Any]) -> None:
    with pytest.raises(Unsupported):
        verdict(statement)


def test_principal_forms_it_does_not_understand_are_refused() -> None:
    for principal in ({"Service": "ec2.amazonaws.com"}, {"AWS": "somebody"}):
        trust = policy({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"})
        with pytest.raises(Unsupported):
            decide([trust], "sts:AssumeRole", ROLE, CONTEXT, principal_account="1")


def test_a_statement_object_not_in_a_list() -> None:
    one = {"Version": "2012-10-17", "Statement": allow()}
    assert decide([one], "sts:AssumeRole", ROLE, CONTEXT) == ALLOW


def test_prepared_once_answers_each_caller() -> None:
    """The shared part is applied once; what depends on the caller is checked per caller."""
    document = policy(allow(Condition={"StringEquals": {"sts:SourceIdentity": "${aws:username}"}}))
    prepared = prepare([document], "sts:AssumeRole", ROLE, shared_part(CONTEXT))
    assert shared_part(CONTEXT).keys().isdisjoint({"aws:username", "sts:sourceidentity"})
    assert decide_prepared(prepared, CONTEXT) == ALLOW
    bob = {**CONTEXT, "aws:username": "bob", "sts:sourceidentity": "alice"}
    assert decide_prepared(prepared, bob) == IMPLICIT
    late = {**CONTEXT, "aws:currenttime": "2027-01-02T00:00:00Z"}
    expiring = policy(
        allow(Condition={"DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}})
    )
    assert prepare([expiring], "sts:AssumeRole", ROLE, shared_part(late)) == ()


@pytest.mark.parametrize(
    ("field", "pattern", "context", "expected"),
    [
        # a policy variable in Resource is replaced per caller (IAM User Guide: policy variables)
        ("Resource", "arn:aws:iam::222222222222:role/jumpgate/${aws:username}", None, IMPLICIT),
        (
            "Resource",
            "arn:aws:iam::*:role/jumpgate/jumpgate-${aws:username}",
            {"aws:username": "admin"},
            ALLOW,
        ),
        (
            "Resource",
            "arn:aws:iam::*:role/jumpgate/jumpgate-${aws:username}",
            {"aws:username": "bob"},
            IMPLICIT,
        ),
        ("Resource", "arn:aws:iam::*:role/jumpgate/jumpgate-${aws:userid}", {}, IMPLICIT),  # absent
        (
            "NotResource",
            "arn:aws:iam::*:role/jumpgate/jumpgate-${aws:username}",
            {"aws:username": "admin"},
            IMPLICIT,
        ),
        (
            "NotResource",
            "arn:aws:iam::*:role/jumpgate/jumpgate-${aws:username}",
            {"aws:username": "bob"},
            ALLOW,
        ),
        ("NotResource", ["arn:aws:s3:::*", ROLE], None, IMPLICIT),
        ("Resource", ["arn:aws:s3:::*", ROLE], None, ALLOW),
    ],
)
def test_resources_with_variables_and_lists(
    field: str, pattern: Any, context: dict[str, str] | None, expected: str
) -> None:
    statement = {"Effect": "Allow", "Action": "sts:AssumeRole", field: pattern}
    caller = {**CONTEXT, **(context or {})}
    if context == {}:
        caller.pop("aws:userid", None)
    assert verdict(statement, context=caller) == expected
    prepared = prepare([policy(statement)], "sts:AssumeRole", ROLE, shared_part(caller))
    assert decide_prepared(prepared, caller) == expected  # prepared once, the same answer


def test_an_action_list_and_a_wildcard_action() -> None:
    assert verdict({**allow(), "Action": ["s3:GetObject", "sts:Assume*"]}) == ALLOW
    assert verdict({**allow(), "Action": ["s3:GetObject", "sts:AssumeRoleWith*"]}) == IMPLICIT
    assert verdict({**allow(), "Action": "STS:ASSUMEROLE"}) == ALLOW  # case-insensitive
    assert verdict({"Effect": "Allow", "NotAction": ["s3:*", "iam:*"], "Resource": "*"}) == ALLOW


TAGGED = {**CONTEXT, "aws:principaltag/jumpgate:strict-groups": ":a1b2c3d4:e5f6a7b8:"}


@pytest.mark.parametrize(
    ("patterns", "context", "expected"),
    [
        (["*:e5f6a7b8:*"], TAGGED, ALLOW),
        (["*:00000000:*", "*:a1b2c3d4:*"], TAGGED, ALLOW),  # a list of values is OR
        (["*:00000000:*"], TAGGED, IMPLICIT),
        (["*:a1b2c3d4:*"], CONTEXT, IMPLICIT),  # no tag: StringLike fails on an absent key
    ],
)
def test_principal_tag_string_like(
    patterns: list[str], context: dict[str, str], expected: str
) -> None:
    """aws:PrincipalTag/<key> (IAM User Guide, "AWS global condition context keys")."""
    condition = {"StringLike": {"aws:PrincipalTag/jumpgate:strict-groups": patterns}}
    assert decide([policy(allow(Condition=condition))], "sts:AssumeRole", ROLE, context) == expected


def test_principal_tags_are_personal_not_shared() -> None:
    """Prepared once for one caller, checked for another: a tag never leaks between callers."""
    condition = {"StringLike": {"aws:PrincipalTag/jumpgate:strict-groups": "*:a1b2c3d4:*"}}
    assert "aws:principaltag/jumpgate:strict-groups" not in shared_part(TAGGED)
    prepared = prepare([policy(allow(Condition=condition))], "sts:AssumeRole", ROLE, TAGGED)
    assert decide_prepared(prepared, TAGGED) == ALLOW
    assert decide_prepared(prepared, CONTEXT) == IMPLICIT


DENY_TAG_KEY = {
    "Effect": "Deny",
    "Action": "iam:TagUser",
    "Resource": "*",
    "Condition": {"ForAnyValue:StringEqualsIgnoreCase": {"aws:TagKeys": "jumpgate:strict-groups"}},
}


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        (("jumpgate:name", "JumpGate:Strict-Groups"), DENY),  # any value, any case
        (("jumpgate:strict-groups",), DENY),
        (("jumpgate:name",), ALLOW),
        ((), ALLOW),  # ForAnyValue over no keys: false
        (None, ALLOW),  # the key absent: false
    ],
)
def test_for_any_value_string_equals_ignore_case(
    keys: tuple[str, ...] | None, expected: str
) -> None:
    """ "Set operators for multivalued context keys" (IAM User Guide)."""
    everything = {"Effect": "Allow", "Action": "iam:*", "Resource": "*"}
    context = {} if keys is None else {"aws:tagkeys": keys}
    found = decide([policy(everything, DENY_TAG_KEY)], "iam:TagUser", "arn:x", context)
    assert found == expected


@pytest.mark.parametrize(
    ("keys", "expected"),
    [(("a", "b"), ALLOW), (("a", "c"), IMPLICIT), ((), ALLOW), (None, ALLOW)],
)
def test_for_all_values(keys: tuple[str, ...] | None, expected: str) -> None:
    """ForAllValues: every request value matches one policy value; true when absent."""
    statement = {
        "Effect": "Allow",
        "Action": "iam:TagUser",
        "Resource": "*",
        "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}},
    }
    context = {} if keys is None else {"aws:tagkeys": keys}
    assert decide([policy(statement)], "iam:TagUser", "arn:x", context) == expected


def test_a_multivalued_key_needs_a_set_operator() -> None:
    statement = {
        "Effect": "Allow",
        "Action": "iam:TagUser",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:TagKeys": "a"}},
    }
    with pytest.raises(Unsupported, match="multivalued key aws:tagkeys"):
        decide([policy(statement)], "iam:TagUser", "arn:x", {"aws:tagkeys": ("a",)})
    unknown = {**statement, "Condition": {"ForSomeValues:StringEquals": {"aws:TagKeys": "a"}}}
    with pytest.raises(Unsupported, match="ForSomeValues"):
        decide([policy(unknown)], "iam:TagUser", "arn:x", {"aws:tagkeys": ("a",)})


# --- what mutation testing showed untested (docs/mutation.md) --------------------------------


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ({"Effect": "Allow", "Resource": ROLE}, "a statement without Action or NotAction"),
        (
            {"Effect": "Allow", "Action": "sts:AssumeRole"},
            "an identity statement without Resource or NotResource",
        ),
        (allow(Condition="aws:username"), "Condition is not a map"),
        (allow(Condition={"StringEquals": "alice"}), "condition StringEquals is not a map of keys"),
        (
            allow(Condition={"StringEqualz": {"aws:username": "alice"}}),
            "condition operator 'StringEqualz'",
        ),
        (allow(Action=3), "expected a string or a list of strings, got 3"),
        (allow(Effect="Maybe"), "Effect 'Maybe'"),
        (allow(Foo=1), "statement elements ['Foo']"),
        (
            allow(Principal={"Service": "ec2.amazonaws.com"}),
            "principal {'Service': 'ec2.amazonaws.com'}",
        ),
        (allow(Principal={"AWS": "alice"}), "principal 'alice'"),
    ],
)
def test_what_it_cannot_judge_is_named_exactly(statement: dict[str, Any], message: str) -> None:
    """Unsupported is never a silent verdict: the caller reports exactly what was not judged."""
    with pytest.raises(Unsupported) as raised:
        verdict(statement)
    assert str(raised.value) == message


def test_wildcard_match_is_case_sensitive_unless_asked() -> None:
    assert wildcard_match("ROLE", "role") is False  # the default: resources and ARNs
    assert wildcard_match("arn:aws:iam::1:role/?", "arn:aws:iam::1:role/a") is True  # '?' alone
    assert wildcard_match("arn:aws:iam::1:role/?", "arn:aws:iam::1:role/ab") is False


def test_an_absent_policy_variable_matches_nothing_even_before_a_wildcard() -> None:
    """A variable absent from the request makes its Resource match nothing (it is not the
    empty string: `…/${aws:username}*` would then match every name)."""
    bucket = "arn:aws:s3:::home/bob"
    stmt = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::home/${aws:username}*",
    }
    assert decide([policy(stmt)], "s3:GetObject", bucket, {"aws:username": "bob"}) == ALLOW
    assert decide([policy(stmt)], "s3:GetObject", bucket, {}) == IMPLICIT
    cond = allow(Condition={"StringLike": {"sts:rolesessionname": "${aws:username}*"}})
    assert verdict(cond) == ALLOW
    assert verdict(cond, context={k: v for k, v in CONTEXT.items() if k != "aws:username"}) == (
        IMPLICIT
    )


@pytest.mark.parametrize(
    ("written", "present", "expected"),
    [
        (True, "true", ALLOW),
        (True, "false", IMPLICIT),
        (False, "false", ALLOW),
    ],
)
def test_json_booleans_in_conditions(written: bool, present: str, expected: str) -> None:
    """`"Bool": {"aws:MultiFactorAuthPresent": true}` — a JSON boolean, as AWS's examples
    write it — compares as the string IAM sees."""
    cond = allow(Condition={"Bool": {"aws:MultiFactorAuthPresent": written}})
    assert verdict(cond, context={**CONTEXT, "aws:multifactorauthpresent": present}) == expected


def test_a_trust_naming_the_account_admits_its_principals_only() -> None:
    """`"AWS": "<account id>"` in a trust means that account's principals (whose own
    policies then decide), not anyone's."""
    trust = {
        "Effect": "Allow",
        "Principal": {"AWS": "111111111111"},
        "Action": "sts:AssumeRole",
    }
    ours = decide(
        [policy(trust)], "sts:AssumeRole", ROLE, CONTEXT, principal_account="111111111111"
    )
    theirs = decide(
        [policy(trust)], "sts:AssumeRole", ROLE, CONTEXT, principal_account="333333333333"
    )
    assert (ours, theirs) == (ALLOW, IMPLICIT)
    assert decide([policy(trust)], "sts:AssumeRole", ROLE, CONTEXT) == IMPLICIT


def test_a_tag_variable_is_a_variable() -> None:
    """`${aws:PrincipalTag/key}` holds a "/" (and a tag key may hold `. = + @` and spaces):
    it is substituted, not matched as text."""
    team = "arn:aws:s3:::teams/crm"
    stmt = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::teams/${aws:PrincipalTag/cost center.team}",
    }
    tags = {"aws:principaltag/cost center.team": "crm"}
    assert decide([policy(stmt)], "s3:GetObject", team, tags) == ALLOW
    assert decide([policy(stmt)], "s3:GetObject", team, {}) == IMPLICIT
    literal = "arn:aws:s3:::teams/${aws:PrincipalTag/cost center.team}"
    assert decide([policy(stmt)], "s3:GetObject", literal, tags) == IMPLICIT
