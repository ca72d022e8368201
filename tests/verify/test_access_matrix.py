"""verify's access matrix (person → account → levels, read from the deployed group policies)
without the emulator: as deployed, and for policies drifted into shapes jumpgate never writes."""

from __future__ import annotations

from typing import Any

from test_compare import ID

from jumpgate.generate.expansion import Expansion
from jumpgate.model.organization import Organization
from jumpgate.verify.drift import GROUP_POLICY_NAME, Observed, access_matrix


def test_the_access_matrix(
    example_org: tuple[Organization, Expansion], state: dict[str, Observed]
) -> None:
    org, exp = example_org
    matrix = access_matrix(org, exp, state)
    assert len(matrix) == 23
    assert matrix["alice"] == {
        "crm-prod": ["admin*", "readonly"],
        "crm-dev": ["admin", "readonly"],
        "crm-staging": ["admin", "readonly"],
    }
    assert matrix["carol"] == {
        "crm-prod": ["exports", "readonly"],
        "crm-dev": ["readonly"],
        "crm-staging": ["readonly"],
    }


def _grant(
    resource: Any, condition: dict[str, Any] | None = None, action: Any = None
) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Action": action or ["sts:AssumeRole", "sts:SetSourceIdentity"],
        "Resource": resource,
    }
    if condition is not None:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def test_the_access_matrix_of_drifted_policies(
    example_org: tuple[Organization, Expansion], state: dict[str, Observed]
) -> None:
    org, exp = example_org
    seen = state[ID]
    seen.users["gwen"]["groups"] = ["jumpgate-people", "g1", "g2", "g3", "g4", "g5", "g6"]
    seen.groups["g1"] = {"inline": {GROUP_POLICY_NAME: _grant("*")}, "managed": []}
    seen.groups["g2"] = {
        "inline": {GROUP_POLICY_NAME: _grant("arn:aws:s3:::bucket")},
        "managed": [],
    }
    compact = _grant(
        "arn:aws:iam::*:role/jumpgate/jumpgate-admin",
        {"StringEquals": {"aws:ResourceAccount": ["105000000005", "999999999999"]}},
    )
    seen.groups["g3"] = {"inline": {GROUP_POLICY_NAME: compact}, "managed": []}
    one = _grant(
        ["arn:aws:iam::107000000007:role/jumpgate/jumpgate-gone"],
        {"StringEquals": {"aws:ResourceAccount": "107000000007"}},
        action="sts:AssumeRole",
    )
    seen.groups["g4"] = {"inline": {GROUP_POLICY_NAME: one}, "managed": []}
    other = _grant("arn:aws:iam::105000000005:role/jumpgate/jumpgate-readonly", action="s3:*")
    seen.groups["g5"] = {"inline": {GROUP_POLICY_NAME: other}, "managed": []}
    wildcard = _grant(["arn:aws:iam::*:role/jumpgate/jumpgate-admin"])
    seen.groups["g6"] = {"inline": {GROUP_POLICY_NAME: wildcard}, "managed": []}
    assert access_matrix(org, exp, state)["gwen"] == {
        "(any)": ["*!", "arn:aws:s3:::bucket!", "jumpgate-admin!"],
        "crm-dev": ["admin"],
        "999999999999": ["jumpgate-admin?"],
        "crm-prod": ["jumpgate-gone?"],
    }


def test_the_access_matrix_marks_expiry_and_missing_roles(
    example_org: tuple[Organization, Expansion], state: dict[str, Observed]
) -> None:
    org, exp = example_org
    del state["crm-prod"].roles["jumpgate-admin"]
    state[ID].users["nobody"] = {"path": "/jumpgate/", "groups": ["no-such-group"], "tags": {}}
    matrix = access_matrix(org, exp, state)
    assert matrix["alice"]["crm-prod"] == ["admin*?", "readonly"]
    assert matrix["nobody"] == {}


def test_the_access_matrix_reads_every_statement_and_resource(
    example_org: tuple[Organization, Expansion], state: dict[str, Observed]
) -> None:
    org, exp = example_org
    seen = state[ID]
    dev_admin = "arn:aws:iam::105000000005:role/jumpgate/jumpgate-admin"
    prod_readonly = "arn:aws:iam::107000000007:role/jumpgate/jumpgate-readonly"
    statements = [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Allow", "Action": "sts:AssumeRoleWithSAML", "Resource": prod_readonly},
        {"Effect": "Allow", "Action": "sts:AssumeRole", "NotResource": dev_admin},
        {
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Resource": ["arn:aws:s3:::bucket", "arn:aws:iam:role/short", "*", dev_admin],
        },
        {
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Resource": "arn:aws:iam::*:role/jumpgate/jumpgate-readonly",
            "Condition": {"StringEquals": {"aws:ResourceAccount": "106000000006"}},
        },
    ]
    seen.users["gwen"]["groups"] = ["jumpgate-people", "g1", "g2"]
    seen.groups["g1"] = {"inline": {GROUP_POLICY_NAME: {"Statement": statements}}, "managed": []}
    seen.groups["g2"] = {"inline": {GROUP_POLICY_NAME: {"Version": "2012-10-17"}}, "managed": []}
    assert access_matrix(org, exp, state)["gwen"] == {
        "(any)": ["arn:aws:s3:::bucket!", "arn:aws:iam:role/short!", "*!"],
        "crm-dev": ["admin"],
        "crm-staging": ["readonly"],
    }
    assert access_matrix(org, exp, {}) == {}
