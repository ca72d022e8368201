"""Turn one stack (template + CodePipeline parameter file) into cfn-policy-validator input.

cfn-policy-validator 0.0.37 reads a template with its parameters, but
- ignores parameter defaults (jumpgate's parameter files hold every parameter anyway),
- wants CommaDelimitedList values as lists (parameter files hold comma-joined strings),
- wants every PolicyDocument as an object (CloudFormation also takes a JSON string, which is
  how target-role.yaml receives `CustomPolicy`),
- ignores a resource's `Condition`: it parses `RoleCustomPolicy` even when `HasCustomPolicy` is
  false, and then fails on its empty document,
- keeps `Fn::Sub`'s escape `${!Literal}` as is, where CloudFormation writes `${Literal}`
  (the baseline's `user${Path}${!aws:username}` would reach Access Analyzer as `${!aws:...}`).
`prepare` fixes all five: it converts the values, drops the resources whose condition is false
(evaluated by cfn-policy-validator's own evaluator, so `Fn::If` and resource conditions agree),
puts JSON-string policy parameters into the template as objects, and turns each `${!Literal}`
into a Fn::Sub variable whose value is `${Literal}`.

`parse_offline` runs `cfn_policy_validator.parse` without AWS: the only calls `parse` makes for
these templates are iam:GetPolicy / GetPolicyVersion for managed policy ARNs, answered here
with a placeholder document (the ARN's name and path, no statements).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PARTITION = "aws"

ParameterValue = str | list[str]


class CfnParseError(ValueError):
    """The template and the parameter file do not fit together."""


@dataclass(frozen=True)
class StackInput:
    """Everything `cfn_policy_validator.parse` takes, for one stack."""

    template_body: str  # JSON
    region: str
    account_id: str
    partition: str
    parameters: dict[str, ParameterValue]

    def parse(self) -> dict[str, Any]:
        return parse_offline(self)


def read_parameter_file(path: Path) -> dict[str, str]:
    """The `Parameters` of a CodePipeline template-configuration file."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("Parameters"), dict):
        raise CfnParseError(f"{path}: not a template-configuration file (no `Parameters` object)")
    params: dict[str, Any] = data["Parameters"]
    for key, value in params.items():
        if not isinstance(value, str):
            raise CfnParseError(f"{path}: parameter {key} is not a string")
    return dict(params)


def load_template(body: str) -> dict[str, Any]:
    """A template (YAML with short-form tags, or JSON) as cfn-policy-validator reads it."""
    import yaml
    from cfn_policy_validator.cfn_tools.yaml_loader import CfnYamlLoader

    try:
        template = json.loads(body)
    except ValueError:
        template = yaml.load(body, Loader=CfnYamlLoader)  # a SafeLoader subclass
    if not isinstance(template, dict):
        raise CfnParseError("the template is not an object")
    return template


def parameter_values(
    template: Mapping[str, Any], raw: Mapping[str, str]
) -> dict[str, ParameterValue]:
    """Every template parameter's value; list types split on commas, as CloudFormation does."""
    declared: Mapping[str, Any] = template.get("Parameters", {})
    unknown = sorted(set(raw) - set(declared))
    missing = sorted(set(declared) - set(raw))
    if unknown or missing:
        raise CfnParseError(
            f"parameters not in the template: {unknown}; template parameters missing: {missing}"
        )
    out: dict[str, ParameterValue] = {}
    for name, spec in declared.items():
        kind = str(spec.get("Type", "String"))
        value = raw[name]
        out[name] = value.split(",") if kind.startswith(("List<", "CommaDelimitedList")) else value
    return out


@contextmanager
def offline() -> Iterator[None]:
    """While active, cfn-policy-validator's AWS clients are fakes that never touch the network."""
    from cfn_policy_validator import client

    real = client.build
    client.build = _OfflineClient.build
    try:
        yield
    finally:
        client.build = real


