"""`jumpgate analyze`: IAM Access Analyzer, through cfn-policy-validator, on every stack.

For each stack of cloudformation/manifest.json (template + parameter file, prepared by
cfnparse): `validate` (ERROR and SECURITY_WARNING block; the identity account is an allowed
external principal of trust policies), `check-access-not-granted` for the actions listed in
analyze/never-granted.json, and for roles in strict environments `check-no-new-access`
against the reference committed in analyze/reference/<account>/<stack>.json (written by
`jumpgate analyze --write-references`, reviewed in the same pull request as the change).

Templates are parsed offline: AWS managed policies stay references (cfn-policy-validator
would fetch and validate AWS's own documents); the managed policy ARNs of a prod role are
compared with its reference here instead (E808). Findings point at the data file and line
that caused the stack (the level, the grant, the person).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from jumpgate.core.findings import Finding
from jumpgate.core.paths import MANIFEST
from jumpgate.core.rules import hint_of
from jumpgate.gate import cfnparse
from jumpgate.generate.manifest import Entry as StackSpec
from jumpgate.generate.manifest import ManifestError, read_manifest
from jumpgate.validate.flow import Result

NEVER_GRANTED = "analyze/never-granted.json"
REFERENCES = "analyze/reference"
ROLE_TEMPLATE = "target-role.yaml"
BLOCKING = ["ERROR", "SECURITY_WARNING"]
ClientFactory = Callable[[str, str], Any]  # (service, region) -> boto3 client


class AnalyzeError(RuntimeError):
    """Analyze cannot run (no credentials, no manifest, AWS refused): a message, exit 2."""


def reference_file(stack: StackSpec) -> str:
    return f"{REFERENCES}/{stack.account}/{stack.name}.json"


def load_stacks(root: Path) -> tuple[str, list[StackSpec]]:
    """(identity account id, stacks) from the committed manifest."""
    try:
        manifest = read_manifest(root)
    except ManifestError as err:
        raise AnalyzeError(str(err)) from err
    if not manifest.identity_id:
        raise AnalyzeError(f"{MANIFEST} names no identity account; run `jumpgate render`")
    return manifest.identity_id, manifest.entries


def never_granted(root: Path) -> list[str]:
    path = root / NEVER_GRANTED
    if not path.is_file():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    return [str(a) for a in data.get("actions", [])]


def credentials_available() -> bool:
    boto3 = importlib.import_module("boto3")
    try:
        return boto3.Session().get_credentials() is not None
    except Exception:
        return False


@contextmanager
def aws_clients(factory: ClientFactory | None) -> Iterator[None]:
    """Let cfn-policy-validator use these clients (tests pass botocore-stubbed ones)."""
    if factory is None:
        yield
        return
    from cfn_policy_validator import client

    real = client.build
    client.build = lambda service, region, client_config=None: factory(service, region)
    try:
        yield
    finally:
        client.build = real


def parse_stack(root: Path, stack: StackSpec) -> Any:
    """cfn-policy-validator's parser output for one stack, offline, AWS managed policies out."""
    import cfn_policy_validator as cpv
    from cfn_policy_validator.parsers.account_config import AccountConfig

    prepared = cfnparse.prepare_stack(
        root, stack.template, stack.parameter_file, region=stack.region, account_id=stack.account_id
    )
    config = AccountConfig(prepared.partition, prepared.region, prepared.account_id)
    with cfnparse.offline():
        template = cpv._parse_template(prepared.template_body, config, prepared.parameters, False)
        output = cpv._parse_template_output(template, config)
    for identity in (*output.Roles, *output.Users, *output.Groups):
        identity.Policies = [p for p in identity.Policies if not p.IsAWSManagedPolicy]
    return output


def managed_arns(root: Path, stack: StackSpec) -> list[str]:
    raw = cfnparse.read_parameter_file(root / stack.parameter_file)
    return sorted(a for a in raw.get("ManagedPolicyArns", "").split(",") if a)


def reference_of(root: Path, stack: StackSpec, output: Any) -> dict[str, Any]:
    role = output.Roles[0]
    return {
        "stack": stack.name,
        "ManagedPolicyArns": managed_arns(root, stack),
        "IdentityPolicies": {p.Name: p.Policy for p in role.Policies},
        "TrustPolicy": role.TrustPolicy,
    }


def _merged(policies: dict[str, Any]) -> dict[str, Any]:
    statements: list[Any] = []
    for document in policies.values():
        found = document.get("Statement", [])
        statements.extend(found if isinstance(found, list) else [found])
    return {"Version": "2012-10-17", "Statement": statements}


class Locator:
    """The data-file position that causes a stack (falls back to the template)."""

    def __init__(self, result: Result) -> None:
        self.result = result

    def finding(self, stack: StackSpec, rule_id: str, message: str) -> Finding:
        exp, org = self.result.expansion, self.result.org
        params = cfnparse.read_parameter_file(self.result.org.root / stack.parameter_file)
        text = f"{stack.name} ({stack.account}): {message}"
        role = exp.roles.get((stack.account, params.get("RoleName", "")))
        if role is not None:
            return role.level.source.finding(rule_id, text, key=True)
        group = exp.groups.get(params.get("GroupName", ""))
        if group is not None:
            return group.grant.source.finding(rule_id, text)
        for team_name in sorted(org.teams):
            person = org.teams[team_name].people.get(params.get("UserName", ""))
            if person is not None:
                return person.source.finding(rule_id, text, key=True)
        return Finding(stack.template, 0, 0, rule_id, text, hint_of(rule_id))


