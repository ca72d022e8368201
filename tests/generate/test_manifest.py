"""The manifest is merge-friendly: one line per stack, no global numbering, so adding a person
adds their line (and their new groups' lines) and nothing else, and two pull requests that add
people to different teams merge cleanly. The deploy order read back is the old format's."""

from __future__ import annotations

import datetime as dt
import difflib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from helpers import REPO, TODAY, copy_org, replace, run
from jumpgate.core.paths import MANIFEST, PARAMETERS
from jumpgate.demo import synth
from jumpgate.generate.expansion import Expansion
from jumpgate.generate.manifest import Entry, ManifestError, read_manifest
from jumpgate.generate.render import rendered_files, stack_line, write
from jumpgate.model.organization import Organization
from jumpgate.validate.flow import validate

IDENTITY = "learnaws-identity"


def _render(root: Path) -> dict[str, str]:
    result = validate(root, dt.date.fromisoformat(TODAY))
    assert result.ok, result.findings
    files = rendered_files(result.org, result.expansion)
    write(root, files)
    return files


def _line_diff(before: str, after: str) -> tuple[list[str], list[str]]:
    """(removed, added) lines, as `git diff` counts them."""
    removed, added = [], []
    for line in difflib.unified_diff(before.splitlines(), after.splitlines(), n=0, lineterm=""):
        if line.startswith(("---", "+++", "@@")):
            continue
        (added if line.startswith("+") else removed).append(line[1:])
    return removed, added


def _user_line(user: str, groups: list[str], stage: str = "identity") -> str:
    depends = ",".join(f'"{g}"' for g in ["jumpgate-baseline", *groups])
    return (
        f'    {{"account":"{IDENTITY}","account_id":"100000000001","depends_on":[{depends}],'
        f'"name":"jumpgate-user-{user}",'
        f'"parameter_file":"{PARAMETERS}/{IDENTITY}/jumpgate-user-{user}.json",'
        f'"region":"eu-west-1","stage":"{stage}",'
        f'"template":"cloudformation/templates/identity-user.yaml"}},'
    )


def _changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    return {rel for rel in before.keys() | after.keys() if before.get(rel) != after.get(rel)}


ERIN = "  erin: {name: Erin Walsh, email: erin@learnaws.example}\n"


def test_adding_a_person_to_existing_groups_adds_one_line(tmp_path: Path) -> None:
    root = copy_org(REPO, tmp_path / "org")
    before = _render(root)
    replace(root, "teams/crm.yaml", "  gwen:", f"{ERIN}  gwen:")
    replace(root, "teams/crm.yaml", "  - who: [carol]\n", "  - who: [carol, erin]\n")
    after = _render(root)
    # Group membership lives in the user stack: no group's parameter file changes.
    assert _changed(before, after) == {MANIFEST, f"{PARAMETERS}/{IDENTITY}/jumpgate-user-erin.json"}
    assert _line_diff(before[MANIFEST], after[MANIFEST]) == (
        [],
        [
            _user_line(
                "erin",
                ["jumpgate-group-crm-exports-prod", "jumpgate-group-crm-readonly-dev-staging-prod"],
                "prod",  # a person in a prod-reaching group is deployed behind the approval
            )
        ],
    )


