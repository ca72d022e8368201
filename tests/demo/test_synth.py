"""`jumpgate synth`: deterministic organizations of the sizes the scale issue names, with the
shapes it asks for, that validate and render cleanly at M, and whose quotas `validate` checks
(an L organization without its raised quotas is told which quota to raise and by how much)."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import REPO, TODAY, run
from jumpgate.core.limits import LIMITS
from jumpgate.demo import synth
from jumpgate.validate.flow import validate


@pytest.fixture(scope="module")
def m_files() -> dict[str, str]:
    return synth.synthesize(synth.SIZES["M"], seed=1)


def _parsed(files: dict[str, str], folder: str) -> dict[str, Any]:
    return {
        Path(rel).stem: yaml.safe_load(text)
        for rel, text in files.items()
        if rel.startswith(folder + "/")
    }


def test_the_same_seed_gives_the_same_organization(m_files: dict[str, str]) -> None:
    assert synth.synthesize(synth.SIZES["M"], seed=1) == m_files
    other = synth.synthesize(synth.SIZES["M"], seed=2)
    assert other.keys() == m_files.keys()  # same accounts and teams, other people and grants
    assert other != m_files


def test_m_has_the_sizes_and_shapes_of_the_issue(m_files: dict[str, str]) -> None:
    accounts = _parsed(m_files, "accounts")
    teams = _parsed(m_files, "teams")
    assert (len(accounts), len(teams)) == (100, 20)
    memberships = Counter(person for team in teams.values() for person in team["people"])
    assert len(memberships) == 500
    assert set(memberships.values()) <= {1, 2, 3, 4} and max(memberships.values()) > 1
    grants = [(name, g) for name, team in teams.items() for g in team["access"]]
    owner = {name: data.get("team") for name, data in accounts.items()}
    cross_team = [
        g
        for team, g in grants
        if any(owner.get(a) not in (None, team) for a in g.get("accounts", []))
    ]
    assert cross_team
    elevations = [g for _, g in grants if "prod" in g.get("environments", []) and "expires" in g]
    assert elevations and all(g["reason"] and g["level"] == "admin" for g in elevations)
    assert any("permission_sets" in team for team in teams.values())


def test_m_validates_and_some_people_sit_at_the_group_limit(
    tmp_path: Path, m_files: dict[str, str]
) -> None:
    synth.write(tmp_path, m_files)
    result = validate(tmp_path, dt.date.fromisoformat(TODAY))
    assert [f for f in result.findings if f.rule_id.startswith("E")] == []
    groups = [1 + len(user.groups) for user in result.expansion.users.values()]
    assert max(groups) == LIMITS["groups_per_user"].value  # 10, the everyone group included
    assert groups.count(10) >= 3


def test_synth_validate_render_through_the_cli(tmp_path: Path) -> None:
    out = tmp_path / "m"
    code, _, err = run("synth", "--size", "M", "--out", str(out), "--root", str(REPO))
    assert code == 0
    assert err == "synth: M organization in " + str(out) + (
        ": 100 accounts, 20 teams, 500 people (121 files)\n"
    )
    assert (out / "schemas" / "team.schema.json").is_file()
    assert (out / "cloudformation" / "templates" / "target-role.yaml").is_file()
    assert run("validate", "--root", str(out), "--today", TODAY)[0] == 0
    code, _, err = run("render", "--root", str(out), "--today", TODAY)
    assert code == 0 and re.match(r"render: (\d+) written, 0 deleted, 0 unchanged", err)
    assert run("render", "--check", "--root", str(out), "--today", TODAY)[0] == 0


def test_synth_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine\n")
    code, _, err = run("synth", "--size", "S", "--out", str(tmp_path))
    assert code == 2
    assert err == f"synth: {tmp_path} is not empty; choose a new folder\n"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_l_without_raised_quotas_is_told_which_quota_to_raise_and_by_how_much(
    tmp_path: Path,
) -> None:
    out = tmp_path / "l"
    one_stack_per_person = ("--people-batches", "0")
    assert (
        run("synth", "--size", "L", "--default-quotas", *one_stack_per_person, "--out", str(out))[0]
        == 0
    )
    code, stdout, _ = run("validate", "--root", str(out), "--today", TODAY)
    assert code == 1
    result = validate(out, dt.date.fromisoformat(TODAY))
    stacks = sum(1 for s in result.expansion.stacks if s.account == "identity")
    limit = LIMITS["cfn_stacks_per_account_region"].value
    assert stacks > limit
    assert (
        f"accounts/identity.yaml:2:1: E506 {stacks:,} stacks exceed quota "
        f"cfn_stacks_per_account_region ({limit:,}); request an increase of at least "
        f"{stacks - limit:,} and record it under `quotas:` in org/organization.yaml"
    ) in stdout
    # With the quotas L declares, the same organization validates.
    raised = tmp_path / "raised"
    assert run("synth", "--size", "L", *one_stack_per_person, "--out", str(raised))[0] == 0
    assert run("validate", "--root", str(raised), "--today", TODAY)[0] == 0
    # L's default: 40 people batches; the identity account is then far below the stack quota.
    batched = tmp_path / "batched"
    assert run("synth", "--size", "L", "--default-quotas", "--out", str(batched))[0] == 0
    result = validate(batched, dt.date.fromisoformat(TODAY))
    identity = [s for s in result.expansion.stacks if s.account == "identity"]
    assert sum(s.name.startswith("jumpgate-people-") for s in identity) == 40
    assert len(identity) < 0.8 * limit
    _, stdout, _ = run("validate", "--root", str(batched), "--today", TODAY)
    assert "cfn_stacks_per_account_region" not in stdout
