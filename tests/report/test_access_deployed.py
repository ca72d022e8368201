"""The access model over IAM as read back (`deployed_access`, what `verify` and `access
--deployed` evaluate) equals the independent oracle (`tests/iam_oracle.py`) when the deployed
group policies have drifted into shapes jumpgate never renders: any role, wildcards in the role
name or account, a Deny, one statement per action. And the paths name what granted them: the
declared grant, or the IAM group that is not jumpgate's; the longest-lasting grant wins."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from helpers import REPO
from iam_oracle import can_assume_role
from jumpgate.generate.policies import group_policy, principal_tags, trust_policy
from jumpgate.report.access import AccessPath, deployed_access, effective_access
from jumpgate.validate.flow import Result, validate

DAY = dt.date(2026, 11, 29)
ROLE = "arn:aws:iam::{account}:role/jumpgate/{name}"
BOTH = ["sts:AssumeRole", "sts:SetSourceIdentity"]
MFA = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}


def allow(resource: Any, action: Any = None, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action or BOTH, "Resource": resource, **extra}


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


@pytest.fixture(scope="module")
def example() -> Result:
    return validate(REPO, DAY)


def as_deployed(result: Result) -> dict[str, Any]:
    """deployed_access's arguments for IAM exactly as declared."""
    org, exp = result.org, result.expansion
    assert exp.identity is not None
    roles: dict[str, dict[str, Any]] = {}
    for role in exp.roles.values():
        roles.setdefault(role.account, {})[role.name] = trust_policy(
            role, exp.identity.id, org.path
        )
    return {
        "memberships": {name: list(user.groups) for name, user in exp.users.items()},
        "group_policies": {name: [group_policy(g, org.path)] for name, g in exp.groups.items()},
        "roles": roles,
        "user_tags": {name: principal_tags(user) for name, user in exp.users.items()},
    }


def model(result: Result, deployed: dict[str, Any]) -> list[AccessPath]:
    return deployed_access(result.org, result.expansion, **deployed, today=DAY)


def oracle(result: Result, deployed: dict[str, Any], person: str) -> set[tuple[str, str]]:
    """(account, role) pairs the oracle lets `person` assume, with their groups' policies."""
    org, exp = result.org, result.expansion
    assert exp.identity is not None
    policies = [p for g in deployed["memberships"][person] for p in deployed["group_policies"][g]]
    found = set()
    for account, roles in deployed["roles"].items():
        account_id = org.accounts[account].id
        for name, trust in roles.items():
            if can_assume_role(
                policies,
                trust,
                user_arn=f"arn:aws:iam::{exp.identity.id}:user{org.path}{person}",
                role_arn=ROLE.format(account=account_id, name=name),
                mfa=True,
                mfa_age_seconds=0,
                now=f"{DAY.isoformat()}T12:00:00Z",
                session_name=person,
                source_identity=person,
                principal_tags=deployed["user_tags"][person],
            ):
                found.add((account, name))
    return found


def test_as_declared_it_is_the_declared_access(example: Result) -> None:
    paths = model(example, as_deployed(example))
    assert paths == effective_access(example.org, example.expansion, DAY)
    assert len(paths) == 106


