"""The AWS pipeline templates (cloudformation/pipeline/): cfn-lint clean, and the structural
promises docs/pipeline.md makes about them, read from the templates themselves."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import ManualArgs, lint_by_config
from cfnlint.decode import decode

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "cloudformation" / "pipeline"
TEMPLATES = ("pipeline.yaml", "bootstrap.yaml", "bootstrap-stackset.yaml", "scp.yaml")
SCP_MAX_BYTES = (
    5120  # docs/facts.md: SCP document size (not an org-data limit, so not in limits.py)
)

DEPLOYER_ARN = "arn:${AWS::Partition}:iam::*:role/${Prefix}/${Prefix}-deployer"
PIPELINE_DEPLOY_ROLE = (
    "arn:${AWS::Partition}:iam::${IdentityAccountId}:role/"
    "${Prefix}-pipeline/${Prefix}-pipeline-deploy"
)


@cache
def template(name: str) -> dict[str, Any]:
    data, matches = decode(str(FOLDER / name))
    assert not matches, matches
    assert isinstance(data, dict)
    return data


def resources(name: str, kind: str) -> dict[str, dict[str, Any]]:
    found = template(name)["Resources"].items()
    return {key: res for key, res in found if res["Type"] == kind}


def statements(policy: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Statements of a policy document, both branches of a conditional statement included."""
    for statement in policy["Statement"]:
        if "Fn::If" in statement:
            yield from (s for s in statement["Fn::If"][1:] if isinstance(s, dict) and "Effect" in s)
        else:
            yield statement


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def sub_text(value: Any) -> str:
    """The text of a plain string or of an !Sub string (for comparing ARN patterns)."""
    if isinstance(value, str):
        return value
    assert isinstance(value, dict) and set(value) == {"Fn::Sub"}, value
    return str(value["Fn::Sub"])


def resolve(value: Any, params: dict[str, str]) -> Any:
    """Resolve !Sub and !Ref with the given parameter values (enough for the SCP document)."""
    if isinstance(value, dict):
        if set(value) == {"Fn::Sub"}:
            return re.sub(r"\$\{([^}]+)\}", lambda m: params[m.group(1)], value["Fn::Sub"])
        if set(value) == {"Ref"}:
            return params[value["Ref"]]
        return {k: resolve(v, params) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, params) for v in value]
    return value


# ----------------------------------------------------------------------------- cfn-lint


def test_cfn_lint_finds_nothing() -> None:
    """One cfn-lint run (one process, one rule load) over every pipeline template."""
    files = [str(FOLDER / name) for name in TEMPLATES]
    assert sorted(p.name for p in FOLDER.glob("*.yaml")) == sorted(TEMPLATES)
    matches = lint_by_config(ManualArgs(templates=files, regions=["eu-west-1", "us-east-1"]))
    assert [f"{m.filename}:{m.linenumber} {m.rule.id} {m.message}" for m in matches] == []


def test_plain_templates_only() -> None:
    for name in TEMPLATES:
        text = (FOLDER / name).read_text()
        assert "Fn::ForEach" not in text and "Transform" not in template(name), name


# ----------------------------------------------------------------------------- pipeline


def pipeline_stages() -> list[dict[str, Any]]:
    (pipeline,) = resources("pipeline.yaml", "AWS::CodePipeline::Pipeline").values()
    stages: list[dict[str, Any]] = pipeline["Properties"]["Stages"]
    return stages


def stage_kind(stage: dict[str, Any]) -> str:
    """`approval`, the STAGE a deploy action sets, or the stage name in lower case."""
    (action,) = stage["Actions"]
    if "Fn::If" in action:
        return stage["Name"].lower()
    if action["ActionTypeId"]["Provider"] == "Manual":
        return "approval"
    env = action["Configuration"].get("EnvironmentVariables")
    if env is None:
        return stage["Name"].lower()
    (variable,) = [v for v in json.loads(env) if v["name"] == "STAGE"]
    return str(variable["value"])


