"""gate/checks/base.py: how the rules read a policy (statements, actions, resources,
conditions, action patterns) and where their findings point."""

from __future__ import annotations

import pytest
from rule_targets import context, target

from jumpgate.gate.checks.base import (
    CUSTOM,
    GROUP,
    TRUST,
    Hit,
    Statement,
    as_list,
    covers,
    first_covering,
    statements,
)


def test_as_list() -> None:
    value = ["a"]
    assert as_list(None) == [] and as_list("a") == ["a"] and as_list(("a",)) == [("a",)]
    assert as_list(value) == ["a"] and as_list(value) is not value
    assert as_list(0) == [0] and as_list("") == [""]


def test_statements_of_a_document() -> None:
    one = {"Effect": "Allow", "Action": "s3:GetObject"}
    assert list(statements({"Statement": one})) == [Statement(0, one)]
    assert list(statements({"Statement": ["x", one, None, one]})) == [
        Statement(1, one),
        Statement(3, one),
    ]
    assert list(statements({})) == []


@pytest.mark.parametrize(
    ("data", "allow", "actions", "resources", "condition", "field"),
    [
        ({"Effect": "Allow", "Action": "a:b", "Resource": "r"}, True, ["a:b"], ["r"], {}, "Action"),
        (
            {"Effect": "Deny", "Action": ["a:b", 1, "c:d"], "Resource": [None, "r"]},
            False,
            ["a:b", "c:d"],
            ["r"],
            {},
            "Action",
        ),
        ({"Effect": "allow", "NotAction": "a:b", "Condition": "x"}, False, [], [], {}, "NotAction"),
        ({"Condition": {"Bool": {"k": "v"}}}, False, [], [], {"Bool": {"k": "v"}}, "NotAction"),
    ],
)
def test_what_a_statement_says(
    data: dict[str, object],
    allow: bool,
    actions: list[str],
    resources: list[str],
    condition: dict[str, object],
    field: str,
) -> None:
    st = Statement(0, data)
    assert (st.allow, st.actions, st.resources, st.condition) == (
        allow,
        actions,
        resources,
        condition,
    )
    assert st.action_field() == field


def test_action_patterns_match_case_insensitively() -> None:
    assert covers("sts:Assume*", "STS:AssumeRole") and covers("*", "s3:GetObject")
    assert covers("s3:get?bject", "s3:GetObject") and not covers("s3:Get", "s3:GetObject")
    assert first_covering(["s3:Put*", "S3:GET*", "s3:*"], "s3:GetObject") == 1
    assert first_covering(["s3:Put*"], "s3:GetObject") is None
    assert first_covering(["s3:*"], "s3:GetObject") == 0


def test_where_a_finding_points() -> None:
    custom = target(CUSTOM)
    assert custom.at("Statement", 0) == ("policy", "Statement", 0)
    assert (custom.pick("E1", "W1"), target(CUSTOM, strict=False).pick("E1", "W1")) == (
        "E1",
        "W1",
    )
    hit = custom.hit("E704", "m", "Statement", 1, hint="h")
    assert hit == Hit("E704", custom.source, ("policy", "Statement", 1), "m", "h", False)
    assert hit.full_path == (*custom.source.path, "policy", "Statement", 1)
    group, trust = target(GROUP), target(TRUST)
    assert group.at("Statement", 0) == ()
    assert group.hit("E716", "m", "Statement") == Hit(
        "E716", group.source, (), "m (group policy crm/exports)", None, False
    )
    assert trust.hit("E718", "m").key and trust.hit("E718", "m").message.endswith("crm/exports)")


def test_the_context_of_the_example() -> None:
    ctx = context()
    assert ctx.strict_envs() == {"prod"}
    assert ctx.account_ids == frozenset(a.id for a in ctx.org.accounts.values())
    assert "100000000001" in ctx.account_ids and len(ctx.account_ids) == 14