SHAPES: dict[str, list[dict[str, Any]]] = {
    "any role": [policy(allow("*", Condition=MFA))],
    "any role, one action a statement": [
        policy(allow("*", "sts:AssumeRole"), allow("*", ["sts:SetSourceIdentity"]))
    ],
    "the actions in two groups' policies": [
        policy(allow("*", "sts:AssumeRole")),
        policy(allow("*", "sts:SetSourceIdentity")),
    ],
    "AssumeRole alone": [policy(allow("*", "sts:AssumeRole"))],
    "a wildcard role name": [policy(allow("arn:aws:iam::*:role/jumpgate/jumpgate-read*"))],
    "a wildcard account": [
        policy(allow(["arn:aws:iam::10?000000007:role/jumpgate/jumpgate-admin"]))
    ],
    "a wildcard in the path": [policy(allow("arn:aws:iam::105000000005:role/*"))],
    "one role, as a string": [
        policy(allow(ROLE.format(account="105000000005", name="jumpgate-admin")))
    ],
    "a role that does not exist, in any account": [
        policy(allow("arn:aws:iam::*:role/jumpgate/nobody"))
    ],
    "a role that does not exist": [
        policy(allow(ROLE.format(account="105000000005", name="nobody")))
    ],
    "any role but a Deny on prod": [
        policy(
            allow("*"),
            {"Effect": "Deny", "Action": "sts:*", "Resource": "arn:aws:iam::107000000007:role/*"},
        )
    ],
    "a Deny in another policy": [
        policy(allow("*")),
        policy({"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"}),
    ],
    "NotAction": [policy({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"})],
    "a Deny first": [
        policy(
            {"Effect": "Deny", "Action": "s3:*", "Resource": "*"},
            allow(ROLE.format(account="105000000005", name="jumpgate-admin")),
        )
    ],
    "a wildcard account that reaches": [
        policy(allow("arn:aws:iam::10?000000005:role/jumpgate/jumpgate-admin"))
    ],
    "a wildcard in the role name only": [
        policy(allow("arn:aws:iam::105000000005:role/jumpgate/jumpgate-admi?"))
    ],
    "a variable for the account": [
        policy(allow("arn:aws:iam::${aws:ResourceAccount}:role/jumpgate/jumpgate-admin"))
    ],
    "a variable for the role name": [
        policy(allow("arn:aws:iam::105000000005:role/jumpgate/${aws:PrincipalTag/level}"))
    ],
    "the compact form": [
        policy(
            allow(
                "arn:aws:iam::*:role/jumpgate/jumpgate-admin",
                Condition={"StringEquals": {"aws:ResourceAccount": ["105000000005"]}},
            )
        )
    ],
    "a statement alone": [{"Version": "2012-10-17", "Statement": allow("*")}],
}


@pytest.mark.parametrize("shape", SHAPES)
def test_drifted_group_policies_the_model_and_the_oracle_agree(example: Result, shape: str) -> None:
    deployed = as_deployed(example)
    deployed["memberships"]["gwen"] = ["drifted"]
    deployed["group_policies"]["drifted"] = SHAPES[shape]
    deployed["user_tags"]["gwen"]["level"] = "jumpgate-admin"
    found = {(p.account, p.role) for p in model(example, deployed) if p.person == "gwen"}
    assert found == oracle(example, deployed, "gwen")
    # the other people are untouched
    others = [p for p in model(example, deployed) if p.person != "gwen"]
    declared = effective_access(example.org, example.expansion, DAY)
    assert others == [p for p in declared if p.person != "gwen"]


def test_what_the_drifted_shapes_reach(example: Result) -> None:
    """A few of them by hand: the oracle comparison above must not pass on empty sets."""
    deployed = as_deployed(example)
    deployed["memberships"]["gwen"] = ["drifted"]
    deployed["user_tags"]["gwen"]["level"] = "jumpgate-admin"

    def reach(shape: str) -> set[tuple[str, str]]:
        deployed["group_policies"]["drifted"] = SHAPES[shape]
        return {(p.account, p.role) for p in model(example, deployed) if p.person == "gwen"}

    assert len(reach("any role")) == 17  # every role whose trust admits her (strict ones do not)
    assert reach("AssumeRole alone") == set()
    assert reach("a role that does not exist") == set()
    assert reach("one role, as a string") == {("crm-dev", "jumpgate-admin")}
    assert reach("a wildcard account") == set()  # crm-prod is strict: her tag does not list it
    # crm-prod is strict: its trust admits her, her strict-groups tag lists its readonly group
    assert reach("a wildcard role name") == {
        (account, "jumpgate-readonly")
        for account in (
            "bi-dev",
            "bi-staging",
            "crm-dev",
            "crm-prod",
            "crm-staging",
            "it-dev",
            "it-staging",
        )
    }
    assert reach("a wildcard in the path") == {
        ("crm-dev", "jumpgate-admin"),
        ("crm-dev", "jumpgate-readonly"),
    }
    assert ("crm-dev", "jumpgate-admin") in reach("any role but a Deny on prod")
    assert reach("a Deny in another policy") == set()
    dev_admin = {("crm-dev", "jumpgate-admin")}
    for shape in (
        "a Deny first",
        "a wildcard account that reaches",
        "a wildcard in the role name only",
        "a variable for the role name",
        "the compact form",
    ):
        assert reach(shape) == dev_admin, shape
    assert len(reach("a variable for the account")) == 8  # every admin role but crm-prod's


def test_a_group_that_is_not_jumpgates_and_a_role_it_does_not_declare(example: Result) -> None:
    deployed = as_deployed(example)
    deployed["memberships"]["gwen"] = ["shadow"]
    deployed["group_policies"]["shadow"] = [
        policy(allow(ROLE.format(account="105000000005", name="x-admin")))
    ]
    dev_admin = deployed["roles"]["crm-dev"]["jumpgate-admin"]
    deployed["roles"]["crm-dev"]["x-admin"] = dev_admin
    # an account no longer in accounts/ is skipped (and does not stop the ones after it)
    deployed["roles"] = {"gone-account": {"jumpgate-admin": dev_admin}, **deployed["roles"]}
    gwen = [p for p in model(example, deployed) if p.person == "gwen"]
    assert gwen == [
        AccessPath(
            person="gwen",
            account="crm-dev",
            account_id="105000000005",
            environment="dev",
            role="x-admin",
            role_arn="",
            level="x-admin",
            expires=None,
            reason=None,
            source="iam://group/shadow",
            strict=False,
            max_session_seconds=3600,
            mfa_max_age_seconds=None,
        )
    ]


def _expiring(day: str) -> dict[str, Any]:
    condition = {**MFA, "DateLessThan": {"aws:CurrentTime": f"{day}T00:00:00Z"}}
    return policy(
        allow(ROLE.format(account="105000000005", name="jumpgate-admin"), Condition=condition)
    )


@pytest.mark.parametrize(
    ("groups", "expires", "source"),
    [
        (["a-2027-01-01", "b-2027-03-01"], "2027-02-28", "iam://group/b-2027-03-01"),
        (["a-2027-03-01", "b-2027-01-01"], "2027-02-28", "iam://group/a-2027-03-01"),
        (["a-2027-01-01", "jumpgate-crm-admin-dev-staging"], None, "teams/crm.yaml:26"),
        (["jumpgate-crm-admin-dev-staging", "b-2027-01-01"], None, "teams/crm.yaml:26"),
        (["a-2027-01-01"], "2026-12-31", "iam://group/a-2027-01-01"),
        (["jumpgate-crm-admin-dev-staging", "z-2027-01-01"], None, "teams/crm.yaml:26"),
        (["a-2027-01-01", "b-2027-01-01"], "2026-12-31", "iam://group/a-2027-01-01"),
    ],
)
def test_the_longest_lasting_grant_describes_the_path(
    example: Result, groups: list[str], expires: str | None, source: str
) -> None:
    deployed = as_deployed(example)
    deployed["memberships"]["gwen"] = groups
    for group in groups:
        if group.startswith(("a-", "b-", "z-")):
            deployed["group_policies"][group] = [_expiring(group[2:])]
    gwen = [p for p in model(example, deployed) if (p.person, p.account) == ("gwen", "crm-dev")]
    assert [(p.account, p.role, p.expires, p.source) for p in gwen] == [
        ("crm-dev", "jumpgate-admin", expires, source)
    ]
    reason = "" if source.startswith("iam://") else None
    assert [p.reason for p in gwen] == [reason or None]


def test_not_resource_and_policies_without_statements(example: Result) -> None:
    """Shapes the oracle does not take (NotResource) or that hold nothing, judged by hand."""
    deployed = as_deployed(example)
    deployed["memberships"]["gwen"] = ["drifted", "empty", "unknown-group"]
    deployed["group_policies"]["empty"] = [{"Version": "2012-10-17"}]
    everything_but_dev = {"Effect": "Allow", "Action": BOTH, "NotResource": "arn:aws:iam::105*"}
    deployed["group_policies"]["drifted"] = [policy(everything_but_dev)]
    not_dev = {(p.account, p.role) for p in model(example, deployed) if p.person == "gwen"}
    deployed["group_policies"]["drifted"] = [policy(allow("*"))]
    anything = {(p.account, p.role) for p in model(example, deployed) if p.person == "gwen"}
    assert not_dev == {(a, r) for a, r in anything if a != "crm-dev"}
    assert len(not_dev) == 15
    deployed["group_policies"]["drifted"] = []
    assert [p for p in model(example, deployed) if p.person == "gwen"] == []


def test_the_paths_of_some_people(example: Result) -> None:
    org, exp = example.org, example.expansion
    gwen = effective_access(org, exp, DAY, people_only={"gwen"})
    # in environment order; a role's session limits come with it
    assert [(p.person, p.account, p.role, p.max_session_seconds) for p in gwen] == [
        ("gwen", "crm-dev", "jumpgate-readonly", 43200),
        ("gwen", "crm-staging", "jumpgate-readonly", 28800),
        ("gwen", "crm-prod", "jumpgate-readonly", 3600),
    ]
    assert [p.mfa_max_age_seconds for p in gwen] == [43200, 28800, 3600]
    carol = effective_access(org, exp, DAY, people_only={"carol"})
    # a team's own level is named with its team
    assert [p.level for p in carol if p.account == "crm-prod"] == ["crm/exports", "readonly"]


SSI = "sts:SetSourceIdentity"


@pytest.mark.parametrize(
    ("groups", "source"),
    [
        # the group that allows both actions on its own, whichever group sorts first
        ({"a-assume": "sts:AssumeRole", "b-both": BOTH, "c-source": SSI}, "b-both"),
        ({"a-source": SSI, "b-both": BOTH, "c-assume": "sts:AssumeRole"}, "b-both"),
        # none does: the first that allows AssumeRole
        ({"a-assume": "sts:AssumeRole", "c-source": SSI}, "a-assume"),
        ({"a-source": SSI, "c-assume": "sts:AssumeRole"}, "c-assume"),
    ],
)
def test_the_group_behind_a_path_is_one_that_allows_every_action(
    example: Result, groups: dict[str, Any], source: str
) -> None:
    deployed = as_deployed(example)
    deployed["memberships"]["gwen"] = list(groups)
    dev_admin = ROLE.format(account="105000000005", name="jumpgate-admin")
    for name, action in groups.items():
        deployed["group_policies"][name] = [policy(allow(dev_admin, action))]
    gwen = [p for p in model(example, deployed) if p.person == "gwen"]
    assert [(p.account, p.role, p.source) for p in gwen] == [
        ("crm-dev", "jumpgate-admin", f"iam://group/{source}")
    ]