def test_stages_in_order_with_approval_before_prod() -> None:
    kinds = [stage_kind(stage) for stage in pipeline_stages()]
    assert kinds == ["source", "validate", "identity", "dev", "staging", "approval", "prod"]
    (pipeline,) = resources("pipeline.yaml", "AWS::CodePipeline::Pipeline").values()
    assert pipeline["Properties"]["PipelineType"] == "V2"


def test_every_manifest_stage_has_a_deploy_stage() -> None:
    manifest = json.loads((ROOT / "cloudformation" / "manifest.json").read_text())
    deployed = {stage_kind(stage) for stage in pipeline_stages()}
    assert {stack["stage"] for stack in manifest["stacks"]} <= deployed


def test_validate_and_deploy_run_the_right_buildspecs() -> None:
    projects = resources("pipeline.yaml", "AWS::CodeBuild::Project")
    specs = {key: p["Properties"]["Source"]["BuildSpec"] for key, p in projects.items()}
    assert specs == {
        "ValidateProject": "buildspec.yml",
        "DeployProject": "buildspecs/deploy.yml",
        "StrictDeployProject": "buildspecs/deploy.yml",
    }
    projects_of = {"Validate": "ValidateProject", "Prod": "StrictDeployProject"}
    for stage in pipeline_stages()[1:]:
        for action in stage["Actions"]:
            if action["ActionTypeId"]["Provider"] == "CodeBuild":
                project = action["Configuration"]["ProjectName"]["Ref"]
                assert project == projects_of.get(stage["Name"], "DeployProject"), stage["Name"]


def test_source_is_chosen_by_a_condition() -> None:
    (action,) = pipeline_stages()[0]["Actions"]
    condition, codecommit, connection = action["Fn::If"]
    assert condition == "UseCodeCommit"
    assert codecommit["ActionTypeId"]["Provider"] == "CodeCommit"
    assert connection["ActionTypeId"]["Provider"] == "CodeStarSourceConnection"


def test_artifacts_are_encrypted_with_a_rotated_customer_key() -> None:
    (pipeline,) = resources("pipeline.yaml", "AWS::CodePipeline::Pipeline").values()
    store = pipeline["Properties"]["ArtifactStore"]
    assert store["EncryptionKey"]["Type"] == "KMS"
    key_name = store["EncryptionKey"]["Id"]["Fn::GetAtt"][0]
    key = template("pipeline.yaml")["Resources"][key_name]
    assert key["Type"] == "AWS::KMS::Key" and key["Properties"]["EnableKeyRotation"] is True
    bucket = template("pipeline.yaml")["Resources"][store["Location"]["Ref"]]
    (rule,) = bucket["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"] == {
        "Fn::GetAtt": [key_name, "Arn"]
    }
    for project in resources("pipeline.yaml", "AWS::CodeBuild::Project").values():
        assert project["Properties"]["EncryptionKey"] == {"Fn::GetAtt": [key_name, "Arn"]}


def test_key_shares_decrypt_only_with_deployer_roles_of_the_organization() -> None:
    (key,) = resources("pipeline.yaml", "AWS::KMS::Key").values()
    shared = [
        s for s in statements(key["Properties"]["KeyPolicy"]) if s["Principal"] == {"AWS": "*"}
    ]
    (statement,) = shared
    assert set(as_list(statement["Action"])) == {"kms:Decrypt", "kms:DescribeKey"}
    condition = statement["Condition"]
    assert condition["StringEquals"]["aws:PrincipalOrgID"] == {"Ref": "OrganizationId"}
    assert sub_text(condition["ArnLike"]["aws:PrincipalArn"]) == DEPLOYER_ARN


