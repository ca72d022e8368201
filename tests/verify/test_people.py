"""What else grants access in the identity account (verify/people.py) on an in-memory IAM:
a person's own policies (E919), old active access keys (W920), users off jumpgate's path who
could assume a jumpgate role (E921), exact messages. test_drift_rules.py proves the same rules
on the emulator."""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse
from collections.abc import Mapping
from typing import Any

import pytest
from botocore.exceptions import ClientError
from deployed_state import Pager

from jumpgate.core.rules import hint_of
from jumpgate.verify.people import KEY_MAX_AGE, check_people

ID = "100000000001"
WHO = "iam://learnaws-identity"
NOW = dt.datetime(2026, 11, 28, 12, tzinfo=dt.UTC)
DEV_ADMIN = "arn:aws:iam::105000000005:role/jumpgate/jumpgate-admin"
PROD_ADMIN = "arn:aws:iam::107000000007:role/jumpgate/jumpgate-admin"
ASSUME: dict[str, Any] = {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}
ASSUME_ANY = {"Version": "2012-10-17", "Statement": [ASSUME]}


def trusting(account: str, **condition: Any) -> dict[str, Any]:
    """A trust policy admitting `account`'s principals (a drifted jumpgate trust)."""
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
        "Action": "sts:AssumeRole",
    }
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


class PeopleIAM:
    """Users (path, own inline and attached policies, access keys, groups), groups (inline and
    attached policies) and managed policies of one account."""

    def __init__(self) -> None:
        self.users: dict[str, dict[str, Any]] = {}
        self.groups: dict[str, dict[str, Any]] = {}
        self.managed: dict[str, Any] = {}  # policy ARN -> document (stored URL-encoded)
        self.denied: set[str] = set()  # users whose policies cannot be read

    def user(self, name: str, path: str = "/jumpgate/", **fields: Any) -> None:
        self.users[name] = {"path": path, "inline": {}, "attached": [], "keys": [], "groups": []}
        self.users[name].update(fields)

    def get_paginator(self, operation: str) -> Pager:
        return Pager(getattr(self, operation))

    def list_users(self) -> dict[str, Any]:
        return {
            "Users": [
                {"UserName": n, "Path": u["path"], "Arn": f"arn:aws:iam::{ID}:user{u['path']}{n}"}
                for n, u in self.users.items()
            ]
        }

    def list_user_policies(self, UserName: str) -> dict[str, Any]:
        if UserName in self.denied:
            raise ClientError(
                {"Error": {"Code": "AccessDenied", "Message": "no"}}, "ListUserPolicies"
            )
        return {"PolicyNames": list(self.users[UserName]["inline"])}

    def list_attached_user_policies(self, UserName: str) -> dict[str, Any]:
        return {"AttachedPolicies": [{"PolicyArn": a} for a in self.users[UserName]["attached"]]}

    def get_user_policy(self, UserName: str, PolicyName: str) -> dict[str, Any]:
        document = self.users[UserName]["inline"][PolicyName]
        return {"PolicyDocument": urllib.parse.quote(json.dumps(document))}

    def get_policy(self, PolicyArn: str) -> dict[str, Any]:
        return {"Policy": {"DefaultVersionId": f"v-{PolicyArn}"}}

    def get_policy_version(self, PolicyArn: str, VersionId: str) -> dict[str, Any]:
        assert VersionId == f"v-{PolicyArn}"
        return {"PolicyVersion": {"Document": self.managed[PolicyArn]}}

    def list_access_keys(self, UserName: str) -> dict[str, Any]:
        return {"AccessKeyMetadata": self.users[UserName]["keys"]}

    def list_groups_for_user(self, UserName: str) -> dict[str, Any]:
        return {"Groups": [{"GroupName": g} for g in self.users[UserName]["groups"]]}

    def list_group_policies(self, GroupName: str) -> dict[str, Any]:
        return {"PolicyNames": list(self.groups[GroupName]["inline"])}

    def get_group_policy(self, GroupName: str, PolicyName: str) -> dict[str, Any]:
        return {"PolicyDocument": self.groups[GroupName]["inline"][PolicyName]}

    def list_attached_group_policies(self, GroupName: str) -> dict[str, Any]:
        attached = self.groups[GroupName]["attached"]
        return {"AttachedPolicies": [{"PolicyArn": a} for a in attached]}


