"""Just enough of CloudFormation to turn a pipeline template into the IAM documents it makes in
one account: parameters, pseudo parameters, conditions, !Sub, !Ref, !GetAtt, !If, NoValue.
Tests evaluate the result (jumpgate.report.iam_eval), never read the policies as text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from cfnlint.decode import decode

_NO_VALUE = object()


@dataclass
class Stack:
    template: dict[str, Any]
    parameters: dict[str, str]
    account: str
    region: str = "eu-west-1"
    partition: str = "aws"
    conditions: dict[str, bool] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, spec in self.template.get("Parameters", {}).items():
            if name not in self.parameters and "Default" in spec:
                self.parameters[name] = str(spec["Default"])
        for name in self.template.get("Conditions", {}):
            self.conditions[name] = self._condition(name)

    def _condition(self, name: str) -> bool:
        if name not in self.conditions:
            self.conditions[name] = bool(self._test(self.template["Conditions"][name]))
        return self.conditions[name]

    def _test(self, value: Any) -> Any:
        if isinstance(value, dict) and len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Fn::Equals":
                return self.resolve(arg[0]) == self.resolve(arg[1])
            if key == "Fn::Not":
                return not self._test(arg[0])
            if key == "Fn::Or":
                return any(self._test(a) for a in arg)
            if key == "Fn::And":
                return all(self._test(a) for a in arg)
            if key == "Condition":
                return self._condition(arg)
        return self.resolve(value)

    def ref(self, name: str) -> Any:
        pseudo = {
            "AWS::AccountId": self.account,
            "AWS::Region": self.region,
            "AWS::Partition": self.partition,
            "AWS::NoValue": _NO_VALUE,
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            spec = self.template["Parameters"][name]
            if spec["Type"] == "CommaDelimitedList":
                return [v for v in self.parameters[name].split(",") if v]
            return self.parameters[name]
        resource = self.template["Resources"][name]
        props = resource.get("Properties", {})
        kind = resource["Type"]
        if kind == "AWS::IAM::Role":
            return self.resolve(props["RoleName"])
        if kind == "AWS::IAM::Group":
            return self.resolve(props["GroupName"])
        if kind == "AWS::IAM::ManagedPolicy":
            path, name_ = self.resolve(props["Path"]), self.resolve(props["ManagedPolicyName"])
            return f"arn:{self.partition}:iam::{self.account}:policy{path}{name_}"
        for key in ("Name", "BucketName", "TopicName"):
            if key in props:
                return self.resolve(props[key])
        return f"{name}-id"

    def get_att(self, name: str, attribute: str) -> str:
        assert attribute == "Arn", attribute
        props = self.template["Resources"][name].get("Properties", {})
        kind = self.template["Resources"][name]["Type"]
        where = f"{self.partition}:{{}}:{self.region}:{self.account}"
        if kind == "AWS::S3::Bucket":
            return f"arn:{self.partition}:s3:::{self.resolve(props['BucketName'])}"
        if kind == "AWS::KMS::Key":
            return f"arn:{where.format('kms')}:key/{name}"
        if kind == "AWS::CodeBuild::Project":
            return f"arn:{where.format('codebuild')}:project/{self.resolve(props['Name'])}"
        if kind == "AWS::Logs::LogGroup":
            return f"arn:{where.format('logs')}:log-group:{self.resolve(props['LogGroupName'])}:*"
        if kind == "AWS::IAM::Role":
            path, role = self.resolve(props["Path"]), self.resolve(props["RoleName"])
            return f"arn:{self.partition}:iam::{self.account}:role{path}{role}"
        raise AssertionError(f"GetAtt {name}.{attribute}")

    def _sub(self, text: str, extra: dict[str, Any]) -> str:
        def one(match: re.Match[str]) -> str:
            key = match.group(1)
            if key.startswith("!"):
                return "${" + key[1:] + "}"
            if key in extra:
                return str(self.resolve(extra[key]))
            if "." in key:
                return self.get_att(*key.split(".", 1))
            return str(self.ref(key))

        return re.sub(r"\$\{([^}]+)\}", one, text)

    def resolve(self, value: Any) -> Any:
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, arg),) = value.items()
                if key == "Fn::Sub":
                    text, extra = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
                    return self._sub(text, extra)
                if key == "Ref":
                    return self.ref(arg)
                if key == "Fn::GetAtt":
                    return self.get_att(*(arg if isinstance(arg, list) else arg.split(".", 1)))
                if key == "Fn::If":
                    return self.resolve(arg[1] if self._condition(arg[0]) else arg[2])
                if key == "Fn::Join":
                    return arg[0].join(self.resolve(arg[1]))
            out = {k: self.resolve(v) for k, v in value.items()}
            return {k: v for k, v in out.items() if v is not _NO_VALUE}
        if isinstance(value, list):
            items = [self.resolve(v) for v in value]
            return [v for v in items if v is not _NO_VALUE]
        return value

    def resources(self, kind: str) -> dict[str, dict[str, Any]]:
        found = {}
        for key, res in self.template["Resources"].items():
            if res["Type"] != kind:
                continue
            if "Condition" in res and not self._condition(res["Condition"]):
                continue
            found[key] = self.resolve(res.get("Properties", {}))
        return found

    def role(self, key: str) -> Role | None:
        """A role as made here: ARN, trust policy, every identity policy (inline, and the
        managed policies of this template attached to it); None if its condition is false."""
        roles = self.resources("AWS::IAM::Role")
        if key not in roles:
            return None
        props = roles[key]
        arn = f"arn:{self.partition}:iam::{self.account}:role{props['Path']}{props['RoleName']}"
        policies = [p["PolicyDocument"] for p in props.get("Policies", [])]
        for managed in self.resources("AWS::IAM::ManagedPolicy").values():
            if props["RoleName"] in managed.get("Roles", []):
                policies.append(managed["PolicyDocument"])
        return Role(arn, props["AssumeRolePolicyDocument"], policies)

    def group_policies(self, key: str) -> list[dict[str, Any]]:
        props = self.resources("AWS::IAM::Group")[key]
        return [p["PolicyDocument"] for p in props.get("Policies", [])]


@dataclass
class Role:
    arn: str
    trust: dict[str, Any]
    policies: list[dict[str, Any]]


def load(path: str) -> dict[str, Any]:
    data, matches = decode(path)
    assert not matches, matches
    assert isinstance(data, dict)
    return data
