"""Each per-policy rule about names, resources, size and grammar called directly on
hand-written documents: the exact findings (rule, path, message, hint). Helpers:
rule_targets.py; the rules about actions: test_rule_units.py."""

from __future__ import annotations

import pytest
from rule_targets import IDENTITY, allow, at, context, deny, found, target

from jumpgate.gate.checks import r_grammar, r_resource_type, r_size, r_star_write, r_unknown
from jumpgate.gate.checks.base import CUSTOM, GROUP, TRUST, Target

# --- E701 / E702: unknown services and actions


def test_unknown_services_and_actions() -> None:
    actions = [
        "*",
        "*:*",
        3,
        "s3",
        "s3:",
        "s3x:GetObject",
        "s3:Zzz*",
        "s3:Get*",
        "*:GetObject",
        "s3:GetObjekt",
        "s3:GetObject",
        "s3:Zzzzzz",
        "s?:GetObject",
        "zzz*:Get",
        "S3:GETOBJECT",
        "s4:getobject",
        "s3:Get:Object",  # the service is what comes before the first colon
        "Xs3:GetObject",
        "s3:GetObjectX",
    ]
    statements = (allow(actions), {"Effect": "Deny", "NotAction": "s3:GetObjekt"})
    assert found(r_unknown, target(CUSTOM, *statements)) == [
        ("E702", at(0, "Action", 3), "'s3' is not service:action", None, False),
        ("E702", at(0, "Action", 4), "'s3:' is not service:action", None, False),
        (
            "E701",
            at(0, "Action", 5),
            "unknown service 's3x' in 's3x:GetObject'",
            "did you mean s3:GetObject?",
            False,
        ),
        ("E702", at(0, "Action", 6), "'s3:Zzz*' matches no action", None, False),
        (
            "E702",
            at(0, "Action", 9),
            "unknown action 's3:GetObjekt'",
            "did you mean s3:GetObject?",
            False,
        ),
        ("E702", at(0, "Action", 11), "unknown action 's3:Zzzzzz'", None, False),
        ("E702", at(0, "Action", 13), "'zzz*:Get' matches no action", None, False),
        ("E701", at(0, "Action", 15), "unknown service 's4' in 's4:getobject'", None, False),
        (
            "E702",
            at(0, "Action", 16),
            "unknown action 's3:Get:Object'",
            "did you mean s3:GetObject?",
            False,
        ),
        (
            "E701",
            at(0, "Action", 17),
            "unknown service 'Xs3' in 'Xs3:GetObject'",
            "did you mean s3:GetObject?",
            False,
        ),
        (
            "E702",
            at(0, "Action", 18),
            "unknown action 's3:GetObjectX'",
            "did you mean s3:GetObject?",
            False,
        ),
        (
            "E702",
            at(1, "NotAction", 0),
            "unknown action 's3:GetObjekt'",
            "did you mean s3:GetObject?",
            False,
        ),
    ]


# --- W703: actions the statement's resources cannot grant

NONE_HINT = "name a resource of the action's type, or split the statement"
OBJECT_KINDS = "${BucketName}/${ObjectName}, accesspoint/${AccessPointName}/object/${ObjectName}"


def test_actions_that_match_none_of_the_resources() -> None:
    bucket = "arn:aws:s3:::bucket"
    statements = (  # what W703 skips comes first: skipping must not end the check
        allow("s3:ListAllMyBuckets", ["arn:aws:s3:::b", "*"]),
        allow("s3:ListAllMyBuckets", []),
        {"Effect": "Allow", "NotAction": "s3:ListAllMyBuckets", "Resource": bucket},
        {"Effect": "Allow", "Action": "s3:ListAllMyBuckets"},
        allow("s3:GetObject", ["arn:aws:s3:::bucket/*"]),
        deny("s3:GetObject", [bucket, "arn:aws:s3:::bucket/*"]),
        allow(
            [
                "s3:GetObject",
                "s3:ListAllMyBuckets",
                "s3:Get*",
                "s3:Zzz",  # unknown: E702's
                "s3:PutObject",
                "account:getprimaryemailupdatestatus",  # cfn-lint's only: no resource data
                "s3:ListBucket",
            ],
            [bucket],
        ),
    )
    assert found(r_resource_type, target(CUSTOM, *statements)) == [
        (
            "W703",
            at(6, "Action", 0),
            f"s3:GetObject applies to none of this statement's resources (it takes {OBJECT_KINDS})",
            NONE_HINT,
            False,
        ),
        (
            "W703",
            at(6, "Action", 1),
            "s3:ListAllMyBuckets cannot be limited to resources; this statement grants it "
            'nothing (it needs Resource "*")',
            'move the action to a statement with Resource: "*"',
            False,
        ),
        (
            "W703",
            at(6, "Action", 4),
            f"s3:PutObject applies to none of this statement's resources (it takes {OBJECT_KINDS})",
            NONE_HINT,
            False,
        ),
    ]


