"""People batches (`people_batches`): what `jumpgate render` writes, and that it stays stable."""

from __future__ import annotations

from pathlib import Path

from cfnlint.api import ManualArgs, lint
from cfnlint.decode import cfn_yaml

from helpers import replace, run
from jumpgate.core.paths import PEOPLE_TEMPLATES
from jumpgate.generate.people import batch_of, batch_stack_name, logical_id

BATCHES = 5


def _batched(org: Path) -> Path:
    replace(
        org,
        "org/organization.yaml",
        "prefix: jumpgate\n",
        f"prefix: jumpgate\npeople_batches: {BATCHES}\n",
    )
    assert run("render", "--root", str(org))[0] == 0
    return org


def _templates(org: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted((org / PEOPLE_TEMPLATES).iterdir())}


def test_every_person_is_in_the_batch_of_their_name(org: Path) -> None:
    _batched(org)
    declared: dict[str, str] = {}
    for name, text in _templates(org).items():
        template = cfn_yaml.loads(text)
        for logical, resource in template["Resources"].items():
            user = resource["Properties"]["UserName"]
            assert logical == logical_id(user)
            declared[user] = name
    assert declared == {
        user: f"{batch_stack_name('jumpgate', batch_of(user, BATCHES))}.yaml" for user in declared
    }
    assert len(declared) == len(set(declared)) > 10
    # no per-person stacks or parameter files remain
    assert not list((org / "cloudformation" / "parameters").rglob("jumpgate-user-*.json"))


def test_batch_templates_pass_cfn_lint(org: Path) -> None:
    _batched(org)
    for name, text in _templates(org).items():
        matches = lint(text, config=ManualArgs(regions=["eu-west-1"]))
        assert [str(m) for m in matches] == [], name


def test_adding_a_person_rewrites_only_their_batch(org: Path) -> None:
    _batched(org)
    before = _templates(org)
    replace(
        org,
        "teams/crm.yaml",
        "  gwen: {",
        "  hugo: {name: Hugo Silva, email: h@x.example}\n  gwen: {",
    )
    code, _, _ = run("render", "--root", str(org))
    assert code == 0
    after = _templates(org)
    changed = {name for name in after if after[name] != before.get(name)}
    assert changed == {f"{batch_stack_name('jumpgate', batch_of('hugo', BATCHES))}.yaml"}
    assert "hugo" in after[next(iter(changed))]


def test_names_yaml_would_misread_stay_strings(org: Path) -> None:
    replace(
        org, "teams/crm.yaml", "  gwen: {", '  "0123": {name: "No", email: n@x.example}\n  gwen: {'
    )
    _batched(org)
    users = {
        resource["Properties"]["UserName"]: resource["Properties"]["Tags"][0]["Value"]
        for text in _templates(org).values()
        for resource in cfn_yaml.loads(text)["Resources"].values()
    }
    assert users["0123"] == "No"


def test_render_check_reports_an_edited_or_orphaned_batch(org: Path) -> None:
    _batched(org)
    first = sorted((org / PEOPLE_TEMPLATES).iterdir())[0]
    first.write_text(first.read_text().replace('"/jumpgate/"', '"/elsewhere/"', 1))
    (org / PEOPLE_TEMPLATES / "jumpgate-people-999.yaml").write_text("Resources: {}\n")
    code, out, _ = run("render", "--root", str(org), "--check")
    assert code == 1
    rel = first.relative_to(org).as_posix()
    assert f"{rel}:13:1: E601 differs from what the team files render" in out
    assert (
        f"{PEOPLE_TEMPLATES}/jumpgate-people-999.yaml:1:1: E603 no longer rendered from any team "
        "file" in out
    )
    assert run("render", "--root", str(org))[0] == 0
    assert not (org / PEOPLE_TEMPLATES / "jumpgate-people-999.yaml").exists()
    assert run("render", "--root", str(org), "--check")[0] == 0