def test_bucket_is_private_and_tls_only() -> None:
    (bucket,) = resources("pipeline.yaml", "AWS::S3::Bucket").values()
    block = bucket["Properties"]["PublicAccessBlockConfiguration"]
    assert block == dict.fromkeys(
        ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"), True
    )
    (policy,) = resources("pipeline.yaml", "AWS::S3::BucketPolicy").values()
    denies = [
        s for s in statements(policy["Properties"]["PolicyDocument"]) if s["Effect"] == "Deny"
    ]
    assert any(s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in denies)
    for statement in statements(policy["Properties"]["PolicyDocument"]):
        if statement["Effect"] == "Allow":  # shared only inside the organization
            assert "aws:PrincipalOrgID" in statement["Condition"]["StringEquals"]


def test_logs_are_kept_for_a_while_and_failures_notified() -> None:
    (group,) = resources("pipeline.yaml", "AWS::Logs::LogGroup").values()
    assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    (rule,) = resources("pipeline.yaml", "AWS::CodeStarNotifications::NotificationRule").values()
    assert "codepipeline-pipeline-pipeline-execution-failed" in rule["Properties"]["EventTypeIds"]
    (target,) = rule["Properties"]["Targets"]
    assert target["TargetType"] == "SNS"


def policies(name: str, key: str) -> dict[str, tuple[str | None, list[dict[str, Any]]]]:
    """A role's inline policies: name -> (condition it depends on, its statements)."""
    role = template(name)["Resources"][key]
    assert role["Type"] == "AWS::IAM::Role"
    out = {}
    for policy in role["Properties"].get("Policies", []):
        condition = None
        if "Fn::If" in policy:
            condition, policy, otherwise = policy["Fn::If"]
            assert otherwise == {"Ref": "AWS::NoValue"}
        out[policy["PolicyName"]] = (condition, list(statements(policy["PolicyDocument"])))
    return out


def role_policies(name: str, key: str) -> list[dict[str, Any]]:
    return [s for _, found in policies(name, key).values() for s in found]


def test_only_the_deploy_role_may_assume_deployers() -> None:
    roles = resources("pipeline.yaml", "AWS::IAM::Role")
    assumers = {
        key
        for key in roles
        for s in role_policies("pipeline.yaml", key)
        if "sts:AssumeRole" in as_list(s["Action"])
    }
    assert assumers == {"DeployRole", "StrictDeployRole"}
    allowed = [
        sub_text(s["Resource"])
        for key in ("DeployRole", "StrictDeployRole")
        for s in role_policies("pipeline.yaml", key)
        if s["Action"] == "sts:AssumeRole" and s["Effect"] == "Allow"
    ]
    assert allowed == [DEPLOYER_ARN, DEPLOYER_ARN.replace("-deployer", "-strict-deployer")]


CLONE_SERVICES = {"codecommit", "codestar-connections", "codeconnections"}


def test_prod_approval_names_the_access_diff_of_its_own_revision() -> None:
    stages = {stage["Name"]: stage for stage in pipeline_stages()}
    (validate,) = stages["Validate"]["Actions"]
    assert validate["Namespace"] == "ValidateVariables"
    assert validate["OutputArtifacts"] == [{"Name": "AccessDiff"}]
    (approve,) = stages["ApproveProd"]["Actions"]
    custom = approve["Configuration"]["CustomData"]
    for variable in (
        "#{SourceVariables.CommitId}",
        "#{ValidateVariables.ACCESS_DIFF_SUMMARY}",
        "#{codepipeline.PipelineExecutionId}",
    ):
        assert variable in custom
    assert len(custom) <= 500  # CodePipeline's limit on CustomData


def test_deploy_role_changes_nothing_itself() -> None:
    """Every account, the identity account too, is deployed through its deployer role."""
    actions = {
        a for s in role_policies("pipeline.yaml", "DeployRole") for a in as_list(s["Action"])
    }
    services = {a.split(":")[0] for a in actions}
    # codecommit / codestar-connections / codeconnections: cloning the source (a full clone,
    # for `jumpgate diff`), chosen by the source condition; read-only.
    assert services <= {"logs", "s3", "kms", "codebuild", "sts"} | CLONE_SERVICES
    assert {a for a in actions if a.startswith("s3:")} == {"s3:GetObject", "s3:GetObjectVersion"}