def test_a_deny_of_the_wrong_resource_type_is_w703_too() -> None:
    """A Deny that names the wrong type protects nothing: the same mistake as an Allow."""
    statement = deny("s3:GetObject", "arn:aws:s3:::bucket")
    assert [h[:2] for h in found(r_resource_type, target(CUSTOM, statement))] == [
        ("W703", at(0, "Action", 0))
    ]


# --- E708 / W709: writes on every resource

WRITE_HINT = "name the resources (ARNs) the actions may change"


def test_writes_on_every_resource() -> None:
    every = ["arn:aws:s3:::b/x", "arn:aws:s3:::*", "*"]
    statements = (
        allow(["s3:GetObject", "s3:PutObject*", "*", "s3:CreateAccessGrant*"], every),
        deny("s3:PutObject"),
        allow("s3:PutObject", "arn:aws:s3:::b/*"),
        allow("s3:PutObject", "arn:aws:s3:::b?/x"),
        allow(["s3:ListAllMyBuckets", "s3:DeleteBucket*"], "*"),
        allow("iam:PassRole", ["arn:aws:iam::107000000007:role/app", "arn:aws:iam::*:role/*"]),
    )
    assert found(r_star_write, target(CUSTOM, *statements)) == [
        (
            "E708",
            at(0, "Action", 1),
            "'s3:PutObject*' changes every resource on 'arn:aws:s3:::*' (s3:PutObject, "
            "s3:PutObjectAcl, s3:PutObjectLegalHold and 2 more)",
            WRITE_HINT,
            False,
        ),
        (
            "E708",
            at(0, "Action", 3),
            "'s3:CreateAccessGrant*' changes every resource on 'arn:aws:s3:::*' "
            "(s3:CreateAccessGrant, s3:CreateAccessGrantsInstance, s3:CreateAccessGrantsLocation)",
            WRITE_HINT,
            False,
        ),
        (
            "E708",
            at(4, "Action", 1),
            "'s3:DeleteBucket*' changes every resource on Resource \"*\" (s3:DeleteBucket, "
            "s3:DeleteBucketMetadataTableConfiguration, s3:DeleteBucketPolicy and 1 more)",
            WRITE_HINT,
            False,
        ),
        (
            "E708",
            at(5, "Action", 0),
            "'iam:PassRole' changes every resource on 'arn:aws:iam::*:role/*' (iam:PassRole)",
            WRITE_HINT,
            False,
        ),
    ]
    lax = found(r_star_write, target(CUSTOM, *statements, strict=False))
    assert [rule for rule, *_ in lax] == ["W709"] * 4


# --- W724: close to the size limit


def sized(kind: str, size: int) -> Target:
    """A document of exactly `size` bytes as r_size measures it (compact JSON)."""
    tgt = target(kind, {"Sid": ""})
    tgt.document["Statement"][0]["Sid"] = "x" * (
        size - len('{"Version":"2012-10-17","Statement":[{"Sid":""}]}')
    )
    return tgt


@pytest.mark.parametrize(
    ("kind", "name", "cap", "warned", "quiet"),
    [
        (CUSTOM, "cfn_parameter_value_bytes", 4096, (3687, 4096), (3686, 4097)),
        (GROUP, "group_inline_policy_chars", 5120, (4609, 5120), (4608, 5121)),
        (TRUST, "role_trust_policy_chars", 2048, (1844, 2048), (1843, 2049)),
    ],
)
def test_close_to_the_size_limit(
    kind: str, name: str, cap: int, warned: tuple[int, int], quiet: tuple[int, int]
) -> None:
    for size in warned:
        path = ("policy",) if kind == CUSTOM else ()
        message = f"{kind} crm/exports is {size:,} of {cap:,} allowed ({name})"
        hint = "split the policy before it reaches the limit"
        tgt = sized(kind, size)
        assert found(r_size, tgt) == [("W724", path, message, hint, False)]
        assert [h.source for h in r_size.check_policy(tgt, context())] == [tgt.source]
    for size in quiet:
        assert found(r_size, sized(kind, size)) == []


