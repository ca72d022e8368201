"""The hand-written stack templates with every parameter file of the example organization:
cfn-lint (one process, one lint per template with all its parameter sets) and
cfn-policy-validator's offline parse (every stack)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from helpers import GOLDEN_SMALL_ORG, REPO, TEMPLATES, manifest_stacks, parsed
from jumpgate.gate.cfnparse import (
    CfnParseError,
    ParameterValue,
    load_template,
    offline,
    parameter_values,
    prepare,
    read_parameter_file,
)

STACK_TEMPLATES = sorted(p.name for p in TEMPLATES.glob("*.yaml"))
ORGS = {"example": REPO, "golden": GOLDEN_SMALL_ORG}


# --- cfn-lint ------------------------------------------------------------------------------
#
# cfn-lint 1.58's --parameter-files reads only the CloudFormation CLI format
# ([{"ParameterKey": ..., "ParameterValue": ...}]); a CodePipeline file ({"Parameters": ...})
# gives "E0200 Parameter file ... is not supported", and it allows one template per run
# ("Parameters can only be used with a single template"). Its Python API takes any number of
# parameter sets per template (`ConfigMixIn(parameters=[ParameterSet(source, values)])`): it
# resolves every Ref once per set, checks each set against the template's parameters (E2900),
# and names the set's file in each finding. So: one process, rules loaded once, one lint per
# template with the parameter sets of all its stacks.


@pytest.fixture(scope="module")
def cfn_lint() -> Any:
    from cfnlint.config import ConfigMixIn
    from cfnlint.context.parameters import ParameterSet
    from cfnlint.decode.decode import decode_str
    from cfnlint.runner import Runner, run_template_by_data

    region = json.loads((REPO / "cloudformation" / "manifest.json").read_text("utf-8"))["region"]
    rules = Runner(ConfigMixIn(regions=[region])).rules

    def lint(template: str, sets: list[tuple[str, dict[str, ParameterValue]]]) -> list[str]:
        body = (TEMPLATES / template).read_text(encoding="utf-8")
        data, errors = decode_str(body)
        assert not errors, errors
        parameter_sets = [ParameterSet(source, values) for source, values in sets]
        config = ConfigMixIn(regions=[region], parameters=parameter_sets)
        return [
            f"{m.rule.id} {m.filename or template}:{m.linenumber}: {m.message}"
            for m in run_template_by_data(data, config, rules)
        ]

    return lint


def _sets(root: Path, template: str) -> list[tuple[str, dict[str, ParameterValue]]]:
    """(parameter file, values) of every stack of a template; list types as lists."""
    declared = load_template((TEMPLATES / template).read_text(encoding="utf-8"))
    return [
        (
            s["parameter_file"],
            parameter_values(declared, read_parameter_file(root / s["parameter_file"])),
        )
        for s in manifest_stacks(root)
        if s["template"] == f"cloudformation/templates/{template}"
    ]


def test_every_stack_template_is_used() -> None:
    used = {Path(s["template"]).name for s in manifest_stacks(REPO)}
    assert (
        used
        == set(STACK_TEMPLATES)
        == {
            "identity-baseline.yaml",
            "identity-group.yaml",
            "identity-user.yaml",
            "target-role.yaml",
        }
    )


@pytest.mark.parametrize("template", STACK_TEMPLATES)
def test_cfn_lint_template_alone(cfn_lint: Any, template: str) -> None:
    assert cfn_lint(template, []) == []


@pytest.mark.parametrize("org", sorted(ORGS))
@pytest.mark.parametrize("template", STACK_TEMPLATES)
def test_cfn_lint_with_every_parameter_file(cfn_lint: Any, template: str, org: str) -> None:
    sets = _sets(ORGS[org], template)
    assert sets, "no stack uses this template"
    assert cfn_lint(template, sets) == []


def test_cfn_lint_sees_each_parameter_set(cfn_lint: Any) -> None:
    """The lint above can fail: a bad value in one file is reported against that file."""
    sets = _sets(REPO, "target-role.yaml")
    source, values = sets[3]
    del sets[0][1]["RoleName"]
    sets[3] = (source, {**values, "MaxSessionDuration": "600"})
    found = cfn_lint("target-role.yaml", sets)
    assert any(
        line.startswith(f"E2900 {sets[0][0]}:") and "'RoleName' is a required property" in line
        for line in found
    ), found
    assert any(
        line.startswith("W1030 ")
        and "is less than the minimum of 3600 when 'Ref' is resolved to '600'" in line
        and source in line
        for line in found
    ), found


# --- cfn-policy-validator ------------------------------------------------------------------


@pytest.mark.parametrize("org", sorted(ORGS))
def test_cfn_policy_validator_parses_every_stack(org: str) -> None:
    root = ORGS[org]
    manifest = json.loads((root / "cloudformation" / "manifest.json").read_text("utf-8"))
    path = "/jumpgate/" if org == "example" else "/sc/"
    for stack in manifest_stacks(root):
        out = parsed(root, stack)
        kind = Path(stack["template"]).stem
        name = stack["parameter_file"]
        assert (out["Region"], out["Account"], out["Partition"]) == (
            manifest["region"],
            stack["account_id"],
            "aws",
        ), name
        assert (out["Resources"], out["OrphanedPolicies"], out["PermissionSets"]) == (
            [],
            [],
            [],
        ), name
        params = read_parameter_file(root / stack["parameter_file"])
        principals = {k: len(out[k]) for k in ("Roles", "Users", "Groups")}
        if kind == "identity-baseline":
            assert principals == {"Roles": 0, "Users": 0, "Groups": 1}, name
            (group,) = out["Groups"]
            assert (group["GroupName"], group["GroupPath"]) == (
                params["EveryoneGroupName"],
                path,
            )
            assert [(p["Name"], p["Path"]) for p in group["Policies"]] == [
                (params["ForceMfaPolicyName"], path)
            ]
        elif kind == "identity-group":
            assert principals == {"Roles": 0, "Users": 0, "Groups": 1}, name
            (group,) = out["Groups"]
            assert (group["GroupName"], group["GroupPath"]) == (
                params["GroupName"],
                params["GroupPath"],
            )
            assert params["GroupPath"] in (path, f"{path}strict/")
            assert [p["Name"] for p in group["Policies"]] == ["assume-granted-roles"]
        elif kind == "identity-user":
            assert principals == {"Roles": 0, "Users": 1, "Groups": 0}, name
            (user,) = out["Users"]
            assert (user["UserName"], user["UserPath"], user["Policies"]) == (
                params["UserName"],
                path,
                [],
            )
        else:
            assert kind == "target-role"
            assert principals == {"Roles": 1, "Users": 0, "Groups": 0}, name
            (role,) = out["Roles"]
            assert (role["RoleName"], role["RolePath"]) == (params["RoleName"], path)
            managed = [p for p in role["Policies"] if p["IsAWSManagedPolicy"]]
            custom = [p for p in role["Policies"] if not p["IsAWSManagedPolicy"]]
            arns = [a for a in params["ManagedPolicyArns"].split(",") if a]
            assert [p["Name"] for p in managed] == [a.rsplit("/", 1)[1] for a in arns], name
            if params["CustomPolicy"]:
                assert [(p["Name"], p["Policy"]) for p in custom] == [
                    (f"{params['RoleName']}-custom", json.loads(params["CustomPolicy"]))
                ], name
            else:
                assert custom == [], name


def test_the_baseline_force_mfa_policy_as_parsed() -> None:
    (stack,) = [s for s in manifest_stacks(REPO) if s["name"] == "jumpgate-baseline"]
    (policy,) = parsed(REPO, stack)["Groups"][0]["Policies"]
    statements = {s["Sid"]: s for s in policy["Policy"]["Statement"]}
    assert statements["ManageOwnPasswordAndAccessKeys"]["Resource"] == (
        "arn:aws:iam::100000000001:user/jumpgate/${aws:username}"
    )
    deny = statements["DenyEverythingElseWithoutMfa"]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}
    assert {"iam:ChangePassword", "iam:EnableMFADevice", "sts:GetSessionToken"} <= set(
        deny["NotAction"]
    )


# --- jumpgate.gate.cfnparse ---------------------------------------------------------------------


def _role_template() -> str:
    return (TEMPLATES / "target-role.yaml").read_text(encoding="utf-8")


def _role_params(**changes: str) -> dict[str, str]:
    raw = read_parameter_file(
        REPO / "cloudformation/parameters/crm-prod/jumpgate-role-crm-exports.json"
    )
    return {**raw, **changes}


def test_parameter_values_split_list_types_like_cloudformation() -> None:
    template = load_template(_role_template())
    values = parameter_values(template, _role_params(ManagedPolicyArns="arn:a,arn:b"))
    assert values["ManagedPolicyArns"] == ["arn:a", "arn:b"]
    assert parameter_values(template, _role_params())["ManagedPolicyArns"] == [""]
    assert values["MaxSessionDuration"] == "3600"


def test_parameter_values_need_every_parameter_and_no_other() -> None:
    template = load_template(_role_template())
    raw = _role_params(Extra="x")
    del raw["Path"]
    with pytest.raises(CfnParseError) as err:
        parameter_values(template, raw)
    assert str(err.value) == (
        "parameters not in the template: ['Extra']; template parameters missing: ['Path']"
    )


def test_prepare_puts_the_custom_policy_in_as_an_object() -> None:
    stack = prepare(_role_template(), _role_params(), region="eu-west-1", account_id="107000000007")
    resources = json.loads(stack.template_body)["Resources"]
    document = resources["RoleCustomPolicy"]["Properties"]["PolicyDocument"]
    assert document == json.loads(_role_params()["CustomPolicy"])
    assert stack.parameters["CustomPolicy"] == _role_params()["CustomPolicy"]


def test_prepare_drops_resources_whose_condition_is_false() -> None:
    # cfn-policy-validator ignores a resource's Condition and would fail on the empty document.
    stack = prepare(
        _role_template(), _role_params(CustomPolicy=""), region="eu-west-1", account_id="1" * 12
    )
    assert sorted(json.loads(stack.template_body)["Resources"]) == ["Role"]


def test_prepare_rejects_a_custom_policy_that_is_not_json() -> None:
    with pytest.raises(CfnParseError, match="parameter CustomPolicy is not JSON"):
        prepare(
            _role_template(),
            _role_params(CustomPolicy="{not json"),
            region="eu-west-1",
            account_id="1" * 12,
        )


def test_read_parameter_file_rejects_other_formats(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('[{"ParameterKey": "A", "ParameterValue": "b"}]', encoding="utf-8")
    with pytest.raises(CfnParseError, match="not a template-configuration file"):
        read_parameter_file(path)
    path.write_text('{"Parameters": {"A": 1}}', encoding="utf-8")
    with pytest.raises(CfnParseError, match="parameter A is not a string"):
        read_parameter_file(path)


def test_offline_clients_refuse_anything_but_policy_lookups() -> None:
    from cfn_policy_validator import client

    real = client.build
    with offline():
        iam = client.build("iam", "eu-west-1")
        assert iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/job-function/Billing") == {
            "Policy": {"PolicyName": "Billing", "DefaultVersionId": "v1", "Path": "/job-function/"}
        }
        with pytest.raises(CfnParseError, match=r"offline: ssm\.get_parameter needs AWS"):
            client.build("ssm", "eu-west-1").get_parameter(Name="x")
    assert client.build is real


def test_prepare_keeps_the_meaning_of_sub_escapes() -> None:
    body = json.dumps(
        {
            "Parameters": {"Path": {"Type": "String"}},
            "Resources": {
                "P": {
                    "Type": "AWS::IAM::ManagedPolicy",
                    "Properties": {
                        "PolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Action": "iam:GetUser",
                                    "Resource": {
                                        "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}"
                                        ":user${Path}${!aws:username}"
                                    },
                                }
                            ],
                        }
                    },
                }
            },
        }
    )
    stack = prepare(body, {"Path": "/p/"}, region="eu-west-1", account_id="123456789012")
    resource = json.loads(stack.template_body)["Resources"]["P"]["Properties"]["PolicyDocument"][
        "Statement"
    ][0]["Resource"]
    assert resource == {
        "Fn::Sub": [
            "arn:${AWS::Partition}:iam::${AWS::AccountId}:user${Path}${JumpgateLiteral0}",
            {"JumpgateLiteral0": "${aws:username}"},
        ]
    }
    (policy,) = stack.parse()["OrphanedPolicies"]
    assert policy["Policy"]["Statement"][0]["Resource"] == (
        "arn:aws:iam::123456789012:user/p/${aws:username}"
    )


def test_cfn_lint_cli_cannot_read_codepipeline_parameter_files() -> None:
    """Why the lint above uses the Python API: `cfn-lint --parameter-files` reads only the
    CloudFormation CLI format, and says so with E0200 for a template-configuration file."""
    from cfnlint.runner.parameter_file.runner import _parse_parameter_file

    path = REPO / "cloudformation/parameters/learnaws-identity/jumpgate-baseline.json"
    result = _parse_parameter_file(str(path))
    assert isinstance(result, list)
    assert [(m.rule.id, m.message) for m in result] == [
        ("E0200", f"Parameter file {str(path)!r} is not supported")
    ]


@pytest.mark.parametrize("org", sorted(ORGS))
def test_parameter_values_meet_the_template_constraints(org: str) -> None:
    """What CloudFormation checks before it deploys (cfn-lint 1.58's E2900 reads a `Pattern`
    key that templates do not have, so it never checks AllowedPattern)."""
    import re

    root = ORGS[org]
    declared = {
        name: load_template((TEMPLATES / name).read_text(encoding="utf-8"))["Parameters"]
        for name in STACK_TEMPLATES
    }
    for stack in manifest_stacks(root):
        specs = declared[Path(stack["template"]).name]
        for name, value in read_parameter_file(root / stack["parameter_file"]).items():
            spec, where = specs[name], f"{stack['parameter_file']}: {name}={value!r}"
            assert len(value.encode()) <= 4096, where
            if "AllowedPattern" in spec:
                assert re.fullmatch(spec["AllowedPattern"], value, re.ASCII), where
            if "AllowedValues" in spec:
                assert value in spec["AllowedValues"], where
            if spec["Type"] == "Number":
                assert spec.get("MinValue", 0) <= int(value) <= spec.get("MaxValue", 2**63), where