def test_validate_role_asks_access_analyzer_and_reads_aws_policies_only() -> None:
    found = role_policies("pipeline.yaml", "ValidateRole")
    actions = {a for s in found for a in as_list(s["Action"])}
    analyzer = {
        "access-analyzer:ValidatePolicy",
        "access-analyzer:CheckNoNewAccess",
        "access-analyzer:CheckAccessNotGranted",
    }
    assert analyzer | {"iam:GetPolicy", "iam:GetPolicyVersion"} <= actions
    for statement in found:
        if any(a.startswith("iam:") for a in as_list(statement["Action"])):
            assert sub_text(statement["Resource"]) == "arn:${AWS::Partition}:iam::aws:policy/*"


# ----------------------------------------------------------------------------- bootstrap

IAM_READ_ONLY_UNSCOPABLE = {"iam:ListRoles", "iam:ListPolicies"}  # no resource type in IAM
IDENTITY_UNSCOPABLE = {  # no resource type in IAM either
    "iam:GetAccountPasswordPolicy",
    "iam:UpdateAccountPasswordPolicy",
    "iam:ListUsers",
    "iam:ListGroups",
    "iam:ListPolicies",
    "iam:ListVirtualMFADevices",
}
MINTING = {"iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile"}


def jumpgate_paths(*kinds: str) -> tuple[str, ...]:
    return tuple(
        f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:{kind}/${{Prefix}}/" for kind in kinds
    )


def bootstrap_statements() -> list[dict[str, Any]]:
    """Every statement the deployers hold: the managed policies and the inline ones."""
    found = []
    for policy in resources("bootstrap.yaml", "AWS::IAM::ManagedPolicy").values():
        found += list(statements(policy["Properties"]["PolicyDocument"]))
    for key in resources("bootstrap.yaml", "AWS::IAM::Role"):
        found += role_policies("bootstrap.yaml", key)
    return found


def test_deployers_hold_no_admin_no_pass_role_and_only_jumpgate_paths() -> None:
    """The shape of the deployers' rights (what they allow is evaluated in
    test_security_boundary.py)."""
    for key, role in resources("bootstrap.yaml", "AWS::IAM::Role").items():
        props = role["Properties"]
        assert "ManagedPolicyArns" not in props and "PermissionsBoundary" not in props, key
        assert props["Path"] == {"Fn::Sub": "/${Prefix}/"}
    assert "AdministratorAccess" not in json.dumps(template("bootstrap.yaml"))
    for policy in resources("bootstrap.yaml", "AWS::IAM::ManagedPolicy").values():
        assert policy["Properties"]["Path"] == {"Fn::Sub": "/${Prefix}-bootstrap/"}
    for statement in bootstrap_statements():
        actions = as_list(statement["Action"])
        assert all(":" in a and "*" not in a.split(":")[1] for a in actions), actions
        assert not set(actions) & (MINTING | {"iam:PassRole"})
        where = [sub_text(r) for r in as_list(statement["Resource"])]
        if where == ["*"] and statement["Effect"] == "Deny":  # a Deny only narrows
            assert statement["Sid"] == "NeverAssumeARole"
            assert actions == [
                "sts:AssumeRole",
                "sts:AssumeRoleWithSAML",
                "sts:AssumeRoleWithWebIdentity",
            ]
        elif where == ["*"]:
            assert statement["Effect"] == "Allow"
            assert set(actions) <= IAM_READ_ONLY_UNSCOPABLE | IDENTITY_UNSCOPABLE | {
                "cloudformation:DescribeStacks",
                "cloudformation:ListStacks",
                "cloudformation:ValidateTemplate",
                "cloudformation:DescribeStackDriftDetectionStatus",
            }, statement["Sid"]


