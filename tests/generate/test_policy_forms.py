"""The compact group policy form allows exactly what the explicit form allows.

For every group of a synthetic organization (size M, plus a grant reaching 250 accounts), the
(account id, role name) pairs each form allows are computed with group_policy_eval, over every
role the organization deploys, every account id with the group's role name and other names,
and accounts and roles that are not in the organization: the sets are identical. Both also
equal the policy jumpgate deployed before the two statements were merged (AssumeRole with MFA,
SetSourceIdentity only to the user name), over MFA, SourceIdentity and time variations.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import yaml

from group_policy_eval import Policy, Request, Unsupported, allows, can_assume, role_arn
from jumpgate.core.limits import limit, policy_chars
from jumpgate.demo import synth
from jumpgate.generate.expansion import Group
from jumpgate.generate.policies import (
    COMPACT,
    EXPLICIT,
    compact_group_policy,
    explicit_group_policy,
    group_form,
    group_parameters,
    group_policy,
    role_arns,
)
from jumpgate.validate.flow import Result, validate

TODAY = dt.date(2026, 11, 28)
BEFORE, AFTER = "2026-11-28T12:00:00Z", "2099-01-01T00:00:00Z"
OUTSIDE_ACCOUNTS = ("999999999999", "000000000001")
OUTSIDE_ROLES = ("jumpgate-nope", "other-admin")
FLEET = 250


def _two_statement_policy(group: Group, path: str) -> dict[str, Any]:
    """The group policy as jumpgate deployed it before the merge, for comparison."""
    arns = role_arns(group, path)
    expiry = {"DateLessThan": {"aws:CurrentTime": group.expires_at}} if group.expires_at else {}
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": arns,
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}, **expiry},
            },
            {
                "Effect": "Allow",
                "Action": "sts:SetSourceIdentity",
                "Resource": arns,
                "Condition": {"StringEquals": {"sts:SourceIdentity": "${aws:username}"}, **expiry},
            },
        ],
    }


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> Result:
    """Synthetic M organization plus a 250-account fleet that one person may read."""
    root = tmp_path_factory.mktemp("org-m")
    files = synth.synthesize(synth.SIZES["M"], seed=7)
    fleet = [f"fleet-{n:03}" for n in range(FLEET)]
    for n, name in enumerate(fleet):
        files[f"accounts/{name}.yaml"] = yaml.safe_dump(
            {"id": f"{300000000000 + n:012d}", "environment": "staging", "team": "t002"}
        )
    team = yaml.safe_load(files["teams/t002.yaml"])
    first = sorted(team["people"])[0]
    team["access"].append(
        {"who": [first], "level": "readonly", "accounts": fleet, "group": "fleet-readonly"}
    )
    files["teams/t002.yaml"] = yaml.safe_dump(team, sort_keys=False)
    synth.write(root, files)
    found = validate(root, TODAY)
    assert [f for f in found.findings if f.rule_id.startswith("E")] == []
    return found


def _universe(result: Result, group: Group) -> list[tuple[str, str, str]]:
    """(account id, path, role name) candidates for a group's requests."""
    path = result.org.path
    ids = sorted({a.id for a in result.org.accounts.values()} | set(OUTSIDE_ACCOUNTS))
    deployed = {(role.account_id, path, role.name) for role in result.expansion.roles.values()}
    (name,) = {role.name for role in group.roles}
    names = {name, *OUTSIDE_ROLES}
    crossed = {(i, path, n) for i in ids for n in names}
    other_path = {(role.account_id, "/elsewhere/", role.name) for role in group.roles}
    return sorted(deployed | crossed | other_path)


def _allowed(document: dict[str, Any], candidates: list[tuple[str, str, str]]) -> set[Any]:
    policy = Policy(document)
    return {
        (account, path, name)
        for account, path, name in candidates
        if can_assume(policy, role_arn(account, path, name), username="ana", mfa=True, now=BEFORE)
    }


