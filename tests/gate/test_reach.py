"""reach.py: which Resource patterns name every resource of an action's type (IAM's `*` matches
`/` and `:`; partition, region and account do not narrow the judgment)."""

from __future__ import annotations

import pytest

from jumpgate.gate.checks import iamdb
from jumpgate.gate.checks.reach import can_match, covers_format, every_resource, matches, shown

OBJECT = "arn:${Partition}:s3:::${BucketName}/${ObjectName}"
FUNCTION = "arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}"


@pytest.mark.parametrize(
    ("pattern", "fmt", "expected"),
    [
        ("*", OBJECT, True),
        ("arn:*", OBJECT, True),
        ("arn:aws:*", OBJECT, True),
        ("arn:*:s3:::*/*", OBJECT, True),
        ("arn:aws:s3:::*", OBJECT, True),
        ("arn:aws:s3:::*/*", OBJECT, True),
        ("arn:aws:s3:::?*/*", OBJECT, True),
        ("arn:aws:s3:*:*:*", OBJECT, True),
        ("arn:aws-cn:s3:::*/*", OBJECT, True),
        ("arn:aws:s3:::b/*", OBJECT, False),
        ("arn:aws:s3:::b*", OBJECT, False),
        ("arn:aws:s3:::*/x*", OBJECT, False),
        ("arn:aws:s3:::*/?", OBJECT, False),
        ("arn:aws:s3:::[ab]/*", OBJECT, False),
        ("arn:aws:ec2:*:*:*", OBJECT, False),
        ("arn:aws:lambda:eu-west-1:123456789012:function:*", FUNCTION, True),
        ("arn:aws:lambda:*:*:*", FUNCTION, True),
        ("arn:aws:lambda:*:*:function*", FUNCTION, True),
        ("arn:aws:lambda:*:*:function:app-*", FUNCTION, False),
        ("arn:aws:s3:::*", FUNCTION, False),
        ("arn:*", "not an arn format", False),
    ],
)
def test_covers_format(pattern: str, fmt: str, expected: bool) -> None:
    assert covers_format(pattern, fmt) is expected


def test_matching_is_iams_not_fnmatch() -> None:
    assert matches("arn:aws:s3:::b/*", "arn:aws:s3:::b/x/y:z")
    assert matches("arn:aws:s3:::?", "arn:aws:s3:::x")
    assert not matches("arn:aws:s3:::?", "arn:aws:s3:::xy")
    assert not matches("arn:aws:s3:::[ab]", "arn:aws:s3:::a")
    assert matches("arn:aws:s3:::[ab]", "arn:aws:s3:::[ab]")
    assert not matches("arn:aws:s3:::B", "arn:aws:s3:::b")


def test_every_resource() -> None:
    put = iamdb.lookup("s3:PutObject")
    assert put is not None
    assert every_resource(["arn:aws:s3:::b/*", "arn:aws:s3:::*", "*"], put) == "arn:aws:s3:::*"
    assert every_resource(["arn:aws:s3:::b/*"], put) is None
    assert every_resource([], put) is None
    assert every_resource(["arn:aws:s3:::b/*", "*"], put) == "*"
    # an action without resource types takes "*" only
    listing = iamdb.lookup("s3:ListAllMyBuckets")
    assert listing is not None and not listing.resource_level
    assert every_resource(["arn:*"], listing) is None
    assert every_resource(["*"], listing) == "*"


def test_can_match_and_shown() -> None:
    assert can_match("arn:*", OBJECT)
    assert can_match("arn:aws:s3:::b/k", OBJECT)
    assert not can_match("arn:aws:s3:::b", OBJECT)
    assert shown("*") == 'Resource "*"'
    assert shown("arn:*") == "'arn:*'"
