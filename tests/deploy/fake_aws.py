"""An in-memory stand-in for the CloudFormation and IAM calls the engine's removal path makes,
so its guards (the mass-removal limit, offboarding before the stack goes, removal order, the
strict-group stage) are tested in milliseconds. Every call that changes something is logged.
The emulator tests (test_engine.py) prove the same paths against moto."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from jumpgate.deploy import password_policy
from jumpgate.deploy.clients import Target
from jumpgate.deploy.stack import OWNER, TAG_KIND, TAG_OWNER, TAG_STAGE, load_manifest


def client_error(code: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": f"{code} ({operation})"}}, operation)


def _listed(key: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    """A List response; without its list when there is nothing (the code must not rely on the
    member being there: emulators leave empty ones out)."""
    return {key: items} if items else {}


@dataclass
class Credentials:
    keys: list[str] = field(default_factory=list)
    mfa: list[str] = field(default_factory=list)  # serial numbers
    password: bool = False
    ssh: list[str] = field(default_factory=list)
    certificates: list[str] = field(default_factory=list)
    service: list[tuple[str, str]] = field(default_factory=list)  # (id, service name)


class FakeIAM:
    def __init__(self, log: list[str], password: dict[str, Any] | None = None) -> None:
        self.log = log
        self.people: dict[str, Credentials] = {}
        self.password = password
        self.fail: dict[str, ClientError] = {}  # operation -> the error it raises

    def _check(self, operation: str, user: str = "") -> None:
        if operation in self.fail:
            raise self.fail[operation]
        if user and user not in self.people:
            raise client_error("NoSuchEntity", operation)

    def get_user(self, UserName: str) -> dict[str, Any]:
        self._check("GetUser", UserName)
        return {"User": {"UserName": UserName}}

    def list_access_keys(self, UserName: str) -> dict[str, Any]:
        self._check("ListAccessKeys", UserName)
        return _listed(
            "AccessKeyMetadata", [{"AccessKeyId": k} for k in self.people[UserName].keys]
        )

    def delete_access_key(self, UserName: str, AccessKeyId: str) -> None:
        self.log.append(f"iam delete_access_key {UserName} {AccessKeyId}")

    def list_mfa_devices(self, UserName: str) -> dict[str, Any]:
        self._check("ListMFADevices", UserName)
        return _listed("MFADevices", [{"SerialNumber": s} for s in self.people[UserName].mfa])

    def deactivate_mfa_device(self, UserName: str, SerialNumber: str) -> None:
        self.log.append(f"iam deactivate_mfa_device {UserName} {SerialNumber}")

    def delete_virtual_mfa_device(self, SerialNumber: str) -> None:
        self._check("DeleteVirtualMFADevice")
        self.log.append(f"iam delete_virtual_mfa_device {SerialNumber}")

    def get_login_profile(self, UserName: str) -> dict[str, Any]:
        self._check("GetLoginProfile", UserName)
        if not self.people[UserName].password:
            raise client_error("NoSuchEntity", "GetLoginProfile")
        return {"LoginProfile": {"UserName": UserName}}

    def delete_login_profile(self, UserName: str) -> None:
        self.log.append(f"iam delete_login_profile {UserName}")

    def list_ssh_public_keys(self, UserName: str) -> dict[str, Any]:
        return _listed("SSHPublicKeys", [{"SSHPublicKeyId": k} for k in self.people[UserName].ssh])

    def delete_ssh_public_key(self, UserName: str, SSHPublicKeyId: str) -> None:
        self.log.append(f"iam delete_ssh_public_key {UserName} {SSHPublicKeyId}")

    def list_signing_certificates(self, UserName: str) -> dict[str, Any]:
        found = self.people[UserName].certificates
        return _listed("Certificates", [{"CertificateId": c} for c in found])

    def delete_signing_certificate(self, UserName: str, CertificateId: str) -> None:
        self.log.append(f"iam delete_signing_certificate {UserName} {CertificateId}")

    def list_service_specific_credentials(self, UserName: str) -> dict[str, Any]:
        self._check("ListServiceSpecificCredentials")
        found = self.people[UserName].service
        return _listed(
            "ServiceSpecificCredentials",
            [
                {"ServiceSpecificCredentialId": i, **({"ServiceName": s} if s else {})}
                for i, s in found
            ],
        )

    def delete_service_specific_credential(
        self, UserName: str, ServiceSpecificCredentialId: str
    ) -> None:
        self.log.append(
            f"iam delete_service_specific_credential {UserName} {ServiceSpecificCredentialId}"
        )

    def get_account_password_policy(self) -> dict[str, Any]:
        if self.password is None:
            raise client_error("NoSuchEntity", "GetAccountPasswordPolicy")
        return {"PasswordPolicy": self.password}

    def update_account_password_policy(self, **policy: Any) -> None:
        self.log.append("iam update_account_password_policy")


class _Pages:
    def __init__(self, stacks: list[dict[str, Any]]) -> None:
        self.stacks = stacks

    def paginate(self) -> list[dict[str, Any]]:
        return [{"Stacks": list(self.stacks)}]


class FakeCloudFormation:
    def __init__(self, log: list[str], account_id: str, listed: list[str]) -> None:
        self.log = log
        self.account_id = account_id
        self.listed = listed  # the account id of every DescribeStacks listing, in order
        self.stacks: dict[str, dict[str, Any]] = {}
        self.refuse: set[str] = set()  # stack names whose deletion fails
        self.unreadable = False

    def add(
        self,
        name: str,
        tags: dict[str, str],
        parameters: dict[str, str],
        status: str = "CREATE_COMPLETE",
    ) -> None:
        self.stacks[name] = {
            "StackName": name,
            "StackId": f"arn:aws:cloudformation:eu-west-1:1:stack/{name}/1",
            "StackStatus": status,
            "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
            "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
            "EnableTerminationProtection": True,
        }

    def get_paginator(self, operation: str) -> _Pages:
        assert operation == "describe_stacks"
        self.listed.append(self.account_id)
        if self.unreadable:
            raise client_error("AccessDenied", "DescribeStacks")
        return _Pages(list(self.stacks.values()))

    def _by_id(self, stack_id: str) -> dict[str, Any]:
        return next(s for s in self.stacks.values() if s["StackId"] == stack_id)

    def update_termination_protection(
        self, StackName: str, EnableTerminationProtection: bool
    ) -> None:
        self.log.append(
            f"cfn protect={EnableTerminationProtection} {self._by_id(StackName)['StackName']}"
        )

    def delete_stack(self, StackName: str) -> None:
        name = self._by_id(StackName)["StackName"]
        if name in self.refuse:
            raise client_error("ValidationError", "DeleteStack")
        self.log.append(f"cfn delete_stack {name}")
        self._by_id(StackName)["StackStatus"] = "DELETE_COMPLETE"

    def describe_stacks(self, StackName: str) -> dict[str, Any]:
        return {"Stacks": [self._by_id(StackName)]}


class FakeTarget(Target):
    """Every account holds exactly the stacks of the manifest as deployed (unchanged), plus what
    a test adds; the identity account's password policy is the declared one."""

    def __init__(self, root: Path) -> None:
        super().__init__("local", "eu-west-1")
        self.log: list[str] = []
        self.listed: list[str] = []
        self.cfns: dict[str, FakeCloudFormation] = {}
        self.iams: dict[str, FakeIAM] = {}
        manifest, stacks = load_manifest(root)
        self.identity = str(manifest["identity_account"]["id"])
        for stack in stacks:
            self.cloudformation(stack.account_id).add(stack.name, stack.tags, stack.parameters)
        self.iam(self.identity).password = password_policy.desired_policy(root)

    def cloudformation(self, account_id: str) -> FakeCloudFormation:
        if account_id not in self.cfns:
            self.cfns[account_id] = FakeCloudFormation(self.log, account_id, self.listed)
        return self.cfns[account_id]

    def iam(self, account_id: str) -> FakeIAM:
        return self.iams.setdefault(account_id, FakeIAM(self.log))

    def client(self, account_id: str, service: str) -> Any:
        if service == "iam":
            return self.iam(account_id)
        assert service == "cloudformation"
        return self.cloudformation(account_id)

    def leaver(self, user: str, stage: str = "prod", **credentials: Any) -> None:
        """A person's user stack in the identity account that the manifest no longer has."""
        tags = {TAG_OWNER: OWNER, TAG_KIND: "user", TAG_STAGE: stage}
        self.cloudformation(self.identity).add(f"jumpgate-user-{user}", tags, {"UserName": user})
        self.iam(self.identity).people[user] = Credentials(**credentials)

    def orphan(
        self,
        account_id: str,
        name: str,
        kind: str,
        stage: str = "identity",
        parameters: dict[str, str] | None = None,
    ) -> None:
        """A stack jumpgate deployed that the manifest no longer has."""
        tags = {TAG_OWNER: OWNER, TAG_KIND: kind, TAG_STAGE: stage}
        self.cloudformation(account_id).add(name, tags, parameters or {})
