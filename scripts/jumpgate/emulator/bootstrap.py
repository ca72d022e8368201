"""The real bootstrap for the emulator: the deployer roles of
`cloudformation/pipeline/bootstrap.yaml` (trust and policies, exactly as the StackSet deploys
them, each account getting the deployers its strictness gives it) and, in the identity account,
the pipeline's two deploy roles of `pipeline.yaml` (trust and their statements about
sts:AssumeRole; the roles the local target's operator keys stand for, see `principals`).

The templates are read with a small resolver for the intrinsics they use (`!Sub`, `!Ref`, `!If`,
`!Equals`, `AWS::NoValue`); anything else raises, so a template change cannot silently give the
emulator a different deployer from AWS's.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

TEMPLATES = Path(__file__).resolve().parents[3] / "cloudformation" / "pipeline"
NO_VALUE = object()


class _Loader(yaml.SafeLoader):
    pass


def _construct(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    """`!Name value` as CloudFormation's long form (`Ref`, `Fn::Name`); only the intrinsics
    `resolve` knows are ever resolved."""
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {"Ref" if suffix == "Ref" else f"Fn::{suffix}": value}


_Loader.add_multi_constructor("!", _construct)


def load(path: Path) -> dict[str, Any]:
    document = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    return document if isinstance(document, dict) else {}


def resolve(value: Any, variables: dict[str, str], conditions: dict[str, bool]) -> Any:
    if isinstance(value, list):
        items = [resolve(v, variables, conditions) for v in value]
        return [v for v in items if v is not NO_VALUE]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        if value["Ref"] == "AWS::NoValue":
            return NO_VALUE
        return variables[value["Ref"]]
    if set(value) == {"Fn::Sub"}:
        return re.sub(r"\$\{([^}!]+)\}", lambda m: variables[m.group(1)], value["Fn::Sub"]).replace(
            "${!", "${"
        )
    if set(value) == {"Fn::If"}:
        name, yes, no = value["Fn::If"]
        return resolve(yes if conditions[name] else no, variables, conditions)
    if set(value) == {"Fn::Equals"}:
        left, right = (resolve(v, variables, conditions) for v in value["Fn::Equals"])
        return left == right
    if set(value) == {"Fn::Condition"}:  # `!Condition Name` (the loader's long form)
        return conditions[value["Fn::Condition"]]
    if set(value) == {"Fn::Not"}:
        (inner,) = value["Fn::Not"]
        return not resolve(inner, variables, conditions)
    if set(value) & {"Fn::And", "Fn::Or"} and len(value) == 1:
        ((name, items),) = value.items()
        found = [bool(resolve(v, variables, conditions)) for v in items]
        return all(found) if name == "Fn::And" else any(found)
    if any(k.startswith("Fn::") for k in value):
        raise ValueError(f"unsupported intrinsic in a bootstrap template: {sorted(value)}")
    out = {k: resolve(v, variables, conditions) for k, v in value.items()}
    return {k: v for k, v in out.items() if v is not NO_VALUE}


DEPLOYERS = ("DeployerRole", "StrictDeployerRole")  # bootstrap.yaml's two deployer resources


def deployers(prefix: str, identity_id: str, account_id: str, strict: bool) -> list[dict[str, Any]]:
    """The deployer roles bootstrap.yaml makes in one account, as the StackSet would with the
    account's OU's `Strict` parameter: the identity account gets both, a strict account only the
    strict (post-approval) deployer, any other only the pre-approval one. Each is the role's
    properties (RoleName, Path, MaxSessionDuration, AssumeRolePolicyDocument, Policies, Tags),
    resolved, plus `ManagedPolicies`: [{"ManagedPolicyName", "Path", "PolicyDocument"}] the
    template attaches to it."""
    template = load(TEMPLATES / "bootstrap.yaml")
    variables = {
        "Prefix": prefix,
        "IdentityAccountId": identity_id,
        "Strict": "true" if strict else "false",
        "AWS::AccountId": account_id,
        "AWS::Partition": "aws",
    }
    conditions: dict[str, bool] = {}
    for name, expression in template.get("Conditions", {}).items():
        conditions[name] = bool(resolve(expression, variables, conditions))
    resources = template["Resources"]
    for logical in DEPLOYERS:  # `!Ref DeployerRole` in a managed policy's Roles
        variables[logical] = logical
    found: list[dict[str, Any]] = []
    for logical in DEPLOYERS:
        resource = resources[logical]
        if not conditions.get(resource.get("Condition", ""), True):
            continue
        resolved: dict[str, Any] = resolve(resource["Properties"], variables, conditions)
        resolved.setdefault("Policies", [])
        resolved["ManagedPolicies"] = [
            {
                "ManagedPolicyName": properties["ManagedPolicyName"],
                "Path": properties.get("Path", "/"),
                "PolicyDocument": properties["PolicyDocument"],
            }
            for other in resources.values()
            if other.get("Type") == "AWS::IAM::ManagedPolicy"
            and conditions.get(other.get("Condition", ""), True)
            for properties in [resolve(other["Properties"], variables, conditions)]
            if logical in properties.get("Roles", [])
        ]
        found.append(resolved)
    return found


PIPELINE_ROLES = {False: "DeployRole", True: "StrictDeployRole"}  # by side of the approval


def pipeline_deploy_role(
    prefix: str, identity_id: str, region: str, strict: bool
) -> dict[str, Any]:
    """One of the pipeline's two deploy roles (before / after the approval): name, path, trust,
    and its statements about sts:AssumeRole (which deployers it may and may not assume)."""
    template = load(TEMPLATES / "pipeline.yaml")
    role = template["Resources"][PIPELINE_ROLES[strict]]["Properties"]
    variables = {
        "Prefix": prefix,
        "AWS::AccountId": identity_id,
        "AWS::Partition": "aws",
        "AWS::Region": region,
    }
    statements = role["Policies"][0]["PolicyDocument"]["Statement"]
    assume = [
        resolve(s, variables, {})
        for s in statements
        if isinstance(s, dict) and "sts:AssumeRole" in str(s.get("Action"))
    ]
    return {
        "RoleName": resolve(role["RoleName"], variables, {}),
        "Path": resolve(role["Path"], variables, {}),
        "AssumeRolePolicyDocument": resolve(role["AssumeRolePolicyDocument"], variables, {}),
        "Policy": {"Version": "2012-10-17", "Statement": assume},
    }