def test_adding_a_person_with_a_new_group_adds_their_lines_only(tmp_path: Path) -> None:
    root = copy_org(REPO, tmp_path / "org")
    before = _render(root)
    replace(root, "teams/crm.yaml", "  gwen:", f"{ERIN}  gwen:")
    (root / "teams/crm.yaml").write_text(
        (root / "teams/crm.yaml").read_text(encoding="utf-8")
        + "  - who: [erin]\n    level: readonly\n    accounts: [bi-prod]\n",
        encoding="utf-8",
    )
    after = _render(root)
    group = "jumpgate-group-crm-readonly-bi-prod"
    # crm now reaches bi-prod: bi becomes a code owner of teams/crm.yaml; the prod role's
    # trust admits one more strict group (its tag id)
    assert _changed(before, after) == {
        MANIFEST,
        ".github/CODEOWNERS",
        f"{PARAMETERS}/{IDENTITY}/{group}.json",
        f"{PARAMETERS}/{IDENTITY}/jumpgate-user-erin.json",
        f"{PARAMETERS}/bi-prod/jumpgate-role-readonly.json",
    }
    assert _line_diff(before[MANIFEST], after[MANIFEST]) == (
        [],
        [
            f'    {{"account":"{IDENTITY}","account_id":"100000000001",'
            f'"depends_on":["jumpgate-baseline"],"name":"{group}",'
            f'"parameter_file":"{PARAMETERS}/{IDENTITY}/{group}.json",'
            f'"region":"eu-west-1","stage":"prod",'
            f'"template":"cloudformation/templates/identity-group.yaml"}},',
            _user_line("erin", [group, "jumpgate-group-crm-readonly-dev-staging-prod"], "prod"),
        ],
    )


def _git(root: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
    }
    done = subprocess.run(
        ["git", *args], cwd=root, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stdout}{done.stderr}"
    return done.stdout


def _branch_adding(root: Path, branch: str, team: str, person: str, before: str) -> None:
    _git(root, "checkout", "-q", "-b", branch, "main")
    line = f"  {person}: {{name: {person.title()} Test, email: {person}@learnaws.example}}\n"
    replace(root, f"teams/{team}.yaml", f"  {before}:", f"{line}  {before}:")
    assert run("render", "--root", str(root)) == (
        0,
        "",
        "render: 2 written, 0 deleted, 67 unchanged (69 files)\n"
        f"  wrote   {MANIFEST}\n"
        f"  wrote   {PARAMETERS}/{IDENTITY}/jumpgate-user-{person}.json\n",
    )
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", f"add {person} to {team}")


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_two_branches_adding_people_to_different_teams_merge_cleanly(tmp_path: Path) -> None:
    root = copy_org(REPO, tmp_path / "org")
    shutil.copy2(REPO / ".gitignore", root / ".gitignore")  # the caches are not committed
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "example")
    _branch_adding(root, "crm-erin", "crm", "erin", "gwen")
    _branch_adding(root, "bi-ines", "bi", "ines", "ivan")
    _git(root, "checkout", "-q", "crm-erin")
    _git(root, "merge", "-q", "--no-edit", "bi-ines")  # asserts exit 0: no conflict
    assert _git(root, "status", "--porcelain") == ""
    assert _git(root, "diff", "--numstat", "main", "HEAD").splitlines() == [
        f"2\t0\t{MANIFEST}",
        f"15\t0\t{PARAMETERS}/{IDENTITY}/jumpgate-user-erin.json",
        f"15\t0\t{PARAMETERS}/{IDENTITY}/jumpgate-user-ines.json",
        "1\t0\tteams/bi.yaml",
        "1\t0\tteams/crm.yaml",
    ]
    assert run("render", "--check", "--root", str(root)) == (
        0,
        "",
        "render --check: 70 generated files up to date\n",
    )
    names = [e.name for e in read_manifest(root).entries]
    assert names[names.index("jumpgate-user-emueller") :][:3] == [
        "jumpgate-user-emueller",
        "jumpgate-user-erin",
        "jumpgate-user-fatima",
    ]
    assert names[names.index("jumpgate-user-hana") :][:3] == [
        "jumpgate-user-hana",
        "jumpgate-user-ines",
        "jumpgate-user-ivan",
    ]


def _version_1(org: Organization, expansion: Expansion) -> dict[str, Any]:
    """The manifest as format version 1 wrote it (before this change), for comparison."""
    identity = expansion.identity
    return {
        "version": 1,
        "organization": org.name,
        "region": org.region,
        "identity_account": {"name": identity.name, "id": identity.id} if identity else None,
        "stages": expansion.stages,
        "stacks": [
            {
                "order": index,
                "name": s.name,
                "stage": s.stage,
                "account": s.account,
                "account_id": s.account_id,
                "region": s.region,
                "template": s.template,
                "parameter_file": s.parameter_file,
                "depends_on": list(s.depends_on),
            }
            for index, s in enumerate(expansion.stacks)
        ],
    }


