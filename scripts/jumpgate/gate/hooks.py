"""Pre-commit hooks that are not `jumpgate` commands: `python -m jumpgate.gate.hooks NAME FILES…`.

- `syntax`: YAML and JSON files that jumpgate does not load as data (templates, parameter
  files, the manifest, schemas, CI files) must parse, without duplicate keys or tabs.
- `cfn-lint`: when a template changes, cfn-lint lints it in this one process once per
  template, with every parameter file of the manifest that uses it (cfn-lint wants
  CommaDelimitedList values as lists, like cfn-policy-validator). When only parameter files
  changed (they are generated, and `jumpgate check --render-check` proves they match the team
  files), each is checked against its template's parameter declarations in-process instead:
  every parameter present and known, types, AllowedPattern, AllowedValues, MinValue/MaxValue,
  MinLength/MaxLength. That skips cfn-lint's one-second start-up on every team edit;
  `JUMPGATE_CFN_LINT=always` runs cfn-lint for parameter changes too.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jumpgate.core.findings import Finding, format_text, sort_findings
from jumpgate.core.rules import hint_of

TEMPLATES = "cloudformation/templates/"
PIPELINE_TEMPLATES = "cloudformation/pipeline/"  # no parameter files: linted on their own
PARAMETERS = "cloudformation/parameters/"
MANIFEST = "cloudformation/manifest.json"


def _finding(path: str, line: int, column: int, rule: str, message: str) -> Finding:
    return Finding(path, line, column, rule, message, hint_of(rule))


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def check_syntax(root: Path, files: Sequence[str]) -> list[Finding]:
    out: list[Finding] = []
    for rel in files:
        try:
            text = (root / rel).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            out.append(_finding(rel, 0, 0, "E001", f"cannot be read: {err}"))
            continue
        if rel.endswith(".json"):
            try:
                json.loads(text, object_pairs_hook=_no_duplicates)
            except json.JSONDecodeError as err:
                out.append(_finding(rel, err.lineno, err.colno, "E741", err.msg))
            except ValueError as err:
                out.append(_finding(rel, 0, 0, "E003", str(err)))
            continue
        from ruamel.yaml import YAML  # imported only when there is YAML to read
        from ruamel.yaml.constructor import DuplicateKeyError
        from ruamel.yaml.error import MarkedYAMLError, YAMLError

        yaml = YAML(typ="rt", pure=True)  # keeps CloudFormation's short-form tags
        yaml.allow_duplicate_keys = False
        try:
            yaml.load(text)
        except DuplicateKeyError as err:
            mark = err.problem_mark
            line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
            out.append(_finding(rel, line, col, "E003", (err.problem or "duplicate key").strip()))
        except MarkedYAMLError as err:
            mark = err.problem_mark or err.context_mark
            line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
            problem = (err.problem or err.context or "invalid YAML").strip()
            out.append(_finding(rel, line, col, "E002", problem))
        except YAMLError as err:
            out.append(_finding(rel, 0, 0, "E002", str(err).splitlines()[0]))
    return out


def _manifest_stacks(root: Path) -> list[dict[str, Any]]:
    try:
        stacks = json.loads((root / MANIFEST).read_text(encoding="utf-8"))["stacks"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    return [s for s in stacks if isinstance(s, dict)]


def _template_parameters(root: Path, template: str) -> dict[str, Any]:
    # libyaml, not ruamel's pure-Python parser: a parameter-only commit must stay instant
    # (the template's own syntax is the syntax hook's and cfn-lint's job).
    import yaml

    class TemplateLoader(yaml.CSafeLoader):
        pass

    def any_tag(loader: yaml.CSafeLoader, suffix: str, node: yaml.Node) -> None:
        return None  # !Ref, !Sub...: Parameters never need them

    TemplateLoader.add_multi_constructor("!", any_tag)
    data = yaml.load((root / template).read_text(encoding="utf-8"), Loader=TemplateLoader)
    params = data.get("Parameters", {}) if isinstance(data, dict) else {}
    return {str(k): dict(v) for k, v in params.items() if isinstance(v, dict)}


def _value_problems(name: str, spec: dict[str, Any], value: str) -> list[str]:
    kind = str(spec.get("Type", "String"))
    problems = []
    items = value.split(",") if kind == "CommaDelimitedList" else [value]
    if kind == "Number":
        try:
            number = float(value)
        except ValueError:
            return [f"{name}: {value!r} is not a number"]
        if "MinValue" in spec and number < float(spec["MinValue"]):
            problems.append(f"{name}: {value} is below MinValue {spec['MinValue']}")
        if "MaxValue" in spec and number > float(spec["MaxValue"]):
            problems.append(f"{name}: {value} is above MaxValue {spec['MaxValue']}")
        return problems
    for item in items if value or kind != "CommaDelimitedList" else []:
        pattern = spec.get("AllowedPattern")
        if pattern and not re.fullmatch(str(pattern), item):
            problems.append(f"{name}: {item!r} does not match AllowedPattern {pattern!r}")
        allowed = spec.get("AllowedValues")
        if allowed and item not in [str(a) for a in allowed]:
            problems.append(f"{name}: {item!r} is not one of {list(allowed)}")
        if "MaxLength" in spec and len(item) > int(spec["MaxLength"]):
            problems.append(f"{name}: longer than MaxLength {spec['MaxLength']}")
        if "MinLength" in spec and len(item) < int(spec["MinLength"]):
            problems.append(f"{name}: shorter than MinLength {spec['MinLength']}")
    return problems


def check_parameter_files(root: Path, files: Sequence[str]) -> list[Finding]:
    by_file = {s.get("parameter_file"): s for s in _manifest_stacks(root)}
    declared: dict[str, dict[str, Any]] = {}
    out: list[Finding] = []
    for rel in files:
        stack = by_file.get(rel)
        if stack is None:
            continue  # an orphan: `jumpgate check --render-check` reports E603
        template = str(stack.get("template"))
        if template not in declared:
            declared[template] = _template_parameters(root, template)
        spec = declared[template]
        try:
            params = json.loads((root / rel).read_text(encoding="utf-8"))["Parameters"]
        except (OSError, ValueError, KeyError, TypeError) as err:
            out.append(_finding(rel, 0, 0, "E740", f"not a template-configuration file: {err}"))
            continue
        problems = [f"{n}: missing (parameter files hold every parameter)" for n in spec]
        problems = [p for p, n in zip(problems, spec, strict=True) if n not in params]
        problems += [f"{n}: not a parameter of {template}" for n in params if n not in spec]
        for name, value in params.items():
            if name in spec:
                if not isinstance(value, str):
                    problems.append(f"{name}: values are strings in this format")
                else:
                    problems += _value_problems(name, spec[name], value)
        out += [_finding(rel, 0, 0, "E740", p) for p in problems]
    return out


def run_cfn_lint(root: Path, templates: Sequence[str], region: str) -> tuple[list[str], bool]:
    """cfn-lint on each template with all its parameter sets; (lines, any error)."""
    from cfnlint.api import lint
    from cfnlint.config import ManualArgs
    from cfnlint.context.parameters import ParameterSet

    from jumpgate.gate.cfnparse import load_template, parameter_values, read_parameter_file

    stacks = _manifest_stacks(root)
    lines: list[str] = []
    failed = False
    for template in templates:
        body = (root / template).read_text(encoding="utf-8")
        sets = []
        try:
            parsed = load_template(body)
            for stack in stacks:
                if stack.get("template") == template:
                    rel = str(stack["parameter_file"])
                    raw = read_parameter_file(root / rel)
                    sets.append(ParameterSet(rel, dict(parameter_values(parsed, raw))))
        except Exception as err:  # a broken template: cfn-lint reports it below
            lines.append(f"{template}: parameters not applied ({err})")
        config = ManualArgs(regions=[region], parameters=sets) if sets else None
        if config is None:
            config = ManualArgs(regions=[region])
        for match in lint(body, config=config):
            rule = match.rule.id
            failed = failed or rule.startswith("E")
            lines.append(
                f"{template}:{match.linenumber}:{match.columnnumber}: {rule} {match.message}"
            )
    return lines, failed


def _region(root: Path) -> str:
    try:
        return str(json.loads((root / MANIFEST).read_text(encoding="utf-8"))["region"])
    except (OSError, ValueError, KeyError, TypeError):
        return "us-east-1"


def cfn_lint_hook(root: Path, files: Sequence[str]) -> int:
    templates = sorted(f for f in files if f.startswith((TEMPLATES, PIPELINE_TEMPLATES)))
    params = sorted(f for f in files if f.startswith(PARAMETERS))
    if params and os.environ.get("JUMPGATE_CFN_LINT") == "always":
        by_file = {s.get("parameter_file"): s.get("template") for s in _manifest_stacks(root)}
        templates = sorted({*templates, *(str(by_file[p]) for p in params if p in by_file)})
    status = 0
    if params:
        findings = sort_findings(check_parameter_files(root, params))
        sys.stdout.write(format_text(findings))
        status = 1 if findings else 0
    if templates:
        lines, failed = run_cfn_lint(root, templates, _region(root))
        for line in lines:
            print(line)
        status = max(status, 1 if failed else 0)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in ("syntax", "cfn-lint"):
        print("usage: python -m jumpgate.gate.hooks {syntax,cfn-lint} FILE...", file=sys.stderr)
        return 2
    root = Path.cwd()
    files = [Path(f).as_posix() for f in args[1:]]
    if args[0] == "syntax":
        findings = sort_findings(check_syntax(root, files))
        sys.stdout.write(format_text(findings))
        return 1 if findings else 0
    return cfn_lint_hook(root, files)


if __name__ == "__main__":
    raise SystemExit(main())
