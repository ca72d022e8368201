"""The gate's escalation, pass-role and admin rules on the pipeline templates' own IAM.

Each template of cloudformation/pipeline/ is resolved (cfntemplate) in every variant its
Conditions can take: each value a parameter they test may take (AllowedValues, or the literals
it is compared with), in the identity account and in another account when they test the
account. Every IAM role, group and user it makes is a holder (holder.py) of its inline
policies, the AWS::IAM::ManagedPolicy and AWS::IAM::Policy resources attached to it, and the
managed policy ARNs it names (unseen: their content is not read). Each document is judged by
the rules in RULE_MODULES as a strict policy; a finding points at the statement or action as
written in the template, once however many holders and variants share it.

scp.yaml makes an SCP (AWS::Organizations::Policy), not an identity policy: nothing in it is
held, and it is proven by evaluation in tests/templates/test_security_boundary.py instead.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from jumpgate.core.findings import Finding
from jumpgate.core.readfile import UnsafeFile, read_capped
from jumpgate.core.rules import hint_of
from jumpgate.gate.cfntemplate import Stack, TemplateError, load
from jumpgate.gate.checks import (
    r_escalation,
    r_pass_role_combo,
    r_pass_role_star,
    r_wildcard_action,
)
from jumpgate.gate.checks.base import Target
from jumpgate.gate.checks.holder import ROLE, USER, Holder
from jumpgate.model.loader import Document, JsonPath
from jumpgate.model.organization import Source

FOLDER = "cloudformation/pipeline"
RULE_MODULES: tuple[ModuleType, ...] = (
    r_wildcard_action,
    r_escalation,
    r_pass_role_combo,
    r_pass_role_star,
)
RULE_IDS = ("E742",)
KIND = "template policy"
IDENTITY, OTHER = "111111111111", "222222222222"
MAX_VARIANTS = 64
MAX_BYTES = 4 * 1024 * 1024
_HOLDERS = {"AWS::IAM::Role": ROLE, "AWS::IAM::Group": USER, "AWS::IAM::User": USER}
_ATTACHED = {ROLE: "Roles", USER: "Groups"}


@dataclass(frozen=True)
class Checked:
    findings: list[Finding]
    policies: int


def templates(root: Path) -> list[str]:
    folder = root / FOLDER
    if not folder.is_dir():
        return []
    return sorted(f"{FOLDER}/{p.name}" for p in folder.iterdir() if p.suffix in (".yaml", ".yml"))


def check_templates(root: Path, files: Iterable[str] | None = None) -> Checked:
    """Findings of every pipeline template (or of `files`), and how many policies were judged."""
    findings: list[Finding] = []
    count = 0
    for rel in templates(root) if files is None else files:
        try:
            text = read_capped(root / rel, MAX_BYTES).decode("utf-8")
            found, judged = check_template(rel, text)
        except (UnsafeFile, OSError, UnicodeDecodeError) as err:
            findings.append(_unresolved(rel, f"cannot be read: {err}", (1, 1)))
            continue
        except TemplateError as err:
            findings.append(_unresolved(rel, str(err), err.at))
            continue
        findings += found
        count += judged
    return Checked(findings, count)


def _unresolved(rel: str, message: str, at: tuple[int, int]) -> Finding:
    text = f"the gate cannot resolve this template's IAM: {message}"
    return Finding(rel, at[0], at[1], "E742", text, hint_of("E742"))


def check_template(rel: str, text: str) -> tuple[list[Finding], int]:
    template, positions = load(text)
    merged: dict[tuple[int, int, str, str], set[str]] = {}
    count = 0
    try:
        for stack in variants(template, positions):
            for target in targets(rel, stack, positions):
                count += 1
                for module in RULE_MODULES:
                    for hit in module.check_policy(target, None):
                        finding = hit.source.finding(hit.rule_id, hit.message, sub=hit.sub)
                        key = (finding.line, finding.column, finding.rule_id, finding.message)
                        merged.setdefault(key, set()).add(target.name)
    except (KeyError, IndexError, TypeError, AttributeError) as err:
        raise TemplateError(f"unexpected shape ({type(err).__name__}: {err})") from err
    findings = [
        Finding(rel, line, column, rule, f"{message} ({', '.join(sorted(names))})", hint_of(rule))
        for (line, column, rule, message), names in sorted(merged.items())
    ]
    return findings, count


def variants(
    template: dict[str, Any], positions: dict[JsonPath, tuple[int, int]] | None = None
) -> Iterator[Stack]:
    """The template resolved with every combination its Conditions can tell apart."""
    conditions = template.get("Conditions") or {}
    params = template.get("Parameters") or {}
    tested = {name for name in _refs(conditions) if name in params}
    choices: dict[str, list[str]] = {}
    for name in sorted(tested):
        spec = params[name]
        allowed = [str(v) for v in spec.get("AllowedValues", [])]
        choices[name] = allowed or sorted({_sample(name, spec), *_compared(conditions, name)})
    accounts = [IDENTITY, OTHER] if "AWS::AccountId" in _refs(conditions) else [IDENTITY]
    combos = list(itertools.product(accounts, *choices.values()))
    if len(combos) > MAX_VARIANTS:
        raise TemplateError(f"its Conditions have {len(combos)} variants (at most {MAX_VARIANTS})")
    for account, *values in combos:
        given = {name: _sample(name, spec) for name, spec in params.items()}
        given.update(zip(choices, values, strict=True))
        yield Stack(template, given, account, positions=positions or {})


def _sample(name: str, spec: dict[str, Any]) -> str:
    if "Default" in spec:
        return str(spec["Default"])
    if name == "IdentityAccountId":
        return IDENTITY
    return f"example-{name.lower()}"


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {str(node["Ref"])} if "Ref" in node and isinstance(node["Ref"], str) else set()
        return found.union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()


def _compared(node: Any, name: str) -> set[str]:
    """Literals a parameter is compared with by Fn::Equals."""
    found: set[str] = set()
    if isinstance(node, dict):
        pair = node.get("Fn::Equals")
        if isinstance(pair, list) and {"Ref": name} in pair:
            found.update(str(v) for v in pair if not isinstance(v, dict))
        for value in node.values():
            found |= _compared(value, name)
    elif isinstance(node, list):
        for value in node:
            found |= _compared(value, name)
    return found


def targets(rel: str, stack: Stack, positions: dict[JsonPath, tuple[int, int]]) -> list[Target]:
    """Every identity policy document of the stack, as a target held by its principal."""
    managed = stack.resources("AWS::IAM::ManagedPolicy")
    attached = stack.resources("AWS::IAM::Policy")
    arns = {stack.policy_arn(key): key for key in managed}
    data: dict[int, list[Any]] = {}  # holder -> its documents
    values: dict[JsonPath, tuple[int, int]] = {}
    document = Document(rel, data, values)
    out = []
    for kind_name, kind in _HOLDERS.items():
        for key, props in stack.resources(kind_name).items():
            name = stack.ref(key)
            field = "Users" if kind_name == "AWS::IAM::User" else _ATTACHED[kind]
            named = [str(a) for a in props.get("ManagedPolicyArns", [])]
            held = [
                *named,
                *(stack.policy_arn(k) for k, p in managed.items() if name in p.get(field, [])),
            ]
            docs = [p["PolicyDocument"] for p in props.get("Policies", [])]
            docs += [managed[arns[a]]["PolicyDocument"] for a in held if a in arns]
            docs += [p["PolicyDocument"] for p in attached.values() if name in p.get(field, [])]
            holder = Holder(
                kind,
                (stack.role_arn(key),) if kind == ROLE else (),
                tuple(docs),
                any(a not in arns for a in named),  # an AWS managed policy: not read here
                tuple(held),
                f"/{stack.parameters.get('Prefix', 'jumpgate')}/",
            )
            for n, policy in enumerate(docs):
                where: JsonPath = (len(data), n)
                values.update({(*where, *k): v for k, v in stack.places(policy, positions).items()})
                out.append(
                    Target(KIND, key, policy, Source(document, where), (), True, (), holder=holder)
                )
            data[len(data)] = docs
    return out
