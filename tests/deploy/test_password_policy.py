"""The identity account's password policy: read from org/password-policy.yaml, applied
idempotently (read first, write only on a difference), checked with botocore's Stubber."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from jumpgate.deploy import password_policy
from jumpgate.model import password_policy as policy_file
from jumpgate.model.password_policy import PasswordPolicyError

ROOT = Path(__file__).resolve().parents[2]

CIS = {
    "MinimumPasswordLength": 14,
    "PasswordReusePrevention": 24,
    "RequireUppercaseCharacters": True,
    "RequireLowercaseCharacters": True,
    "RequireNumbers": True,
    "RequireSymbols": True,
    "AllowUsersToChangePassword": True,
    "HardExpiry": False,
}


@pytest.fixture
def iam() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client(
        "iam",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def _repo_with(tmp_path: Path, text: str | None) -> Path:
    (tmp_path / "org").mkdir()
    if text is not None:
        (tmp_path / "org" / "password-policy.yaml").write_text(text)
    return tmp_path


def test_committed_file_is_cis_compliant() -> None:
    policy = password_policy.desired_policy(ROOT)
    assert policy == CIS
    assert policy["MinimumPasswordLength"] >= 14  # CIS 1.8
    assert policy["PasswordReusePrevention"] == 24  # CIS 1.9
    assert policy_file.check(ROOT) == []


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PasswordPolicyError, match="missing"):
        password_policy.desired_policy(_repo_with(tmp_path, None))
    assert policy_file.check(tmp_path) == []


def test_invalid_file_points_at_the_line(tmp_path: Path) -> None:
    text = (ROOT / "org/password-policy.yaml").read_text()
    root = _repo_with(tmp_path, text.replace("minimum_length: 14", "minimum_length: 4"))
    findings = policy_file.check(root)
    assert [(f.rule_id, f.path) for f in findings] == [("E101", "org/password-policy.yaml")]
    line = next(i for i, s in enumerate(text.splitlines(), 1) if s.startswith("minimum_length"))
    assert findings[0].line == line
    with pytest.raises(PasswordPolicyError, match="minimum_length"):
        password_policy.desired_policy(root)


def test_unknown_key_is_rejected(tmp_path: Path) -> None:
    shutil.copy(ROOT / "org/password-policy.yaml", _repo_with(tmp_path, None) / "org")
    with (tmp_path / "org/password-policy.yaml").open("a") as out:
        out.write("minimum_lenght: 20\n")
    with pytest.raises(PasswordPolicyError, match="minimum_lenght"):
        password_policy.desired_policy(tmp_path)


def test_no_policy_yet_is_created(iam: tuple[Any, Stubber]) -> None:
    client, stub = iam
    stub.add_client_error(
        "get_account_password_policy", service_error_code="NoSuchEntity", http_status_code=404
    )
    stub.add_response("update_account_password_policy", {}, expected_params=CIS)
    assert password_policy.apply(client, CIS) is True


def test_same_policy_makes_no_write(iam: tuple[Any, Stubber]) -> None:
    client, stub = iam
    # IAM reports ExpirePasswords (derived) and leaves out what is unset (MaxPasswordAge).
    current = {**CIS, "ExpirePasswords": False}
    stub.add_response("get_account_password_policy", {"PasswordPolicy": current})
    assert password_policy.apply(client, CIS) is False  # no update call stubbed: none made


def test_hard_expiry_left_out_equals_false(iam: tuple[Any, Stubber]) -> None:
    client, stub = iam
    current = {k: v for k, v in CIS.items() if k != "HardExpiry"}
    stub.add_response("get_account_password_policy", {"PasswordPolicy": current})
    assert password_policy.apply(client, CIS) is False


def test_weaker_policy_is_replaced_whole(iam: tuple[Any, Stubber]) -> None:
    client, stub = iam
    weaker = {**CIS, "MinimumPasswordLength": 8, "MaxPasswordAge": 90, "ExpirePasswords": True}
    weaker.pop("PasswordReusePrevention")
    stub.add_response("get_account_password_policy", {"PasswordPolicy": weaker})
    # every declared parameter is sent; MaxPasswordAge is left out, which clears it
    stub.add_response("update_account_password_policy", {}, expected_params=CIS)
    assert password_policy.apply(client, CIS) is True


def test_differences_name_each_parameter(iam: tuple[Any, Stubber]) -> None:
    client, stub = iam
    current = {**CIS, "MinimumPasswordLength": 8, "MaxPasswordAge": 90}
    stub.add_response("get_account_password_policy", {"PasswordPolicy": current})
    found = password_policy.differences(client, CIS)
    assert [str(d) for d in found] == [
        "MinimumPasswordLength: 8 -> 14",
        "MaxPasswordAge: 90 -> None",
    ]


def test_other_errors_propagate(iam: tuple[Any, Stubber]) -> None:
    client, stub = iam
    stub.add_client_error(
        "get_account_password_policy", service_error_code="AccessDenied", http_status_code=403
    )
    with pytest.raises(Exception, match="AccessDenied"):
        password_policy.apply(client, CIS)


def test_unknown_parameter_is_refused(iam: tuple[Any, Stubber]) -> None:
    client, _ = iam
    with pytest.raises(PasswordPolicyError, match="MinLength"):
        password_policy.apply(client, {"MinLength": 14})