class _OfflineClient:
    def __init__(self, service: str) -> None:
        self.service = service

    @classmethod
    def build(
        cls, service_name: str, region_name: str, client_config: Any = None
    ) -> _OfflineClient:
        return cls(service_name)

    def get_policy(self, PolicyArn: str) -> dict[str, Any]:
        resource = PolicyArn.split(":", 5)[-1].removeprefix("policy")
        path, _, name = resource.rpartition("/")
        return {"Policy": {"PolicyName": name, "DefaultVersionId": "v1", "Path": path + "/"}}

    def get_policy_version(self, PolicyArn: str, VersionId: str) -> dict[str, Any]:
        return {"PolicyVersion": {"Document": {"Version": "2012-10-17", "Statement": []}}}

    def __getattr__(self, name: str) -> Any:
        raise CfnParseError(f"offline: {self.service}.{name} needs AWS")


def _false_conditions(template: dict[str, Any], body: str, stack: StackInput) -> set[str]:
    """Names of the template's conditions that are false for these parameters."""
    from cfn_policy_validator.cfn_tools import cfn_loader
    from cfn_policy_validator.parsers.account_config import AccountConfig

    conditions = template.get("Conditions", {})
    if not conditions:
        return set()
    config = AccountConfig(stack.partition, stack.region, stack.account_id)
    loaded = cfn_loader.load(io.StringIO(body), config, stack.parameters, False)
    false = set()
    for name, expression in loaded["Conditions"].items():
        if not expression.node_evaluator.eval(expression):
            false.add(name)
    return false


_SUB_ESCAPE = re.compile(r"\$\{!([^}]*)\}")


def _unescape_subs(node: Any) -> Any:
    """`{"Fn::Sub": "a${!b}"}` becomes `{"Fn::Sub": ["a${JumpgateLiteral0}", {..: "${b}"}]}`."""
    if isinstance(node, list):
        return [_unescape_subs(item) for item in node]
    if not isinstance(node, dict):
        return node
    if set(node) == {"Fn::Sub"}:
        value = node["Fn::Sub"]
        text, variables = (value, {}) if isinstance(value, str) else (value[0], dict(value[1]))
        if isinstance(text, str) and "${!" in text:
            literals: dict[str, str] = {}

            def placeholder(match: re.Match[str]) -> str:
                name = f"JumpgateLiteral{len(literals)}"
                literals[name] = "${" + match.group(1) + "}"
                return "${" + name + "}"

            text = _SUB_ESCAPE.sub(placeholder, text)
            return {"Fn::Sub": [text, {**_unescape_subs(variables), **literals}]}
    return {key: _unescape_subs(value) for key, value in node.items()}


def prepare(
    template_body: str,
    raw_parameters: Mapping[str, str],
    *,
    region: str,
    account_id: str,
    partition: str = PARTITION,
) -> StackInput:
    """cfn-policy-validator input for one stack (see the module docstring)."""
    template = _unescape_subs(load_template(template_body))
    values = parameter_values(template, raw_parameters)
    draft = StackInput(json.dumps(template), region, account_id, partition, values)
    with offline():
        false = _false_conditions(template, draft.template_body, draft)
    resources: dict[str, Any] = template.get("Resources", {})
    for logical_id in list(resources):
        if resources[logical_id].get("Condition") in false:
            del resources[logical_id]
    for resource in resources.values():
        properties = resource.get("Properties", {})
        document = properties.get("PolicyDocument")
        if isinstance(document, dict) and set(document) == {"Ref"}:
            value = values.get(str(document["Ref"]))
            if isinstance(value, str) and value:
                try:
                    properties["PolicyDocument"] = json.loads(value)
                except ValueError as err:
                    raise CfnParseError(f"parameter {document['Ref']} is not JSON: {err}") from err
    return StackInput(json.dumps(template), region, account_id, partition, values)


def prepare_stack(
    root: Path, template: str, parameter_file: str, *, region: str, account_id: str
) -> StackInput:
    """`prepare` for a stack of the manifest (paths relative to the repository root)."""
    return prepare(
        (root / template).read_text(encoding="utf-8"),
        read_parameter_file(root / parameter_file),
        region=region,
        account_id=account_id,
    )


def parse_offline(stack: StackInput) -> dict[str, Any]:
    """`cfn_policy_validator.parse` of a prepared stack, without AWS."""
    import cfn_policy_validator

    with offline():
        result: dict[str, Any] = cfn_policy_validator.parse(
            stack.template_body, stack.region, stack.account_id, stack.partition, stack.parameters
        )
    return result