# --- E726: what IAM would refuse


def test_grammar_findings_point_at_the_key_or_the_value() -> None:
    statements = (
        allow("s3:GetObject", Bogus=1),
        allow("s3:GetObject", Condition={"NumericLessThan": {"s3:max-keys": [[10]]}}),
        allow("s3:GetObject", Condition={"StringEqual": {"aws:PrincipalTag/team": "crm"}}),
        {**allow("s3:GetObject"), "NotAction": "s3:PutObject"},
        allow("s3:GetObject", Condition={"StringEquals": {"": "x"}}),
        allow("s3:GetObject", Principal={"AWS": "*"}),
    )
    got = [
        (path, message, key)
        for _, path, message, _, key in found(r_grammar, target(CUSTOM, *statements))
    ]
    assert got == [
        (at(0, "Bogus"), "unknown statement element 'Bogus' [unknown-key]", True),
        (
            (*at(1, "Condition"), "NumericLessThan", "s3:max-keys", 0),
            "NumericLessThan value for s3:max-keys is a list [10]: a condition value is a string, "
            "number or boolean (or a list of them) [bad-condition-value]",
            False,
        ),
        (
            (*at(2, "Condition"), "StringEqual"),
            "unknown condition operator 'StringEqual' [unknown-operator]",
            True,
        ),
        (at(3, "NotAction"), "statement has both Action and NotAction [conflicting-keys]", True),
        (
            (*at(4, "Condition"), "StringEquals", ""),
            "condition key '' is not prefix:name [bad-condition-key]",
            True,
        ),
        (
            at(5, "Principal"),
            "Principal is not allowed in an identity policy [prohibited-key]",
            True,
        ),
    ]
    tgt = target(CUSTOM, statements[0])
    hits = list(r_grammar.check_policy(tgt, context()))
    assert [(h.hint, h.source) for h in hits] == [("remove it", tgt.source)]


def test_a_trust_policy_is_read_as_one() -> None:
    statement = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": IDENTITY}}
    assert found(r_grammar, target(TRUST, statement)) == []
    assert found(r_grammar, target(TRUST, {**statement, "Resource": "*"})) == [
        (
            "E726",
            (),
            "Resource is not allowed in a trust policy [prohibited-key] (trust policy crm/exports)",
            "remove Resource: a trust policy applies to its role",
            True,
        )
    ]


def test_the_kinds_an_action_takes_are_the_resource_parts_of_its_formats() -> None:
    """A resource part may hold a colon (`function:${FunctionName}`); names may hold an X."""
    statement = allow(["lambda:InvokeFunction", "waf:GetXssMatchSet"], "arn:aws:s3:::bucket/*")
    assert [message for _, _, message, *_ in found(r_resource_type, target(CUSTOM, statement))] == [
        "lambda:InvokeFunction applies to none of this statement's resources (it takes "
        "function:${FunctionName})",
        "waf:GetXssMatchSet applies to none of this statement's resources (it takes "
        "xssmatchset/${Id})",
    ]


def test_the_first_listed_resource_that_names_every_resource_is_shown() -> None:
    """`s3:Put*`'s bucket actions are on every resource only through the `*` listed second;
    the finding shows the first listed pattern and the actions it names every resource of."""
    statement = allow("s3:Put*", ["arn:aws:s3:::*/*", "*"])
    assert [message for _, _, message, *_ in found(r_star_write, target(CUSTOM, statement))] == [
        "'s3:Put*' changes every resource on 'arn:aws:s3:::*/*' "
        "(s3:PutAccessGrantsInstanceResourcePolicy, s3:PutAccessPointPolicy, "
        "s3:PutMultiRegionAccessPointPolicy and 5 more)"
    ]
