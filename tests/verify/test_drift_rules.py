"""Every drift rule of `jumpgate verify` is broken once on the emulator and reported: what
grants access in the identity account outside jumpgate's stacks included (a person's own
policies, old access keys, users off jumpgate's path with assume rights)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from jumpgate.deploy.clients import Target
from jumpgate.validate.flow import validate
from jumpgate.verify.drift import verify
from localaws_helpers import IDENTITY, REGION, iam

CRM_DEV, CRM_PROD = "105000000005", "107000000007"
ASSUME_ANY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
    }
)


def findings(root: Path, endpoint: str, today: dt.date) -> set[tuple[str, str, str]]:
    result = validate(root, today)
    report = verify(
        result.org, result.expansion, Target("local", REGION, endpoint=endpoint), today=today
    )
    return {(f.rule_id, f.path, f.message) for f in report.findings}


def test_every_drift_rule_is_reported(deployed: Path, endpoint: str) -> None:
    today = dt.datetime.now(dt.UTC).date()
    assert findings(deployed, endpoint, today) == set()
    identity, dev, prod = iam(endpoint, IDENTITY), iam(endpoint, CRM_DEV), iam(endpoint, CRM_PROD)
    # identity account: a person's own policies, a missing and an undeclared group, an extra
    # inline group policy, a changed tag, a user off the path who may assume jumpgate roles
    identity.put_user_policy(UserName="bob", PolicyName="extra", PolicyDocument=ASSUME_ANY)
    admin = identity.create_policy(PolicyName="team-admin", PolicyDocument=ASSUME_ANY)
    identity.attach_user_policy(UserName="carol", PolicyArn=admin["Policy"]["Arn"])
    identity.create_group(GroupName="jumpgate-shadow", Path="/jumpgate/")
    identity.put_group_policy(
        GroupName="jumpgate-crm-admin-dev-staging", PolicyName="more", PolicyDocument=ASSUME_ANY
    )
    identity.tag_user(UserName="fatima", Tags=[{"Key": "jumpgate:teams", "Value": "it"}])
    identity.create_user(UserName="outsider", Path="/ops/")
    identity.put_user_policy(UserName="outsider", PolicyName="hop", PolicyDocument=ASSUME_ANY)
    identity.create_access_key(UserName="dmitri")
    # target accounts: a missing and an undeclared role, a permissions boundary
    dev.detach_role_policy(
        RoleName="jumpgate-readonly", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess"
    )
    dev.delete_role(RoleName="jumpgate-readonly")
    prod.create_role(RoleName="jumpgate-extra", Path="/jumpgate/", AssumeRolePolicyDocument="{}")
    prod.put_role_permissions_boundary(
        RoleName="jumpgate-admin", PermissionsBoundary="arn:aws:iam::aws:policy/ReadOnlyAccess"
    )
    later = today + dt.timedelta(days=91)  # the new access key is then 91 days old
    found = {(rule, path) for rule, path, _ in findings(deployed, endpoint, later)}
    who = "iam://learnaws-identity"
    expected = {
        ("E919", f"{who}/user/bob"),
        ("E919", f"{who}/user/carol"),
        ("E905", f"{who}/group/jumpgate-shadow"),
        ("E911", f"{who}/group/jumpgate-crm-admin-dev-staging"),
        ("W915", f"{who}/user/fatima"),
        ("E921", f"{who}/user/outsider"),
        ("W920", f"{who}/user/dmitri"),
        ("E907", "iam://crm-dev/role/jumpgate-readonly"),
        ("E908", "iam://crm-prod/role/jumpgate-extra"),
        ("E913", "iam://crm-prod/role/jumpgate-admin"),
    }
    assert expected <= found, sorted(expected - found)
    messages = {(r, m) for r, _, m in findings(deployed, endpoint, later) if r in ("E919", "E921")}
    assert (
        "E919",
        f"carol: inline none, attached ['arn:aws:iam::{IDENTITY}:policy/team-admin']",
    ) in messages
    assert any(
        m.startswith("outsider (path outside jumpgate's) may assume arn:aws:iam::")
        for _, m in messages
    )


def test_missing_user_and_group_and_unreadable_policies(deployed: Path, endpoint: str) -> None:
    identity = iam(endpoint, IDENTITY)
    for group in identity.list_groups_for_user(UserName="gwen")["Groups"]:
        identity.remove_user_from_group(GroupName=group["GroupName"], UserName="gwen")
    identity.delete_user(UserName="gwen")
    identity.delete_group_policy(
        GroupName="jumpgate-crm-admin-dev-staging", PolicyName="assume-granted-roles"
    )
    identity.delete_group(GroupName="jumpgate-crm-admin-dev-staging")
    # a policy the evaluator refuses to guess at (an operator it does not know)
    identity.put_group_policy(
        GroupName="jumpgate-crm-readonly-dev-staging-prod",
        PolicyName="assume-granted-roles",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "sts:AssumeRole",
                        "Resource": "*",
                        "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
                    }
                ],
            }
        ),
    )
    today = dt.datetime.now(dt.UTC).date()
    found = {(rule, path) for rule, path, _ in findings(deployed, endpoint, today)}
    who = "iam://learnaws-identity"
    assert {
        ("E901", f"{who}/user/gwen"),
        ("E904", f"{who}/group/jumpgate-crm-admin-dev-staging"),
        ("E918", who),
    } <= found
