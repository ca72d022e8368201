"""Render: parameter files and the manifest, written deterministically; orphans deleted;
`check` reports stale (E601), missing (E602) and orphaned (E603) files without writing.
The golden test renders tests/golden/*/input and compares every byte with expected/."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from helpers import REPO, TODAY, replace, run
from jumpgate.core.paths import MANIFEST, PARAMETERS
from jumpgate.generate.render import check, existing_files, parameter_file, rendered_files, write
from jumpgate.validate.flow import validate
from refresh_golden import GOLDEN_TODAY, cases


def _files(root: Path) -> dict[str, str]:
    result = validate(root, dt.date.fromisoformat(TODAY))
    assert result.ok
    return rendered_files(result.org, result.expansion)


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for folder in ("cloudformation", ".github")
        for p in sorted((root / folder).rglob("*"))
        if p.is_file()
    }


def test_the_committed_example_is_up_to_date() -> None:
    files = _files(REPO)
    assert check(REPO, files) == []
    assert len(files) == 68  # 66 stacks, the manifest and .github/CODEOWNERS


def test_parameter_file_format(org: Path) -> None:
    result = validate(org, dt.date.fromisoformat(TODAY))
    stack = next(s for s in result.expansion.stacks if s.name == "jumpgate-baseline")
    assert parameter_file(stack) == (
        "{\n"
        '  "Parameters": {\n'
        '    "EveryoneGroupName": "jumpgate-people",\n'
        '    "ForceMfaPolicyName": "jumpgate-force-mfa",\n'
        '    "Path": "/jumpgate/"\n'
        "  },\n"
        '  "Tags": {\n'
        '    "jumpgate:managed-by": "jumpgate",\n'
        '    "jumpgate:organization": "learnaws"\n'
        "  }\n"
        "}\n"
    )


def test_non_ascii_names_are_written_as_utf8(org: Path) -> None:
    replace(org, "teams/crm.yaml", "name: Bob Chen", "name: Bøb Chén")
    text = _files(org)[f"{PARAMETERS}/learnaws-identity/jumpgate-user-bob.json"]
    assert '"FullName": "Bøb Chén"' in text
    write(org, _files(org))
    assert (
        "Bøb Chén".encode()
        in (org / PARAMETERS / "learnaws-identity" / "jumpgate-user-bob.json").read_bytes()
    )


def test_manifest(org: Path) -> None:
    text = _files(org)[MANIFEST]
    manifest = json.loads(text)
    assert {k: v for k, v in manifest.items() if k != "stacks"} == {
        "version": 2,
        "organization": "learnaws",
        "region": "eu-west-1",
        "identity_account": {"name": "learnaws-identity", "id": "100000000001"},
        "stages": ["identity", "dev", "staging", "prod"],
    }
    stacks = manifest["stacks"]
    assert len(stacks) == 66
    # One line per stack, keys sorted, no order number: the list's order is the deploy order.
    lines = text.splitlines()
    assert lines[8] == (
        '    {"account":"learnaws-identity","account_id":"100000000001","depends_on":[],'
        '"name":"jumpgate-baseline","parameter_file":'
        '"cloudformation/parameters/learnaws-identity/jumpgate-baseline.json",'
        '"region":"eu-west-1","stage":"identity",'
        '"template":"cloudformation/templates/identity-baseline.yaml"},'
    )
    assert [json.loads(line.rstrip(",")) for line in lines[8:74]] == stacks
    assert lines[74] == "  ],"
    assert len(lines) == 83
    assert stacks[0] == {
        "name": "jumpgate-baseline",
        "stage": "identity",
        "account": "learnaws-identity",
        "account_id": "100000000001",
        "region": "eu-west-1",
        "template": "cloudformation/templates/identity-baseline.yaml",
        "parameter_file": "cloudformation/parameters/learnaws-identity/jumpgate-baseline.json",
        "depends_on": [],
    }
    # Every stack's dependencies come before it.
    seen: set[str] = set()
    for stack in stacks:
        assert set(stack["depends_on"]) <= seen, stack["name"]
        seen.add(stack["name"])


def test_rendering_is_deterministic(org: Path) -> None:
    assert _files(org) == _files(org)


def test_write_is_idempotent(org: Path) -> None:
    files = _files(org)
    outcome = write(org, files)
    assert (outcome.written, outcome.deleted, outcome.unchanged) == ([], [], 68)


def test_write_deletes_a_removed_persons_file(org: Path) -> None:
    replace(
        org, "teams/crm.yaml", "  gwen: {name: Gwen Harris, email: gwen@learnaws.example}\n", ""
    )
    outcome = write(org, _files(org))
    assert outcome.deleted == [f"{PARAMETERS}/learnaws-identity/jumpgate-user-gwen.json"]
    # Group membership lives in the user stacks, so only the manifest changes besides.
    assert outcome.written == [MANIFEST]
    assert not (org / PARAMETERS / "learnaws-identity" / "jumpgate-user-gwen.json").exists()
    assert check(org, _files(org)) == []


def test_write_removes_an_account_folder_left_empty(org: Path) -> None:
    replace(
        org,
        "teams/marketing.yaml",
        "  - who: [nora, omar]\n    level: admin\n    environments: [dev]\n",
        "",
    )
    outcome = write(org, _files(org))
    assert outcome.deleted == [
        f"{PARAMETERS}/learnaws-identity/jumpgate-group-marketing-admin-dev.json",
        f"{PARAMETERS}/marketing-dev/jumpgate-role-admin.json",
    ]
    assert not (org / PARAMETERS / "marketing-dev").exists()


def test_write_leaves_other_files_alone(org: Path) -> None:
    (org / PARAMETERS / "README.md").write_text("notes\n", encoding="utf-8")
    write(org, _files(org))
    assert (org / PARAMETERS / "README.md").read_text(encoding="utf-8") == "notes\n"


def test_check_reports_stale_missing_and_orphaned_files_without_writing(org: Path) -> None:
    params = org / PARAMETERS
    bob = params / "learnaws-identity" / "jumpgate-user-bob.json"
    bob.write_text(bob.read_text(encoding="utf-8").replace("Bob Chen", "Robert Chen"), "utf-8")
    (params / "crm-dev" / "jumpgate-role-admin.json").unlink()
    (params / "crm-dev" / "jumpgate-role-old.json").write_text("{}\n", encoding="utf-8")
    before = _tree(org)
    rows = [(f.path, f.line, f.column, f.rule_id, f.message) for f in check(org, _files(org))]
    assert rows == [
        (f"{PARAMETERS}/crm-dev/jumpgate-role-admin.json", 1, 1, "E602", "is missing"),
        (
            f"{PARAMETERS}/learnaws-identity/jumpgate-user-bob.json",
            4,
            1,
            "E601",
            "differs from what the team files render",
        ),
        (
            f"{PARAMETERS}/crm-dev/jumpgate-role-old.json",
            1,
            1,
            "E603",
            "no longer rendered from any team file",
        ),
    ]
    assert _tree(org) == before


def test_check_stale_line_when_the_file_is_shorter(org: Path) -> None:
    path = org / MANIFEST
    path.write_text("{\n", encoding="utf-8")
    rows = [(f.path, f.line, f.rule_id) for f in check(org, _files(org))]
    assert rows == [(MANIFEST, 2, "E601")]


def test_existing_files_sees_only_json_and_the_manifest(org: Path) -> None:
    (org / PARAMETERS / "crm-dev" / "notes.txt").write_text("x", encoding="utf-8")
    found = existing_files(org)
    assert MANIFEST in found
    assert len(found) == 68
    assert all(p.endswith(".json") for p in found - {".github/CODEOWNERS"})


# --- golden ---------------------------------------------------------------------------------


@pytest.mark.parametrize("case", cases(), ids=lambda p: p.name)
def test_golden(case: Path, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(case / "input", root)
    code, _, err = run("render", "--root", str(root), "--today", GOLDEN_TODAY.isoformat())
    assert code == 0, err
    actual = _tree(root)
    expected = _tree(case / "expected")
    assert sorted(actual) == sorted(expected), "rendered files differ from expected/"
    for rel, data in expected.items():
        assert actual[rel] == data, f"{rel} differs; run `make golden` and review the diff"


def test_golden_case_covers_every_feature() -> None:
    (case,) = [c for c in cases() if c.name == "small-org"]
    files = {
        p.relative_to(case / "expected").as_posix() for p in (case / "expected").rglob("*.json")
    }
    manifest = json.loads((case / "expected" / MANIFEST).read_text(encoding="utf-8"))
    accounts = {s["account"] for s in manifest["stacks"]}
    assert accounts == {"identity", "app-dev", "app-prod", "data-dev", "data-prod"}
    group = json.loads(
        (
            case / "expected" / PARAMETERS / "identity" / "sc-group-app-admin-prod-chg-0042.json"
        ).read_text(encoding="utf-8")
    )
    assert group["Parameters"]["Expires"] == "2026-12-16T00:00:00Z"  # time-bound prod elevation
    assert f"{PARAMETERS}/identity/sc-group-data-readonly-app-prod.json" in files  # cross-team
    role = json.loads(
        (case / "expected" / PARAMETERS / "data-prod" / "sc-role-data-warehouse.json").read_text(
            encoding="utf-8"
        )
    )
    assert json.loads(role["Parameters"]["CustomPolicy"])["Statement"][1]["Sid"] == "ReadLake"
    assert role["Parameters"]["RequireSourceIdentity"] == "true"


def test_refresh_golden_reproduces_expected(tmp_path: Path) -> None:
    from refresh_golden import render_case

    for case in cases():
        rendered = {rel: text.encode() for rel, text in render_case(case).items()}
        assert rendered == _tree(case / "expected")


@pytest.mark.parametrize(
    "root",
    [REPO, REPO / "tests" / "golden" / "small-org" / "expected"],
    ids=["example", "golden"],
)
def test_stacks_reference_each_other_consistently(root: Path) -> None:
    """What the seed sample got wrong: every name one stack uses, another stack creates."""
    manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    stacks = manifest["stacks"]

    def params(stack: dict[str, object]) -> dict[str, str]:
        data = json.loads((root / str(stack["parameter_file"])).read_text(encoding="utf-8"))
        return dict(data["Parameters"])

    by_kind: dict[str, list[dict[str, str]]] = {}
    stack_of_group: dict[str, str] = {}
    for stack in stacks:
        kind = Path(stack["template"]).stem
        p = params(stack)
        by_kind.setdefault(kind, []).append({**p, "_account_id": stack["account_id"]})
        if kind == "identity-group":
            stack_of_group[p["GroupName"]] = stack["name"]
    (baseline,) = by_kind["identity-baseline"]
    groups = {baseline["EveryoneGroupName"], *stack_of_group}
    roles = {
        f"arn:aws:iam::{r['_account_id']}:role{r['Path']}{r['RoleName']}"
        for r in by_kind["target-role"]
    }
    people_paths = {u["Path"] for u in by_kind["identity-user"]}
    assert all(g["Path"] == baseline["Path"] for g in by_kind["identity-group"])
    for group in by_kind["identity-group"]:
        assert set(group["RoleArns"].split(",")) <= roles, group["GroupName"]
    for role in by_kind["target-role"]:
        assert role["IdentityAccountId"] == manifest["identity_account"]["id"]
        assert {role["PeoplePath"]} == people_paths
    for stack in stacks:
        if stack["template"].endswith("identity-user.yaml"):
            names = params(stack)["Groups"].split(",")
            assert names[0] == baseline["EveryoneGroupName"] and len(names) <= 10
            assert set(names) <= groups, stack["name"]
            assert set(stack["depends_on"]) == {
                stacks[0]["name"],
                *(stack_of_group[n] for n in names[1:]),
            }


def test_rendered_json_is_what_the_standard_library_writes() -> None:
    import json

    from jumpgate.generate.render import _dump

    data = {"Parameters": {"b": "ü", "a": "", "c": "x,y"}, "Tags": {}, "n": [1, {"z": None}]}
    assert _dump(data) == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
