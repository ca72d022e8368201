"""CloudFormation resource types moto 5.2.5 does not have, for the local target only:
AWS::IAM::Group (with inline Policies and ManagedPolicyArns) and AWS::IAM::RolePolicy.

moto builds its resource-type map from the direct subclasses of CloudFormationModel, so
defining these classes in the server process registers them (adapter.install clears the cache).
"""

from __future__ import annotations

import contextlib
from typing import Any

from moto.core.common_models import CloudFormationModel

from jumpgate.emulator.cfn_iam import (
    as_list,
    backend,
    clean,
    doc,
    iam,
    inline,
    managed_policy,
    sync_inline,
    sync_managed,
)

Props = dict[str, Any]

# ---------------------------------------------------------------- AWS::IAM::Group (new type)


class LocalGroup(CloudFormationModel):
    """AWS::IAM::Group: a real moto IAM group, its inline and managed policies."""

    def __init__(self, account_id: str, region_name: str, name: str) -> None:
        self.account_id = account_id
        self.region_name = region_name
        self.name = name

    @staticmethod
    def cloudformation_name_type() -> str:
        return "GroupName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::IAM::Group"

    @property
    def physical_resource_id(self) -> str:
        return self.name

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "Arn"

    def get_cfn_attribute(self, attribute_name: str) -> str:
        group = backend(self.account_id, self.region_name).get_group(self.name)
        return str(group.arn)

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> LocalGroup:
        props = clean(cloudformation_json.get("Properties", {}))
        name = props.get("GroupName", resource_name)
        backend(account_id, region_name).create_group(name, props.get("Path", "/"))
        resource = cls(account_id, region_name, name)
        try:
            resource.apply(props)
        except Exception:
            resource.delete(account_id, region_name)
            raise
        return resource

    def apply(self, props: Props) -> None:
        b = backend(self.account_id, self.region_name)
        group = b.get_group(self.name)
        group.path = props.get("Path", "/")
        sync_inline(
            dict(group.policies),
            inline(props),
            lambda n, d: b.put_group_policy(self.name, n, d),
            lambda n: b.delete_group_policy(self.name, n),
        )
        sync_managed(
            dict(group.managed_policies),
            as_list(props.get("ManagedPolicyArns")),
            lambda arn: managed_policy(b, arn).attach_to(group),
            lambda arn: b.detach_group_policy(arn, self.name),
        )

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: LocalGroup,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> LocalGroup:
        props = clean(cloudformation_json.get("Properties", {}))
        name = props.get("GroupName", original_resource.name)
        if name != original_resource.name:  # GroupName change: replacement
            new = cls.create_from_cloudformation_json(
                name, cloudformation_json, account_id, region_name
            )
            original_resource.delete(account_id, region_name)
            return new
        original_resource.apply(props)
        return original_resource

    def delete(self, account_id: str, region_name: str) -> None:
        b = backend(account_id, region_name)
        if self.name not in b.groups:
            return
        group = b.groups[self.name]
        group.users.clear()
        for arn in list(group.managed_policies):
            b.detach_group_policy(arn, self.name)
        group.policies.clear()
        b.delete_group(self.name)


# ---------------------------------------------------------------- AWS::IAM::RolePolicy (new)


class LocalRolePolicy(CloudFormationModel):
    """AWS::IAM::RolePolicy: an inline policy of a role, readable with GetRolePolicy."""

    def __init__(self, account_id: str, region_name: str, role: str, name: str) -> None:
        self.account_id = account_id
        self.region_name = region_name
        self.role = role
        self.name = name

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::IAM::RolePolicy"

    @property
    def physical_resource_id(self) -> str:
        return f"{self.role}|{self.name}"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> LocalRolePolicy:
        props = clean(cloudformation_json.get("Properties", {}))
        resource = cls(account_id, region_name, props["RoleName"], props["PolicyName"])
        backend(account_id, region_name).put_role_policy(
            resource.role, resource.name, doc(props["PolicyDocument"])
        )
        return resource

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: LocalRolePolicy,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> LocalRolePolicy:
        props = clean(cloudformation_json.get("Properties", {}))
        if (props["RoleName"], props["PolicyName"]) != (
            original_resource.role,
            original_resource.name,
        ):
            original_resource.delete(account_id, region_name)
        return cls.create_from_cloudformation_json(
            new_resource_name, cloudformation_json, account_id, region_name
        )

    def delete(self, account_id: str, region_name: str) -> None:
        b = backend(account_id, region_name)
        with contextlib.suppress(iam.NotFoundException):
            b.delete_role_policy(self.role, self.name)