def test_compact_allows_exactly_the_explicit_pairs(result: Result) -> None:
    path = result.org.path
    forms = {EXPLICIT: 0, COMPACT: 0}
    for group in result.expansion.groups.values():
        candidates = _universe(result, group)
        explicit = _allowed(explicit_group_policy(group, path), candidates)
        compact = _allowed(compact_group_policy(group, path), candidates)
        before = _allowed(_two_statement_policy(group, path), candidates)
        granted = {(role.account_id, path, role.name) for role in group.roles}
        assert explicit == compact == before == granted, group.name
        forms[group_form(group, path)] += 1
    assert forms[EXPLICIT] > 0 and forms[COMPACT] > 0  # both forms are deployed


def test_the_large_grant_is_compact_and_within_limits(result: Result) -> None:
    path = result.org.path
    group = result.expansion.groups["jumpgate-t002-fleet-readonly"]
    assert len(group.roles) == FLEET
    assert group_form(group, path) == COMPACT
    assert policy_chars(explicit_group_policy(group, path)) > limit("group_inline_policy_chars")
    assert policy_chars(group_policy(group, path)) <= limit("group_inline_policy_chars")
    parameters = group_parameters(group, path)
    assert parameters["RoleArns"] == ""
    assert len(parameters["AccountIds"].encode()) <= limit("cfn_parameter_value_bytes")
    for stack in result.expansion.stacks:
        for value in stack.parameters.values():
            assert len(value.encode()) <= limit("cfn_parameter_value_bytes"), stack.name


@pytest.mark.parametrize(
    ("mfa", "source_identity", "now", "expected"),
    [
        (True, None, BEFORE, True),  # plain AssumeRole with MFA
        (True, "ana", BEFORE, True),  # SourceIdentity = own user name
        (None, None, BEFORE, False),  # long-term keys: no MFA context
        (False, None, BEFORE, False),
        (True, "bob", BEFORE, False),  # SourceIdentity = another user
        (False, "ana", BEFORE, False),
        (True, None, AFTER, False),  # after expiry: denied by time-bound grants only
    ],
)
def test_conditions_of_every_form(
    result: Result, mfa: bool | None, source_identity: str | None, now: str, expected: bool
) -> None:
    path = result.org.path
    checked = 0
    for group in result.expansion.groups.values():
        role = group.roles[0]
        arn = role.arn(path)
        want = expected if now == BEFORE else group.expires_at is None
        for build in (explicit_group_policy, compact_group_policy, _two_statement_policy):
            got = can_assume(
                build(group, path),
                arn,
                username="ana",
                mfa=mfa,
                now=now,
                source_identity=source_identity,
            )
            assert got == want, (group.name, build.__name__)
            checked += 1
    assert checked and any(g.expires_at for g in result.expansion.groups.values())


@pytest.mark.parametrize(
    "document",
    [
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}],
        },
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "s3:*"}]},
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Resource": "*",
                    "Condition": {"StringLike": {"aws:ResourceAccount": "1*"}},
                }
            ],
        },
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:PrincipalTag/team": "crm"}},
                }
            ],
        },
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"sts:SourceIdentity": "${aws:userid}"}},
                }
            ],
        },
        {"Version": "2008-10-17", "Statement": []},
    ],
)
def test_the_evaluator_refuses_what_it_does_not_understand(document: dict[str, Any]) -> None:
    request = Request(
        "sts:AssumeRole", role_arn("111111111111", "/", "r"), "ana", True, None, BEFORE
    )
    with pytest.raises(Unsupported):
        allows(document, request)


def test_the_evaluator_matches_wildcards_like_iam() -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "STS:Assume*", "Resource": "arn:aws:iam::*:role/j/r?"}
        ],
    }

    def ok(arn: str) -> bool:
        return allows(policy, Request("sts:AssumeRole", arn, "ana", True, None, BEFORE))

    assert ok("arn:aws:iam::111111111111:role/j/r1")
    assert not ok("arn:aws:iam::111111111111:role/j/r12")
    assert not ok("arn:aws:iam::111111111111:role/j/R1")  # resources are case-sensitive
    assert not ok("arn:aws:iam::111111111111:role/k/r1")
