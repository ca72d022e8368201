"""The effective-access model equals an independent IAM evaluation of the rendered policies.

`tests/iam_oracle.py` shares no code with jumpgate: for every person × every role (granted or
not) of the example organization and of a synthetic M organization, it decides whether the
person's AssumeRole with MFA, own session name and source identity succeeds against the
policies jumpgate renders (group policies, trust policies); the model must list exactly those.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import pytest

from helpers import REPO
from iam_oracle import can_assume_role
from jumpgate.core import iam_eval
from jumpgate.demo import synth
from jumpgate.generate.policies import group_policy, principal_tags, trust_policy
from jumpgate.report.access import effective_access
from jumpgate.validate.flow import Result, validate

DAY = dt.date(2026, 11, 29)


def oracle_pairs(result: Result, day: dt.date, people: list[str]) -> set[tuple[str, str, str]]:
    org, exp = result.org, result.expansion
    assert exp.identity is not None
    identity, path = exp.identity.id, org.path
    now = f"{day.isoformat()}T12:00:00Z"
    allowed = set()
    for person in people:
        policies: list[dict[str, Any]] = [
            group_policy(exp.groups[g], path) for g in exp.users[person].groups
        ]
        for role in exp.roles.values():
            if can_assume_role(
                policies,
                trust_policy(role, identity, path),
                user_arn=f"arn:aws:iam::{identity}:user{path}{person}",
                role_arn=role.arn(path),
                mfa=True,
                mfa_age_seconds=0,
                now=now,
                session_name=person,
                source_identity=person,
                principal_tags=principal_tags(exp.users[person]),
            ):
                allowed.add((person, role.account, role.name))
    return allowed


def model_pairs(result: Result, day: dt.date, people: set[str]) -> set[tuple[str, str, str]]:
    paths = effective_access(result.org, result.expansion, day)
    return {(p.person, p.account, p.role) for p in paths if p.person in people}


@pytest.mark.parametrize("day", [DAY, dt.date(2027, 1, 1)])  # before and after an expiry
def test_example_model_equals_the_oracle_for_every_person_and_role(day: dt.date) -> None:
    result = validate(REPO, day)
    people = sorted(result.expansion.users)
    expected = oracle_pairs(result, day, people)
    assert model_pairs(result, day, set(people)) == expected
    assert ("alice", "crm-prod", "jumpgate-admin") in expected or day > dt.date(2026, 12, 31)


def test_synthetic_m_model_equals_the_oracle(tmp_path: Path) -> None:
    root = tmp_path / "m"
    synth.write(root, synth.synthesize(synth.SIZES["M"], seed=7))
    result = validate(root, DAY)
    assert result.ok
    people = random.Random(7).sample(sorted(result.expansion.users), 40)
    expected = oracle_pairs(result, DAY, people)
    assert len(expected) > 100
    assert model_pairs(result, DAY, set(people)) == expected


def test_the_comparison_fails_when_the_model_ignores_expiry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Mutation: a model that ignores DateLessThan keeps an expired grant; the oracle does not."""
    day = dt.date(2027, 1, 1)  # alice's crm-prod admin ended 2026-12-31
    result = validate(REPO, day)
    people = sorted(result.expansion.users)
    monkeypatch.setitem(iam_eval._TESTS, "DateLessThan", lambda have, want: True)
    assert model_pairs(result, day, set(people)) != oracle_pairs(result, day, people)


def test_paths_carry_the_grant_expiry_reason_and_source() -> None:
    paths = effective_access(*(lambda r: (r.org, r.expansion))(validate(REPO, DAY)), DAY)
    alice = [p for p in paths if p.person == "alice" and p.account == "crm-prod"]
    assert [p.as_contract() for p in alice] == [
        {
            "person": "alice",
            "account": "crm-prod",
            "account_id": "107000000007",
            "environment": "prod",
            "role": "jumpgate-admin",
            "role_arn": "arn:aws:iam::107000000007:role/jumpgate/jumpgate-admin",
            "level": "admin",
            "expires": "2026-12-31",
            "reason": "INC-4711 data migration",
            "source": "teams/crm.yaml:35",
        },
        {
            "person": "alice",
            "account": "crm-prod",
            "account_id": "107000000007",
            "environment": "prod",
            "role": "jumpgate-readonly",
            "role_arn": "arn:aws:iam::107000000007:role/jumpgate/jumpgate-readonly",
            "level": "readonly",
            "expires": None,
            "reason": None,
            "source": "teams/crm.yaml:29",
        },
    ]
    assert all(p.strict and p.max_session_seconds == 3600 for p in alice)