def check(
    iam: PeopleIAM,
    roles: Mapping[str, Mapping[str, Any] | None],
    people: tuple[str, ...] = ("bob", "carol", "dmitri"),
) -> list[tuple[str, str, str]]:
    found = check_people(iam, WHO, "/jumpgate/", people, roles, NOW)
    assert all((f.line, f.column, f.hint) == (0, 0, hint_of(f.rule_id)) for f in found)
    return [(f.path, f.rule_id, f.message) for f in found]


def key(name: str, days: float, status: str | None = "Active") -> dict[str, Any]:
    found: dict[str, Any] = {"AccessKeyId": name, "CreateDate": NOW - dt.timedelta(days=days)}
    if status is not None:
        found["Status"] = status
    return found


def test_own_policies_and_old_keys_of_people() -> None:
    iam = PeopleIAM()
    iam.user("mallory", inline={"extra": ASSUME_ANY})  # on the path, not declared: E902's
    iam.user("bob", inline={"extra": ASSUME_ANY, "more": ASSUME_ANY})
    iam.user("carol", attached=[f"arn:aws:iam::{ID}:policy/team-admin"])
    iam.user(
        "dmitri",
        keys=[
            key("AKIAOLD", 91),
            key("AKIAEDGE", 90),
            key("AKIAOFF", 200, "Inactive"),
            key("AKIANOSTATUS", 200, None),
            key("AKIAOLDER", 400.5),
        ],
    )
    assert dt.timedelta(days=90) == KEY_MAX_AGE
    assert check(iam, {}) == [
        (f"{WHO}/user/bob", "E919", "bob: inline ['extra', 'more'], attached none"),
        (
            f"{WHO}/user/carol",
            "E919",
            f"carol: inline none, attached ['arn:aws:iam::{ID}:policy/team-admin']",
        ),
        (f"{WHO}/user/dmitri", "W920", "dmitri: access key AKIAOLD is 91 days old"),
        (f"{WHO}/user/dmitri", "W920", "dmitri: access key AKIAOLDER is 400 days old"),
    ]


def test_a_user_off_the_path_who_may_assume_jumpgate_roles() -> None:
    iam = PeopleIAM()
    iam.user("ops", path="/ops/", inline={"hop": ASSUME_ANY})
    roles = {PROD_ADMIN: trusting(ID), DEV_ADMIN: None}  # None: its account was not read
    assert check(iam, roles) == [
        (
            f"{WHO}/user/ops",
            "E921",
            f"ops (path outside jumpgate's) may assume {DEV_ADMIN} and 1 more",
        )
    ]
    assert check(iam, {PROD_ADMIN: trusting(ID)}) == [
        (f"{WHO}/user/ops", "E921", f"ops (path outside jumpgate's) may assume {PROD_ADMIN}")
    ]


def test_both_sides_must_allow() -> None:
    iam = PeopleIAM()
    iam.user("ops", path="/ops/", inline={"hop": ASSUME_ANY})
    iam.user(
        "reader",
        path="/ops/",
        inline={"s3": {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}},
    )
    elsewhere = trusting("999999999999")
    assert check(iam, {PROD_ADMIN: elsewhere, DEV_ADMIN: trusting(ID)}) == [
        (f"{WHO}/user/ops", "E921", f"ops (path outside jumpgate's) may assume {DEV_ADMIN}")
    ]