def test_deployers_trust_only_their_side_of_the_approval() -> None:
    trusted = {}
    for key, role in resources("bootstrap.yaml", "AWS::IAM::Role").items():
        (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert sub_text(statement["Principal"]["AWS"]) == (
            "arn:${AWS::Partition}:iam::${IdentityAccountId}:root"
        )
        assert statement["Condition"].keys() == {"ArnEquals"}
        trusted[key] = sub_text(statement["Condition"]["ArnEquals"]["aws:PrincipalArn"])
    assert trusted == {
        "DeployerRole": PIPELINE_DEPLOY_ROLE,
        "StrictDeployerRole": PIPELINE_DEPLOY_ROLE + "-strict",
    }
    for key, name in (("DeployRole", "deploy"), ("StrictDeployRole", "deploy-strict")):
        deploy = template("pipeline.yaml")["Resources"][key]["Properties"]
        assert deploy["RoleName"] == {"Fn::Sub": "${Prefix}-pipeline-" + name}
        assert deploy["Path"] == {"Fn::Sub": "/${Prefix}-pipeline/"}


def test_stackset_is_service_managed_auto_deployed_in_one_region() -> None:
    (stackset,) = resources("bootstrap-stackset.yaml", "AWS::CloudFormation::StackSet").values()
    props = stackset["Properties"]
    assert props["PermissionModel"] == "SERVICE_MANAGED"
    assert props["AutoDeployment"]["Enabled"] is True
    regular, strict = props["StackInstancesGroup"]
    for group in (regular, strict):
        assert len(group["Regions"]) == 1  # IAM is global: one region, or the role collides
    assert strict["ParameterOverrides"] == [{"ParameterKey": "Strict", "ParameterValue": "true"}]
    passed = {p["ParameterKey"] for p in props["Parameters"]} | {"Strict"}
    assert passed == set(template("bootstrap.yaml")["Parameters"])


# ----------------------------------------------------------------------------- SCP


def scp_document(prefix: str) -> dict[str, Any]:
    (policy,) = resources("scp.yaml", "AWS::Organizations::Policy").values()
    assert policy["Properties"]["Type"] == "SERVICE_CONTROL_POLICY"
    params = {
        "AWS::Partition": "aws-us-gov",  # the longest partition name
        "Prefix": prefix,
        "StackSetExecutionRoleName": "stacksets-exec-0123456789abcdef0123456789abcdef",
        "ApproverArns": "arn:aws:iam::100000000001:user/jumpgate/alice",
    }
    document: dict[str, Any] = resolve(policy["Properties"]["Content"], params)
    return document


@pytest.mark.parametrize("prefix", ["jumpgate", "p" * 16])
def test_scp_fits_in_5120_bytes(prefix: str) -> None:
    minified = json.dumps(scp_document(prefix), separators=(",", ":"))
    assert len(minified.encode()) <= SCP_MAX_BYTES
    # room for the organization's own statements (about 3,100 bytes used with a 16-character
    # prefix and the longest partition, docs/pipeline.md)
    assert len(minified.encode()) <= SCP_MAX_BYTES - 1536


def test_scp_exempts_exact_names_only() -> None:
    document = scp_document("jumpgate")
    assert all(s["Effect"] == "Deny" for s in document["Statement"])
    for statement in document["Statement"]:
        (operator,) = statement["Condition"]
        exempt = as_list(statement["Condition"][operator]["aws:PrincipalArn"])
        # every exemption is one exact role or user name (the account may vary)
        assert all("*" not in e.rsplit(":", 1)[1] for e in exempt), exempt


# ----------------------------------------------------------------------------- buildspec


def test_deploy_buildspec_deploys_the_stage_and_publishes_junit() -> None:
    from ruamel.yaml import YAML

    spec = YAML(typ="safe").load((ROOT / "buildspecs" / "deploy.yml").read_text())
    assert spec["phases"]["install"]["runtime-versions"]["python"] == "3.11"
    assert "make setup-runtime" in spec["phases"]["install"]["commands"]
    (command,) = spec["phases"]["build"]["commands"]
    assert 'jumpgate deploy --stage "$STAGE" --target aws --format json' in command
    assert "pipefail" in command  # the tee must not hide a failed deploy
    assert [r["file-format"] for r in spec["reports"].values()] == ["JUNITXML"]
