"""Differential test: the emulator's answer to real STS calls equals the access model's.

The example organization is deployed by the pipeline with IAM enforcement on (the real
deployer's permissions exercised), every person enrols MFA (TOTP from the device seed) and makes
an access key, then for every person × every deployed role: GetSessionToken with MFA, AssumeRole
with RoleSessionName = SourceIdentity = the user name. The roles the emulator lets each person
assume equal `jumpgate.report.access.effective_access` for the same day; the negative cases
(no MFA, another session name, a session longer than the role allows, an expired grant, an MFA
sign-in older than prod allows, a user off the path) are compared with the independent oracle
(tests/iam_oracle.py) over the policies read back from the emulator.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from helpers import REPO, copy_org
from iam_oracle import can_assume_role
from jumpgate.core import totp
from jumpgate.demo.journey import give_credentials
from jumpgate.emulator import control
from jumpgate.report.access import effective_access
from jumpgate.validate.flow import validate
from localaws_helpers import IDENTITY, REGION, iam, jumpgate, reset

DAY = dt.date(2026, 11, 29)
NOON = dt.datetime(2026, 11, 29, 12, tzinfo=dt.UTC)
AFTER_EXPIRY = dt.datetime(2027, 1, 1, 12, tzinfo=dt.UTC)  # crm's grant ends 2026-12-31


def _example(tmp: Path) -> Path:
    root = copy_org(REPO, tmp / "repo")
    shutil.copytree(REPO / "cloudformation" / "templates", root / "cloudformation" / "templates")
    shutil.copy2(REPO / "org" / "password-policy.yaml", root / "org" / "password-policy.yaml")
    return root


class Person:
    def __init__(self, endpoint: str, name: str, creds: dict[str, str]) -> None:
        self.endpoint, self.name, self.creds = endpoint, name, creds

    def client(self, creds: dict[str, str] | None = None) -> Any:
        keys = (
            {
                "aws_access_key_id": creds["AccessKeyId"],
                "aws_secret_access_key": creds["SecretAccessKey"],
                "aws_session_token": creds["SessionToken"],
            }
            if creds
            else {
                "aws_access_key_id": self.creds["key"],
                "aws_secret_access_key": self.creds["secret"],
            }
        )
        return boto3.client("sts", endpoint_url=self.endpoint, region_name=REGION, **keys)

    def mfa_session(self, at: dt.datetime) -> Any:
        code = totp.code(self.creds["seed"], at)
        got = self.client().get_session_token(SerialNumber=self.creds["serial"], TokenCode=code)
        return self.client(got["Credentials"])


def _assumes(sts: Any, role_arn: str, session: str, source: str | None, seconds: int) -> str:
    """'allowed', or the error code."""
    extra = {"SourceIdentity": source} if source else {}
    try:
        sts.assume_role(RoleArn=role_arn, RoleSessionName=session, DurationSeconds=seconds, **extra)
    except ClientError as err:
        return str(err.response["Error"]["Code"])
    return "allowed"


@contextmanager
def enforced_pipeline(endpoint: str, folder: Path) -> Iterator[Path]:
    """The example deployed by `jumpgate pipeline --approve` with IAM enforced, the clock at
    NOON; enforcement and clock restored afterwards."""
    root = _example(folder)
    reset(endpoint, root)
    control.set_clock(endpoint, NOON)
    control.enforce_iam(endpoint, True)
    patch = pytest.MonkeyPatch()
    patch.setenv("JUMPGATE_LOCAL_ENDPOINT", endpoint)
    try:
        code, out, err = jumpgate("pipeline", "--root", str(root), "--target", "local", "--approve")
        assert code == 0, out[-2000:] + err[-2000:]
        yield root
    finally:
        patch.undo()
        control.enforce_iam(endpoint, False)
        control.set_clock(endpoint, None)


@pytest.fixture(scope="module")
def deployed(
    endpoint: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, dict[str, Person]]]:
    with enforced_pipeline(endpoint, tmp_path_factory.mktemp("differential")) as root:
        result = validate(root)
        people = {
            name: Person(endpoint, name, give_credentials(endpoint, IDENTITY, REGION, name))
            for name in sorted(result.expansion.users)
        }
        yield root, people


def _roles(root: Path) -> list[tuple[str, str, str]]:
    """(account name, role name, role ARN) of every role jumpgate deployed."""
    result = validate(root)
    return sorted(
        (r.account, r.name, r.arn(result.org.path)) for r in result.expansion.roles.values()
    )


def _model(root: Path, day: dt.date) -> set[tuple[str, str, str]]:
    result = validate(root)
    return {
        (p.person, p.account, p.role) for p in effective_access(result.org, result.expansion, day)
    }


def test_every_person_and_role_matches_the_access_model(
    deployed: tuple[Path, dict[str, Person]], endpoint: str
) -> None:
    root, people = deployed
    roles = _roles(root)
    seen: set[tuple[str, str, str]] = set()
    answers: dict[str, int] = {}
    for name, person in people.items():
        sts = person.mfa_session(NOON)
        for account, role, arn in roles:
            outcome = _assumes(sts, arn, name, name, 3600)
            answers[outcome] = answers.get(outcome, 0) + 1
            if outcome == "allowed":
                seen.add((name, account, role))
    assert seen == _model(root, DAY)
    assert len(people) * len(roles) == 23 * 27
    assert answers == {"allowed": len(seen), "AccessDenied": 23 * 27 - len(seen)}
    # The grant that ends on 2026-12-31: the day after, both say it is gone.
    control.set_clock(endpoint, AFTER_EXPIRY)
    try:
        later = _model(root, AFTER_EXPIRY.date())
        assert later < seen
        for name in sorted({p for p, _, _ in seen - later}):
            sts = people[name].mfa_session(AFTER_EXPIRY)
            for account, role, arn in roles:
                allowed = _assumes(sts, arn, name, name, 3600) == "allowed"
                assert allowed == ((name, account, role) in later), (name, account, role)
    finally:
        control.set_clock(endpoint, NOON)


def _identity_policies(endpoint: str, user: str) -> list[dict[str, Any]]:
    client = iam(endpoint, IDENTITY)
    out = []
    for group in client.list_groups_for_user(UserName=user)["Groups"]:
        name = group["GroupName"]
        for policy in client.list_group_policies(GroupName=name)["PolicyNames"]:
            out.append(client.get_group_policy(GroupName=name, PolicyName=policy)["PolicyDocument"])
        for attached in client.list_attached_group_policies(GroupName=name)["AttachedPolicies"]:
            meta = client.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]
            version = client.get_policy_version(
                PolicyArn=attached["PolicyArn"], VersionId=meta["DefaultVersionId"]
            )
            out.append(version["PolicyVersion"]["Document"])
    return [json.loads(p) if isinstance(p, str) else p for p in out]


def _trust(endpoint: str, arn: str) -> dict[str, Any]:
    account, name = arn.split(":")[4], arn.rsplit("/", 1)[1]
    document = iam(endpoint, account).get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]
    return json.loads(document) if isinstance(document, str) else dict(document)


def test_negative_cases_match_the_oracle(
    deployed: tuple[Path, dict[str, Person]], endpoint: str
) -> None:
    root, people = deployed
    result = validate(root)
    paths = effective_access(result.org, result.expansion, DAY)
    now = "2026-11-29T12:00:00Z"
    policies = {p.person: _identity_policies(endpoint, p.person) for p in paths}
    trusts = {p.role_arn: _trust(endpoint, p.role_arn) for p in paths}
    sessions = {p.person: people[p.person].mfa_session(NOON) for p in paths}
    tags = {
        p.person: {
            t["Key"]: t["Value"]
            for t in iam(endpoint, IDENTITY).list_user_tags(UserName=p.person)["Tags"]
        }
        for p in paths
    }
    checked = 0
    for path in paths:
        person, mfa = people[path.person], sessions[path.person]
        base = {
            "user_arn": f"arn:aws:iam::{IDENTITY}:user{result.org.path}{path.person}",
            "role_arn": path.role_arn,
            "mfa": True,
            "now": now,
            "session_name": path.person,
            "mfa_age_seconds": 0,
            "source_identity": path.person,
            "principal_tags": tags[path.person],  # as IAM holds them
        }
        mine, trust = policies[path.person], trusts[path.role_arn]
        assert can_assume_role(mine, trust, **base)  # the independent oracle agrees
        # No MFA: long-term keys carry no aws:MultiFactorAuthPresent (nor an MFA age).
        plain = _assumes(person.client(), path.role_arn, path.person, path.person, 900)
        no_mfa = can_assume_role(mine, trust, **(base | {"mfa": None, "mfa_age_seconds": None}))
        assert (plain == "allowed") == no_mfa and plain == "AccessDenied"
        other = _assumes(mfa, path.role_arn, "someone-else", path.person, 900)
        expected = can_assume_role(mine, trust, **(base | {"session_name": "someone-else"}))
        assert (other == "allowed") == expected
        longest = path.max_session_seconds
        assert _assumes(mfa, path.role_arn, path.person, path.person, longest) == "allowed"
        too_long = _assumes(mfa, path.role_arn, path.person, path.person, longest + 1)
        assert too_long == "ValidationError"
        checked += 1
    assert checked == len(paths) > 40


def test_old_mfa_is_refused_where_the_environment_limits_its_age(
    deployed: tuple[Path, dict[str, Person]], endpoint: str
) -> None:
    root, people = deployed
    result = validate(root)
    paths = effective_access(result.org, result.expansion, DAY)
    prod = [p for p in paths if p.environment == "prod"]
    dev = [p for p in paths if p.mfa_max_age_seconds and p.mfa_max_age_seconds >= 43200]
    assert prod and dev
    sessions = {p.person: people[p.person].mfa_session(NOON) for p in prod + dev}
    control.set_clock(endpoint, NOON + dt.timedelta(seconds=3600 + 60))  # prod allows 3,600 s
    try:
        for path in prod + dev:
            outcome = _assumes(sessions[path.person], path.role_arn, path.person, path.person, 900)
            age_ok = (path.mfa_max_age_seconds or 10**9) > 3660
            assert (outcome == "allowed") == age_ok, (path.person, path.role_arn, outcome)
    finally:
        control.set_clock(endpoint, NOON)


def test_a_user_off_the_path_is_refused(
    deployed: tuple[Path, dict[str, Person]], endpoint: str
) -> None:
    root, _ = deployed
    result = validate(root)
    path = next(p for p in effective_access(result.org, result.expansion, DAY))
    admin = iam(endpoint, IDENTITY)
    admin.create_user(UserName="outsider", Path="/contractors/")
    for group in admin.list_groups_for_user(UserName=path.person)["Groups"]:
        admin.add_user_to_group(UserName="outsider", GroupName=group["GroupName"])
    outsider = Person(
        endpoint, "outsider", give_credentials(endpoint, IDENTITY, REGION, "outsider")
    )
    trust = _trust(endpoint, path.role_arn)
    arn = f"arn:aws:iam::{IDENTITY}:user/contractors/outsider"
    expected = can_assume_role(
        _identity_policies(endpoint, "outsider"),
        trust,
        user_arn=arn,
        role_arn=path.role_arn,
        mfa=True,
        now="2026-11-29T12:00:00Z",
        session_name="outsider",
        mfa_age_seconds=0,
        source_identity="outsider",
    )
    outcome = _assumes(outsider.mfa_session(NOON), path.role_arn, "outsider", "outsider", 900)
    assert expected is False and outcome == "AccessDenied"


def test_a_sample_at_size_m_matches_the_access_model(tmp_path: Path, endpoint: str) -> None:
    """A synthetic M organization (seed 7): 12 people, set up as the templates would (their
    groups' policies, the roles' trust policies and session limits), against every role they
    hold plus 30 they do not. The pipeline is not run at M (minutes); the example's test does."""
    import random

    from jumpgate.demo import synth
    from jumpgate.generate.policies import group_policy, principal_tags, trust_policy

    root = tmp_path / "m"
    synth.write(root, synth.synthesize(synth.SIZES["M"], seed=7))
    result = validate(root)
    org, expansion = result.org, result.expansion
    assert expansion.identity is not None
    identity, path = expansion.identity.id, org.path
    rng = random.Random(7)
    people = rng.sample(sorted(expansion.users), 12)
    model = {(p.person, p.account, p.role) for p in effective_access(org, expansion, DAY, people)}
    held = {(a, r) for _, a, r in model}
    others = rng.sample(sorted(set(expansion.roles) - held), 30)
    roles = [expansion.roles[key] for key in sorted(held | set(others))]
    urllib_reset(endpoint)
    admin = iam(endpoint, identity)
    for name in sorted({g for p in people for g in expansion.users[p].groups}):
        admin.create_group(GroupName=name, Path=path)
        document = json.dumps(group_policy(expansion.groups[name], path))
        admin.put_group_policy(GroupName=name, PolicyName="assume", PolicyDocument=document)
    for role in roles:
        iam(endpoint, role.account_id).create_role(
            RoleName=role.name,
            Path=path,
            AssumeRolePolicyDocument=json.dumps(trust_policy(role, identity, path)),
            MaxSessionDuration=role.max_session_seconds,
        )
    control.set_clock(endpoint, NOON)
    control.enforce_iam(endpoint, True)
    try:
        seen = set()
        for name in people:
            tags = principal_tags(expansion.users[name])  # identity-user.yaml's tag
            admin.create_user(
                UserName=name, Path=path, Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
            )
            for group in expansion.users[name].groups:
                admin.add_user_to_group(UserName=name, GroupName=group)
            person = Person(endpoint, name, give_credentials(endpoint, identity, org.region, name))
            sts = person.mfa_session(NOON)
            for role in roles:
                if _assumes(sts, role.arn(path), name, name, 900) == "allowed":
                    seen.add((name, role.account, role.name))
    finally:
        control.enforce_iam(endpoint, False)
        control.set_clock(endpoint, None)
    assert seen == model and len(model) >= 12


def urllib_reset(endpoint: str) -> None:
    import urllib.request

    request = urllib.request.Request(f"{endpoint}/moto-api/reset", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=10):
        pass