@pytest.mark.parametrize(
    ("condition", "reached"),
    [
        ({"Bool": {"aws:MultiFactorAuthPresent": "true"}}, True),
        ({"StringEquals": {"aws:username": "ops"}}, True),
        ({"StringEquals": {"aws:username": "someone"}}, False),
        ({"ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{ID}:user/ops/ops"}}, True),
        ({"StringEquals": {"aws:ResourceAccount": "107000000007"}}, True),
        ({"StringEquals": {"aws:ResourceAccount": "105000000005"}}, False),
        ({"DateLessThan": {"aws:CurrentTime": "2026-11-28T12:00:01Z"}}, True),
        ({"DateLessThan": {"aws:CurrentTime": "2026-11-28T12:00:00Z"}}, False),
        ({"DateGreaterThan": {"aws:CurrentTime": "2026-11-28T11:59:59Z"}}, True),
        ({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, True),  # cannot judge: reported
    ],
)
def test_the_request_an_outsider_makes(condition: dict[str, Any], reached: bool) -> None:
    """As verify models it: MFA present, now, their own name and ARN, the role's account."""
    iam = PeopleIAM()
    policy = {"Statement": [{**ASSUME, "Condition": condition}]}
    iam.user("ops", path="/ops/", inline={"hop": policy})
    expected = [
        (f"{WHO}/user/ops", "E921", f"ops (path outside jumpgate's) may assume {PROD_ADMIN}")
    ]
    assert check(iam, {PROD_ADMIN: trusting(ID)}) == (expected if reached else [])
    # the trust side sees the same request
    iam.users["ops"]["inline"] = {"hop": ASSUME_ANY}
    assert check(iam, {PROD_ADMIN: trusting(ID, **condition)}) == (expected if reached else [])


def test_group_and_managed_policies_of_an_outsider_count() -> None:
    iam = PeopleIAM()
    arn = f"arn:aws:iam::{ID}:policy/hop"
    iam.managed[arn] = urllib.parse.quote(json.dumps(ASSUME_ANY))
    iam.groups["by-inline"] = {"inline": {"p": ASSUME_ANY}, "attached": []}
    iam.groups["by-managed"] = {"inline": {}, "attached": [arn]}
    iam.groups["nothing"] = {"inline": {}, "attached": []}
    iam.user("a", path="/ops/", attached=[arn])
    iam.user("b", path="/ops/", groups=["nothing", "by-inline"])
    iam.user("c", path="/ops/", groups=["by-managed"])
    iam.user("d", path="/ops/", groups=["nothing"])
    found = check(iam, {PROD_ADMIN: trusting(ID)})
    assert [path.rsplit("/", 1)[-1] for path, _, _ in found] == ["a", "b", "c"]


def test_a_deny_in_an_outsiders_policies_wins() -> None:
    iam = PeopleIAM()
    deny = {"Statement": [{"Effect": "Deny", "Action": "sts:*", "Resource": PROD_ADMIN}]}
    iam.user("ops", path="/ops/", inline={"hop": ASSUME_ANY, "deny": deny})
    assert check(iam, {PROD_ADMIN: trusting(ID), DEV_ADMIN: trusting(ID)}) == [
        (f"{WHO}/user/ops", "E921", f"ops (path outside jumpgate's) may assume {DEV_ADMIN}")
    ]


def test_an_outsider_whose_policies_cannot_be_read() -> None:
    iam = PeopleIAM()
    iam.user("ops", path="/ops/")
    iam.denied.add("ops")
    assert check(iam, {PROD_ADMIN: trusting(ID)}) == [
        (
            f"{WHO}/user/ops",
            "E914",
            "ops: An error occurred (AccessDenied) when calling the ListUserPolicies operation: no",
        )
    ]


def test_a_policy_document_that_is_not_an_object_allows_nothing() -> None:
    iam = PeopleIAM()
    iam.user("ops", path="/ops/", inline={"odd": ["not", "a", "policy"]})
    assert check(iam, {PROD_ADMIN: trusting(ID)}) == []
