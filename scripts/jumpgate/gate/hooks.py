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
  `JUMPGATE_CFN_LINT=always` runs cfn-lint for parameter changes too. A changed pipeline
  template (cloudformation/pipeline/) also gets the gate's escalation, pass-role and admin
  rules on its own IAM (`jumpgate.gate.pipeline_templates`, as `jumpgate check` does).

`staged_gate` is how the `jumpgate` hook (`python -m jumpgate.cli.check --staged`) sees a
commit: pre-commit passes no deleted files and skips symlinks (not of its `file` type), so the
hook runs on every commit and asks git itself whether anything it checks changed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jumpgate.core.findings import Finding, format_text, sort_findings
from jumpgate.core.readfile import UnsafeFile, read_capped
from jumpgate.core.rules import hint_of

TEMPLATES = "cloudformation/templates/"
PIPELINE_TEMPLATES = "cloudformation/pipeline/"  # no parameter files: linted on their own
PARAMETERS = "cloudformation/parameters/"
MANIFEST = "cloudformation/manifest.json"
# What the `jumpgate` hook reads: a staged change here (added, copied, deleted, modified,
# renamed or retyped, symlinks and submodules included) runs the whole check.
CHECKED = re.compile(
    r"^(org/|accounts/|teams/|schemas/|analyze/|cloudformation/(parameters/|manifest\.json$)"
    r"|scripts/jumpgate/|\.pre-commit-config\.yaml$)"
)
# Where a symlink, a submodule or a file the commit does not hold is refused, templates
# included (the cfn-lint hook never sees a symlinked template: it is not of type `file`).
GATED = re.compile(r"^(org/|accounts/|teams/|schemas/|analyze/|cloudformation/)")
GATED_FOLDERS = ("org", "accounts", "teams", "schemas", "analyze", "cloudformation")
# Templates, parameter files, schemas and the manifest are small; generous, never unbounded.
MAX_FILE_BYTES = 4 * 1024 * 1024
_LINK_MODES = {"120000": "a symbolic link", "160000": "a submodule (gitlink)"}


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, check=False, timeout=60
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def staged_gate(root: Path) -> tuple[bool, list[Finding]]:
    """Whether the index changes anything the whole check reads, and what git alone can tell:
    staged symlinks and submodules (E006), and files where the working tree, which the gate
    reads, is not what the commit will hold (E008): a staged deletion still on disk, an
    untracked file in a data folder. Outside a git repository: (True, []) — always check."""
    raw = _git(root, "diff", "--cached", "--raw", "-z", "--no-renames", "--diff-filter=ACDMRT")
    if raw is None:
        return True, []
    fields = raw.split("\0")
    changes = []  # (status, new mode, path)
    for meta, rel in zip(fields[0::2], fields[1::2], strict=False):
        parts = meta.split()
        if len(parts) == 5:
            changes.append((parts[4][0], parts[1], rel))
    gated = [c for c in changes if GATED.match(c[2]) or CHECKED.match(c[2])]
    if not gated:
        return False, []
    out = []
    for status, mode, rel in gated:
        if mode in _LINK_MODES:
            message = f"is staged as {_LINK_MODES[mode]}; jumpgate reads regular files only"
            out.append(_finding(rel, 1, 1, "E006", message))
        elif status == "D" and os.path.lexists(root / rel):
            message = "is deleted in this commit but still on disk, where the gate reads it"
            out.append(_finding(rel, 1, 1, "E008", message))
    untracked = _git(root, "ls-files", "--others", "--exclude-standard", "-z", "--", *GATED_FOLDERS)
    for rel in (untracked or "").split("\0"):
        if rel:
            message = "is not staged, but the gate reads it: `git add` it or move it away"
            out.append(_finding(rel, 1, 1, "E008", message))
    return any(CHECKED.match(c[2]) for c in gated), out


def _read_text(root: Path, rel: str) -> str:
    """A repository file as text: a regular file (never through a symlink), size-capped."""
    return read_capped(root / rel, MAX_FILE_BYTES).decode("utf-8")


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
            text = _read_text(root, rel)
        except UnsafeFile as err:
            out.append(_finding(rel, 1, 1, "E005" if err.too_large else "E006", err.reason))
            continue
        except (OSError, UnicodeDecodeError) as err:
            out.append(_finding(rel, 1, 1, "E001", f"cannot be read: {err}"))
            continue
        if rel.endswith(".json"):
            try:
                json.loads(text, object_pairs_hook=_no_duplicates)
            except json.JSONDecodeError as err:
                out.append(_finding(rel, err.lineno, err.colno, "E741", err.msg))
            except ValueError as err:
                out.append(_finding(rel, 1, 1, "E003", str(err)))
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
            line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            out.append(_finding(rel, line, col, "E003", (err.problem or "duplicate key").strip()))
        except MarkedYAMLError as err:
            mark = err.problem_mark or err.context_mark
            line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            problem = (err.problem or err.context or "invalid YAML").strip()
            out.append(_finding(rel, line, col, "E002", problem))
        except YAMLError as err:
            out.append(_finding(rel, 1, 1, "E002", str(err).splitlines()[0]))
    return out


def _manifest_stacks(root: Path) -> list[dict[str, Any]]:
    try:
        stacks = json.loads(_read_text(root, MANIFEST))["stacks"]
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
    try:
        data = yaml.load(_read_text(root, template), Loader=TemplateLoader)
    except (OSError, ValueError, yaml.YAMLError):
        return {}  # unreadable: the syntax hook and cfn-lint report the template itself
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
            params = json.loads(_read_text(root, rel))["Parameters"]
        except UnsafeFile as err:
            out.append(_finding(rel, 1, 1, "E005" if err.too_large else "E006", err.reason))
            continue
        except (OSError, ValueError, KeyError, TypeError) as err:
            out.append(_finding(rel, 1, 1, "E740", f"not a template-configuration file: {err}"))
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
        text = _read_text(root, rel)
        for problem in problems:  # at the parameter's line when the file names it
            line = _line_of(text, f'"{problem.split(":")[0]}"')
            out.append(_finding(rel, line, 1 if line == 1 else 5, "E740", problem))
    return out


def _line_of(text: str, needle: str) -> int:
    offset = text.find(needle)
    return 1 if offset < 0 else text.count("\n", 0, offset) + 1


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
        try:
            body = _read_text(root, template)
        except (OSError, UnicodeDecodeError) as err:
            lines.append(f"{template}:1:1: E006 cannot be linted: {err}")
            failed = True
            continue
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
        return str(json.loads(_read_text(root, MANIFEST))["region"])
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
    pipeline = [t for t in templates if t.startswith(PIPELINE_TEMPLATES)]
    if pipeline:  # the gate's escalation rules on the pipeline's own IAM (pipeline_templates)
        from jumpgate.gate.pipeline_templates import check_templates

        findings = sort_findings(check_templates(root, pipeline).findings)
        sys.stdout.write(format_text(findings))
        status = max(status, 1 if any(f.rule_id.startswith("E") for f in findings) else 0)
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