def _assert_same_order_as_version_1(root: Path) -> int:
    result = validate(root, dt.date.fromisoformat(TODAY))
    assert result.ok
    write(root, rendered_files(result.org, result.expansion))
    old = _version_1(result.org, result.expansion)
    by_order = sorted(old["stacks"], key=lambda s: s["order"])
    expected = [
        Entry(
            name=s["name"],
            stage=s["stage"],
            account=s["account"],
            account_id=s["account_id"],
            region=s["region"],
            template=s["template"],
            parameter_file=s["parameter_file"],
            depends_on=tuple(s["depends_on"]),
        )
        for s in by_order
    ]
    manifest = read_manifest(root)
    assert manifest.entries == expected
    assert {k: v for k, v in manifest.data.items() if k not in ("stacks", "version")} == {
        k: v for k, v in old.items() if k not in ("stacks", "version")
    }
    return len(expected)


def test_deploy_order_of_the_example_is_the_old_formats(tmp_path: Path) -> None:
    assert _assert_same_order_as_version_1(copy_org(REPO, tmp_path / "org")) == 66


def test_deploy_order_of_a_synthetic_m_organization_is_the_old_formats(tmp_path: Path) -> None:
    root = tmp_path / "org-m"
    synth.write(root, synth.synthesize(synth.SIZES["M"], seed=1))  # `jumpgate synth --size M`
    assert _assert_same_order_as_version_1(root) == 740


def test_every_stack_is_one_line_of_sorted_compact_json(tmp_path: Path) -> None:
    root = copy_org(REPO, tmp_path / "org")
    lines = _render(root)[MANIFEST].splitlines()
    stacks = json.loads("\n".join(lines))["stacks"]
    assert lines[8:74] == [
        "    " + json.dumps(s, sort_keys=True, separators=(",", ":")) + ("," if n < 65 else "")
        for n, s in enumerate(stacks)
    ]


def test_a_version_1_manifest_is_refused(tmp_path: Path) -> None:
    root = copy_org(REPO, tmp_path / "org")
    path = root / MANIFEST
    path.write_text(path.read_text().replace('"version": 2', '"version": 1'))
    with pytest.raises(ManifestError) as raised:
        read_manifest(root)
    assert str(raised.value) == (
        f"cannot read {MANIFEST}: format version 1, this jumpgate reads version 2; "
        "run `jumpgate render`"
    )


def test_a_dependency_listed_after_its_dependent_is_refused(tmp_path: Path) -> None:
    """A hand-edited or badly merged manifest must not deploy a user before their groups."""
    root = copy_org(REPO, tmp_path / "org")
    path = root / MANIFEST
    lines = path.read_text().splitlines(keepends=True)
    baseline = lines.pop(8)
    lines.insert(9, baseline)
    path.write_text("".join(lines))
    with pytest.raises(ManifestError) as raised:
        read_manifest(root)
    assert str(raised.value) == (
        f"cannot read {MANIFEST}: jumpgate-group-bi-admin-dev-staging is listed before "
        "jumpgate-baseline, its dependencies; run `jumpgate render`"
    )


def test_stack_line_is_what_the_standard_library_writes() -> None:
    from jumpgate.generate.expansion import Stack

    stack = Stack("n", "s", "ä", "1", "r", "t", {}, {}, ("a", "b"))
    assert stack_line(stack) == json.dumps(
        {
            "name": "n",
            "stage": "s",
            "account": "ä",
            "account_id": "1",
            "region": "r",
            "template": "t",
            "parameter_file": f"{PARAMETERS}/ä/n.json",
            "depends_on": ["a", "b"],
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
