"""Just enough of CloudFormation to turn a template into the IAM documents it makes in one
account, with the line and column each part came from: parameters, pseudo parameters,
conditions, Fn::Sub, Ref, Fn::GetAtt, Fn::If, Fn::Join, AWS::NoValue.

`load` reads the template with libyaml (short-form tags become their long form, as CloudFormation
reads them) and records where every node sits; `Stack.resolve` resolves a value and remembers,
for each dict and list it returns, the template path it came from (`origin`), so a finding in a
resolved policy points at the statement or action written in the template.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from jumpgate.model.loader import JsonPath

NO_VALUE = object()
_SHORT = {"Ref": "Ref", "Condition": "Condition"}


class TemplateError(ValueError):
    """The template cannot be read or resolved; `at` is its 1-based (line, column)."""

    def __init__(self, message: str, at: tuple[int, int] = (1, 1)) -> None:
        super().__init__(message)
        self.at = at


def load(text: str) -> tuple[dict[str, Any], dict[JsonPath, tuple[int, int]]]:
    """The template as data, and the (line, column) of every value by its path."""
    positions: dict[JsonPath, tuple[int, int]] = {}
    try:
        loader = yaml.CSafeLoader(text)
        try:
            node = loader.get_single_node()
            data = _plain(loader, node, (), positions) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark
        raise TemplateError(str(err.problem), _mark(mark) if mark else (1, 1)) from err
    except yaml.YAMLError as err:
        raise TemplateError(str(err)) from err
    if not isinstance(data, dict):
        raise TemplateError("the template is not a mapping")
    return data, positions


def _mark(mark: Any) -> tuple[int, int]:
    return mark.line + 1, mark.column + 1


def _plain(loader: Any, node: Any, path: JsonPath, positions: dict[JsonPath, Any]) -> Any:
    positions[path] = _mark(node.start_mark)
    tag = str(node.tag)
    if tag.startswith("!"):  # !Sub x -> {"Fn::Sub": x}, !Ref x -> {"Ref": x}
        name = tag[1:]
        key = _SHORT.get(name, f"Fn::{name}")
        if isinstance(node, yaml.ScalarNode):
            value: Any = node.value
            if name == "GetAtt":
                value = value.split(".", 1)
            positions[(*path, key)] = positions[path]
        else:
            value = _plain(loader, _untagged(node), (*path, key), positions)
        return {key: value}
    if isinstance(node, yaml.MappingNode):
        out = {}
        for key_node, value_node in node.value:
            key = str(loader.construct_object(key_node))
            out[key] = _plain(loader, value_node, (*path, key), positions)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_plain(loader, item, (*path, i), positions) for i, item in enumerate(node.value)]
    return loader.construct_object(node)


def _untagged(node: Any) -> Any:
    kind = yaml.MappingNode if isinstance(node, yaml.MappingNode) else yaml.SequenceNode
    default = "tag:yaml.org,2002:map" if kind is yaml.MappingNode else "tag:yaml.org,2002:seq"
    return kind(default, node.value, node.start_mark, node.end_mark, node.flow_style)


@dataclass
class Stack:
    """One template resolved in one account with one set of parameter values."""

    template: dict[str, Any]
    parameters: dict[str, str]
    account: str
    region: str = "eu-west-1"
    partition: str = "aws"
    conditions: dict[str, bool] = field(default_factory=dict)
    positions: dict[JsonPath, tuple[int, int]] = field(default_factory=dict)  # of `load`
    # id of each dict/list `resolve` returned -> (the object, kept alive so that no other takes
    # its id; its template path; for a list, each item's index in the template's list)
    origin: dict[int, tuple[Any, JsonPath, tuple[int, ...]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, spec in self.template.get("Parameters", {}).items():
            if name not in self.parameters and "Default" in spec:
                self.parameters[name] = str(spec["Default"])
        for name in self.template.get("Conditions", {}):
            self._condition(name)

    def _condition(self, name: str) -> bool:
        if name not in self.conditions:
            conditions = self.template.get("Conditions", {})
            if name not in conditions:
                raise TemplateError(f"condition {name!r} is not defined")
            self.conditions[name] = bool(self._test(conditions[name]))
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
            "AWS::NoValue": NO_VALUE,
            "AWS::StackName": "stack",
            "AWS::URLSuffix": "amazonaws.com",
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            spec = self.template["Parameters"][name]
            if spec.get("Type") == "CommaDelimitedList":
                return [v for v in self.parameters[name].split(",") if v]
            return self.parameters[name]
        resources = self.template.get("Resources", {})
        if name not in resources:
            raise TemplateError(f"Ref to {name!r}, neither a parameter nor a resource")
        resource = resources[name]
        props = resource.get("Properties", {})
        kind = resource.get("Type")
        if kind == "AWS::IAM::Role":
            return self.resolve(props.get("RoleName", f"{name}-generated"))
        if kind == "AWS::IAM::Group":
            return self.resolve(props.get("GroupName", f"{name}-generated"))
        if kind == "AWS::IAM::User":
            return self.resolve(props.get("UserName", f"{name}-generated"))
        if kind == "AWS::IAM::ManagedPolicy":
            return self.policy_arn(name)
        for key in ("Name", "BucketName", "TopicName"):
            if key in props:
                return self.resolve(props[key])
        return f"{name}-id"

    def policy_arn(self, key: str) -> str:
        props = self.template["Resources"][key].get("Properties", {})
        path = self.resolve(props.get("Path", "/"))
        name = self.resolve(props.get("ManagedPolicyName", f"{key}-generated"))
        return f"arn:{self.partition}:iam::{self.account}:policy{path}{name}"

    def role_arn(self, key: str) -> str:
        props = self.template["Resources"][key].get("Properties", {})
        path = self.resolve(props.get("Path", "/"))
        return f"arn:{self.partition}:iam::{self.account}:role{path}{self.ref(key)}"

    def get_att(self, name: str, attribute: str) -> str:
        resource = self.template.get("Resources", {}).get(name)
        if resource is None:
            raise TemplateError(f"GetAtt of {name!r}, not a resource")
        props = resource.get("Properties", {})
        kind = resource.get("Type")
        where = f"{self.partition}:{{}}:{self.region}:{self.account}"
        if kind == "AWS::IAM::Role" and attribute == "Arn":
            return self.role_arn(name)
        if kind == "AWS::S3::Bucket" and attribute == "Arn":
            return f"arn:{self.partition}:s3:::{self.ref(name)}"
        if kind == "AWS::KMS::Key":
            return f"arn:{where.format('kms')}:key/{name}"
        if kind == "AWS::CodeBuild::Project":
            return f"arn:{where.format('codebuild')}:project/{self.ref(name)}"
        if kind == "AWS::Logs::LogGroup":
            return f"arn:{where.format('logs')}:log-group:{self.resolve(props['LogGroupName'])}:*"
        return f"arn:{where.format('resource')}:{name}/{attribute}"  # never an IAM ARN

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

    def resolve(self, value: Any, at: JsonPath | None = None) -> Any:
        """The value as CloudFormation makes it; `at` (its template path) records origins."""
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, arg),) = value.items()
                inner = None if at is None else (*at, key)
                if key == "Fn::Sub":
                    text, extra = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
                    return self._sub(text, extra)
                if key == "Ref":
                    return self.ref(arg)
                if key == "Fn::GetAtt":
                    return self.get_att(*(arg if isinstance(arg, list) else arg.split(".", 1)))
                if key == "Fn::If":
                    branch = 1 if self._condition(arg[0]) else 2
                    return self.resolve(arg[branch], None if inner is None else (*inner, branch))
                if key == "Fn::Join":
                    return str(arg[0]).join(str(v) for v in self.resolve(arg[1]))
                if key.startswith("Fn::") or key == "Condition":
                    where = self.positions.get(inner or (), (1, 1))
                    raise TemplateError(f"{key} is not supported by the gate's resolver", where)
            out = {k: self.resolve(v, None if at is None else (*at, k)) for k, v in value.items()}
            return self._keep({k: v for k, v in out.items() if v is not NO_VALUE}, at)
        if isinstance(value, list):
            items = [
                (self.resolve(v, None if at is None else (*at, i)), i) for i, v in enumerate(value)
            ]
            kept = [(v, i) for v, i in items if v is not NO_VALUE]
            return self._keep([v for v, _ in kept], at, tuple(i for _, i in kept))
        return value

    def _keep(self, made: Any, at: JsonPath | None, indexes: tuple[int, ...] = ()) -> Any:
        if at is not None:
            self.origin[id(made)] = (made, at, indexes)
        return made

    def places(
        self, value: Any, positions: dict[JsonPath, tuple[int, int]], path: JsonPath = ()
    ) -> dict[JsonPath, tuple[int, int]]:
        """Where each part of a resolved value was written, by its path in the value."""
        out: dict[JsonPath, tuple[int, int]] = {}
        entry = self.origin.get(id(value))
        if entry is None or entry[0] is not value:
            return out
        _, at, indexes = entry
        if at in positions:
            out[path] = positions[at]
        children = value.items() if isinstance(value, dict) else enumerate(value)
        for key, child in children:
            source = (*at, key if isinstance(value, dict) else indexes[key])
            if source in positions:
                out[(*path, key)] = positions[source]
            out.update(self.places(child, positions, (*path, key)))
        return out

    def resources(self, kind: str) -> dict[str, dict[str, Any]]:
        """Properties of the resources of one type whose condition holds, resolved."""
        found = {}
        for key, resource in self.template.get("Resources", {}).items():
            if not isinstance(resource, dict) or resource.get("Type") != kind:
                continue
            if "Condition" in resource and not self._condition(resource["Condition"]):
                continue
            props = resource.get("Properties", {})
            found[key] = self.resolve(props, ("Resources", key, "Properties"))
        return found