def _report_findings(report: Any, blocking: bool) -> Iterator[tuple[str, str]]:
    for item in report.blocking_findings if blocking else report.nonblocking_findings:
        kind = getattr(item, "findingType", "")
        where = f"{getattr(item, 'resourceName', '')}/{getattr(item, 'policyName', '')}"
        yield kind, f"{getattr(item, 'code', '')} in {where}: {getattr(item, 'message', '')}"


def analyze_stack(
    root: Path, stack: StackSpec, identity_id: str, strict: bool, locate: Locator
) -> list[Finding]:
    from cfn_policy_validator.argument_actions import parse_allow_external_principals
    from cfn_policy_validator.validation import policy_analysis, validator

    out: list[Finding] = []
    output = parse_stack(root, stack)
    report = validator.validate(
        output, [], BLOCKING, parse_allow_external_principals([identity_id])
    )
    for kind, text in _report_findings(report, True):
        out.append(locate.finding(stack, "E801" if kind == "ERROR" else "E802", text))
    for kind, text in _report_findings(report, False):
        if kind in ("WARNING", "SUGGESTION"):
            out.append(locate.finding(stack, "W803" if kind == "WARNING" else "I804", text))
    actions = never_granted(root)
    if actions:
        report = policy_analysis.check_access(output, [], True, actions=actions)
        for _, text in _report_findings(report, True):
            out.append(locate.finding(stack, "E806", text))
    if strict and stack.template.endswith(ROLE_TEMPLATE) and output.Roles:
        out += _compare_with_reference(root, stack, output, locate)
    return out


def _compare_with_reference(
    root: Path, stack: StackSpec, output: Any, locate: Locator
) -> list[Finding]:
    from cfn_policy_validator.validation import policy_analysis

    path = root / reference_file(stack)
    if not path.is_file():
        return [locate.finding(stack, "E807", f"no reference policy {reference_file(stack)}")]
    reference = json.loads(path.read_text(encoding="utf-8"))
    out: list[Finding] = []
    added = sorted(set(managed_arns(root, stack)) - set(reference.get("ManagedPolicyArns", [])))
    if added:
        out.append(locate.finding(stack, "E808", f"managed policies not in the reference: {added}"))
    identity = reference.get("IdentityPolicies") or {}
    if output.Roles[0].Policies:
        if identity:
            report = policy_analysis.compare(
                output, json.dumps(_merged(identity)), "identity", [], True
            )
            for _, text in _report_findings(report, True):
                out.append(locate.finding(stack, "E805", text))
        else:
            out.append(
                locate.finding(stack, "E805", "identity policies where the reference has none")
            )
    trust = reference.get("TrustPolicy")
    if trust:
        report = policy_analysis.compare(output, json.dumps(trust), "resource", [], True)
        for _, text in _report_findings(report, True):
            out.append(locate.finding(stack, "E805", text))
    return out


def strict_stages(result: Result) -> set[str]:
    return {env.stage for env in result.org.environments.values() if env.strict}


def selected(
    stacks: list[StackSpec], names: list[str] | None, stage: str | None
) -> list[StackSpec]:
    chosen = [
        s for s in stacks if (not names or s.name in names) and (not stage or s.stage == stage)
    ]
    if names:
        missing = sorted(set(names) - {s.name for s in chosen})
        if missing:
            raise AnalyzeError(f"no such stack in the manifest: {', '.join(missing)}")
    return chosen


def analyze(
    root: Path,
    result: Result,
    *,
    names: list[str] | None = None,
    stage: str | None = None,
    clients: ClientFactory | None = None,
) -> tuple[list[Finding], int]:
    """Findings of every selected stack, and how many stacks were analyzed."""
    errors = importlib.import_module("botocore.exceptions")
    aws_errors = (errors.BotoCoreError, errors.ClientError)
    identity_id, stacks = load_stacks(root)
    stacks = selected(stacks, names, stage)
    strict = strict_stages(result)
    locate = Locator(result)
    findings: list[Finding] = []
    with aws_clients(clients):
        for stack in stacks:
            try:
                findings += analyze_stack(root, stack, identity_id, stack.stage in strict, locate)
            except cfnparse.CfnParseError as err:
                findings.append(locate.finding(stack, "E809", str(err)))
            except aws_errors as err:
                raise AnalyzeError(f"AWS refused while analyzing {stack.name}: {err}") from err
    return findings, len(stacks)


def write_references(root: Path, result: Result) -> list[str]:
    """Write the reference of every role stack in a strict stage; offline. Returns changed files."""
    _, stacks = load_stacks(root)
    strict = strict_stages(result)
    written = []
    for stack in stacks:
        if stack.stage not in strict or not stack.template.endswith(ROLE_TEMPLATE):
            continue
        output = parse_stack(root, stack)
        text = json.dumps(reference_of(root, stack, output), indent=2, sort_keys=True) + "\n"
        path = root / reference_file(stack)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(reference_file(stack))
    return written
