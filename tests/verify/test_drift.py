"""verify: IAM read back from every account equals the declared access; drift is caught."""

from __future__ import annotations

import json
from pathlib import Path

from jumpgate.verify.drift import canon
from localaws_helpers import IDENTITY, iam, jumpgate

CRM_PROD = "107000000007"


def verify_json(root: Path) -> tuple[int, dict[str, object]]:
    code, out, err = jumpgate(
        "verify", "--root", str(root), "--target", "local", "--format", "json"
    )
    assert out, err
    return code, json.loads(out)


def test_canon_ignores_order_and_list_of_one() -> None:
    a = {"Statement": [{"Action": ["sts:AssumeRole"], "Resource": ["b", "a"], "X": 1}]}
    b = {"Statement": {"Action": "sts:AssumeRole", "Resource": ["a", "b"], "X": "1"}}
    assert canon(a) == canon(b)
    assert canon({"Resource": ["a", "b"]}) != canon({"Resource": ["a", "c"]})


def test_no_drift_after_deploy_and_the_access_matrix(deployed: Path) -> None:
    code, doc = verify_json(deployed)
    assert code == 0, doc["findings"]
    matrix = doc["matrix"]
    assert isinstance(matrix, dict)
    assert sorted(matrix["alice"]["crm-prod"]) == ["admin*", "readonly"]
    assert "exports" in matrix["carol"]["crm-prod"]
    code, out, _ = jumpgate("verify", "--root", str(deployed), "--target", "local")
    assert code == 0 and "Access matrix" in out and "no drift" in out


def test_drift_made_behind_its_back_is_reported(deployed: Path, endpoint: str) -> None:
    identity, prod = iam(endpoint, IDENTITY), iam(endpoint, CRM_PROD)
    identity.remove_user_from_group(
        GroupName="jumpgate-crm-readonly-dev-staging-prod", UserName="gwen"
    )
    identity.create_user(UserName="mallory", Path="/jumpgate/")
    identity.put_group_policy(
        GroupName="jumpgate-crm-admin-dev-staging",
        PolicyName="assume-granted-roles",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
            }
        ),
    )
    prod.update_role(RoleName="jumpgate-readonly", MaxSessionDuration=43200)
    prod.attach_role_policy(
        RoleName="jumpgate-readonly", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess"
    )
    prod.update_assume_role_policy(
        RoleName="jumpgate-admin",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
                ],
            }
        ),
    )
    identity.update_account_password_policy(MinimumPasswordLength=8)
    code, doc = verify_json(deployed)
    assert code == 1
    found = {(f["rule"], f["path"].rsplit("/", 1)[-1]) for f in doc["findings"]}  # type: ignore[attr-defined]
    assert ("E903", "gwen") in found
    assert ("E902", "mallory") in found
    assert ("E906", "jumpgate-crm-admin-dev-staging") in found
    assert ("E912", "jumpgate-readonly") in found
    assert ("E910", "jumpgate-readonly") in found
    assert ("E909", "jumpgate-admin") in found
    assert ("E916", "password-policy") in found


def access_json(root: Path, *extra: str) -> list[dict[str, object]]:
    code, out, err = jumpgate("access", "--root", str(root), "--format", "json", *extra)
    assert code == 0, err
    paths: list[dict[str, object]] = json.loads(out)["paths"]
    return paths


def test_deployed_access_equals_the_declared_access(deployed: Path) -> None:
    declared = access_json(deployed)
    assert access_json(deployed, "--deployed", "--target", "local") == declared
    code, doc = verify_json(deployed)
    assert code == 0 and doc["paths"] == declared
    assert len(declared) == 24  # the emulated organization: the crm team and its accounts


def test_access_drift_is_said_in_terms_of_people_and_accounts(
    deployed: Path, endpoint: str
) -> None:
    identity = iam(endpoint, IDENTITY)
    identity.add_user_to_group(GroupName="jumpgate-crm-admin-dev-staging", UserName="fatima")
    identity.remove_user_from_group(
        GroupName="jumpgate-crm-readonly-dev-staging-prod", UserName="gwen"
    )
    code, doc = verify_json(deployed)
    assert code == 1
    access = sorted(
        (f["path"], f["message"])  # type: ignore[index]
        for f in doc["findings"]  # type: ignore[attr-defined]
        if f["rule"] == "E917"  # type: ignore[index]
    )
    assert access == [
        (
            "iam://crm-dev/role/jumpgate-admin",
            "git does not let fatima reach crm-dev admin; AWS does (standing), through "
            "teams/crm.yaml:26",
        ),
        (
            "iam://crm-dev/role/jumpgate-readonly",
            "git says gwen reaches crm-dev readonly (standing) (teams/crm.yaml:29); AWS does not",
        ),
        (
            "iam://crm-prod/role/jumpgate-readonly",
            "git says gwen reaches crm-prod readonly (standing) (teams/crm.yaml:29); AWS does not",
        ),
        (
            "iam://crm-staging/role/jumpgate-admin",
            "git does not let fatima reach crm-staging admin; AWS does (standing), through "
            "teams/crm.yaml:26",
        ),
        (
            "iam://crm-staging/role/jumpgate-readonly",
            "git says gwen reaches crm-staging readonly (standing) (teams/crm.yaml:29); "
            "AWS does not",
        ),
    ]
    deployed_fatima = access_json(deployed, "--deployed", "--target", "local", "--person", "fatima")
    assert {(p["account"], p["level"]) for p in deployed_fatima} >= {
        ("crm-dev", "admin"),
        ("crm-staging", "admin"),
    }
