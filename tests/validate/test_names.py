"""Generated names through the CLI: each role, group, user, stack and parameter file has one
source (E218, E212, E215, E202), no generated name is jumpgate's own (E219), account file names
are valid names (E103), a level never replaces an environment's permissions boundary (E406),
and a property test over random names: either a finding, or every generated name distinct."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest

from helpers import TODAY, append, replace, validate_rows, write
from jumpgate.validate.flow import validate
from jumpgate.validate.names import reserved_roles

SECURITY_TEAM = """team: security
people:
  sam: {name: Sam Reed, email: sam@learnaws.example}
permission_sets:
  audit:
    description: Audit writes
    managed_policies: [arn:aws:iam::aws:policy/AdministratorAccess]
access:
  - who: all
    level: audit
    accounts: [it-dev]
"""


def test_e218_org_level_and_team_permission_set_make_one_role(org: Path) -> None:
    write(org, "teams/security.yaml", SECURITY_TEAM)
    assert validate_rows(org) == (
        1,
        [
            (
                "org/organization.yaml",
                47,
                3,
                "E218",
                "role name 'jumpgate-security-audit' is also made by permission set 'audit' of "
                "team 'security' (teams/security.yaml:5)",
            ),
            (
                "teams/security.yaml",
                5,
                3,
                "E218",
                "role name 'jumpgate-security-audit' is also made by level 'security-audit' "
                "(org/organization.yaml:47)",
            ),
        ],
    )


def test_e218_two_teams_permission_sets_make_one_role(org: Path) -> None:
    """`a-b`/`c` and `a`/`b-c` both make jumpgate-a-b-c; found whatever the case."""
    for team, pset in (("a-b", "c"), ("a", "b-c")):
        body = SECURITY_TEAM.replace("team: security", f"team: {team}")
        body = body.replace("audit", pset).replace("sam", f"sam{len(team)}")
        write(org, f"teams/{team}.yaml", body)
    code, rows = validate_rows(org)
    assert code == 1
    assert [r for r in rows if r[3] == "E218"] == [
        (
            "teams/a-b.yaml",
            5,
            3,
            "E218",
            "role name 'jumpgate-a-b-c' is also made by permission set 'b-c' of team 'a' "
            "(teams/a.yaml:5)",
        ),
        (
            "teams/a.yaml",
            5,
            3,
            "E218",
            "role name 'jumpgate-a-b-c' is also made by permission set 'c' of team 'a-b' "
            "(teams/a-b.yaml:5)",
        ),
    ]


LAST_LEVEL = "    managed_policies: [arn:aws:iam::aws:policy/SecurityAudit]\n"


def add_levels(root: Path, text: str) -> None:
    """New levels after the example's last one (`levels:` is not the file's last block)."""
    replace(root, "org/organization.yaml", LAST_LEVEL, LAST_LEVEL + text)


@pytest.mark.parametrize(
    ("team", "pset", "role"),
    [
        (None, "deployer", "jumpgate-deployer"),
        ("pipeline", "deploy", "jumpgate-pipeline-deploy"),
        ("pipeline", "source-event", "jumpgate-pipeline-source-event"),
    ],
)
def test_e219_reserved_role_names(org: Path, team: str | None, pset: str, role: str) -> None:
    if team is None:
        add_levels(
            org,
            f"  {pset}:\n    description: x\n    managed_policies: "
            "[arn:aws:iam::aws:policy/ReadOnlyAccess]\n",
        )
        where = ("org/organization.yaml", 50, 3)
        why = "the deployer role (cloudformation/pipeline/bootstrap.yaml)"
    else:
        body = SECURITY_TEAM.replace("team: security", f"team: {team}").replace("audit", pset)
        write(org, f"teams/{team}.yaml", body)
        where = (f"teams/{team}.yaml", 5, 3)
        why = "a pipeline role (cloudformation/pipeline/)"
    code, rows = validate_rows(org)
    assert code == 1
    assert [r for r in rows if r[3] == "E219"] == [(*where, "E219", f"role name {role!r} is {why}")]


def test_reserved_roles_cover_every_role_of_the_pipeline_templates() -> None:
    """The list cannot drift from the templates: every `RoleName` there is reserved."""
    import re

    from helpers import REPO

    names = set()
    for template in (REPO / "cloudformation" / "pipeline").glob("*.yaml"):
        text = template.read_text(encoding="utf-8")
        names |= set(re.findall(r'RoleName: !Sub "\$\{Prefix\}([\w-]+)"', text))
    assert names and {f"acme{n}" for n in names} <= set(reserved_roles("acme"))
    assert "jumpgate-deployer" in reserved_roles("acme")  # core.aws.DEFAULT_ROLE


def test_e406_a_level_may_not_replace_the_environments_boundary(org: Path) -> None:
    boundary = "arn:aws:iam::105000000005:policy/prod-boundary"
    replace(
        org,
        "org/organization.yaml",
        "    strict: true\n",
        f"    strict: true\n    permissions_boundary: {boundary}\n",
    )
    replace(
        org,
        "org/organization.yaml",
        "    managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]\n",
        "    managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]\n"
        "    permissions_boundary: arn:aws:iam::aws:policy/AdministratorAccess\n",
    )
    assert validate_rows(org) == (
        1,
        [
            (
                "org/organization.yaml",
                41,
                27,
                "E406",
                f"prod has permissions boundary {boundary}; a role has one boundary, and a "
                "level may not replace the environment's",
            )
        ],
    )
    # Even past the finding, the environment's boundary is the one rendered.
    result = validate(org, dt.date.fromisoformat(TODAY))
    prod = [r for r in result.expansion.roles.values() if r.account == "crm-prod"]
    assert {r.permissions_boundary for r in prod} == {boundary}


@pytest.mark.parametrize(
    "stem",
    ["crm prod", "crm\u200bprod", "crm-pr\u00f6d", "Crm-extra", "crm_prod", "-crm", "x" * 65],
)
def test_e103_account_file_names_are_names(org: Path, stem: str) -> None:
    write(org, f"accounts/{stem}.yaml", 'id: "199999999999"\nenvironment: dev\nteam: it\n')
    code, rows = validate_rows(org)
    assert code == 1
    assert rows == [
        (
            f"accounts/{stem}.yaml",
            1,
            1,
            "E103",
            f"account name {stem!r} (the file name) is not 1-64 lowercase ASCII letters, digits "
            "and hyphens",
        )
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('team: "crm\\n"', "team: 'crm\\n' does not match '^[a-z][a-z0-9-]{0,23}$'"),
        ("team: cr\u200bm", "team: 'cr\\u200bm' does not match '^[a-z][a-z0-9-]{0,23}$'"),
        ("team: crmé", "team: 'crmé' does not match '^[a-z][a-z0-9-]{0,23}$'"),
    ],
)
def test_names_in_files_are_ascii_without_a_final_newline(
    org: Path, text: str, message: str
) -> None:
    replace(org, "teams/crm.yaml", "team: crm", text)
    code, rows = validate_rows(org)
    assert code == 1
    assert ("teams/crm.yaml", 2, 7, "E101", message) in rows


def test_yaml_1_1_number_and_boolean_forms_stay_text(org: Path) -> None:
    """Person `0123` stays user `0123` (not 83), `yes` stays `yes`; the same text in `who`."""
    replace(
        org,
        "teams/crm.yaml",
        "people:\n",
        "people:\n  0123: {name: Oh One, email: o1@learnaws.example}\n"
        "  yes: {name: Yes Person, email: yes@learnaws.example}\n",
    )
    append(
        org,
        "teams/crm.yaml",
        "  - who: [0123, yes]\n    level: billing\n    environments: [dev]\n",
    )
    assert validate_rows(org) == (0, [])
    result = validate(org, dt.date.fromisoformat(TODAY))
    assert {"0123", "yes"} <= set(result.expansion.users)
    group = result.expansion.groups["jumpgate-crm-billing-dev"]
    assert group.members == ("0123", "yes")


def test_last_date_gives_a_finding_not_a_traceback(org: Path) -> None:
    append(
        org,
        "teams/crm.yaml",
        "  - who: all\n    level: readonly\n    environments: [dev]\n    expires: 9999-12-31\n",
    )
    code, rows = validate_rows(org)
    assert code == 1
    assert rows[-1][3:] == ("E101", "expires: '9999-12-31' has no next day")


# --- property: random names either collide with a finding or render distinct names --------

ALPHABET = "ab-"


def _name(rng: random.Random, first: str = "ab") -> str:
    return rng.choice(first) + "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 3)))


def _random_org(root: Path, rng: random.Random) -> None:
    """Teams, permission sets, levels, accounts and people with names from a tiny alphabet,
    so that `a-b`/`c` versus `a`/`b-c` style coincidences are frequent."""
    for old in (root / "teams").glob("*.yaml"):
        old.unlink()
    for old in (root / "accounts").glob("*.yaml"):
        if old.stem != "learnaws-identity":
            old.unlink()
    teams = sorted({_name(rng) for _ in range(rng.randint(1, 4))})
    levels = sorted({_name(rng) for _ in range(rng.randint(0, 3))})
    add_levels(
        root,
        "".join(
            f"  {level}:\n    description: x\n"
            "    managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]\n"
            for level in levels
        ),
    )
    account_id = 200000000000
    for team in teams:
        accounts = sorted({f"{team}-{_name(rng, 'ab1')}" for _ in range(rng.randint(1, 2))})
        for account in accounts:
            account_id += 1
            write(
                root,
                f"accounts/{account}.yaml",
                f'id: "{account_id}"\nenvironment: dev\nteam: {team}\n',
            )
        sets = sorted({_name(rng) for _ in range(rng.randint(0, 2))} - set(levels))
        people = sorted({_name(rng, "ab1") + rng.choice(["", ".x", "_x"]) for _ in range(3)})
        lines = [f"team: {team}", "people:"]
        lines += [f"  {p}: {{name: P, email: p@learnaws.example}}" for p in people]
        if sets:
            lines.append("permission_sets:")
            for pset in sets:
                lines += [
                    f"  {pset}:",
                    "    description: x",
                    "    managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]",
                ]
        lines.append("access:")
        for level in [*sets, *levels, "readonly"]:
            lines += [f"  - who: all\n    level: {level}\n    environments: [dev]"]
            if rng.random() < 0.3:
                lines.append(f"    group: {_name(rng)}")
        write(root, f"teams/{team}.yaml", "\n".join(lines) + "\n")


@pytest.mark.parametrize("seed", range(40))
def test_random_names_render_distinct_or_are_refused(org: Path, seed: int) -> None:
    _random_org(org, random.Random(seed))
    result = validate(org, dt.date.fromisoformat(TODAY))
    naming = {"E202", "E212", "E215", "E218", "E219", "E213"}
    if any(f.rule_id in naming for f in result.findings):
        return
    exp = result.expansion
    roles_by_account: dict[str, list[str]] = {}
    for account, role in exp.roles:
        roles_by_account.setdefault(account, []).append(role.lower())
    for names in roles_by_account.values():
        assert len(names) == len(set(names)), names
    # every role is made by exactly one level: no declared level lost to another's name
    made_by = {}
    for role in exp.roles.values():
        key = (role.account, role.name.lower())
        assert made_by.setdefault(key, id(role.level)) == id(role.level)
    levels = [*result.org.levels.values()]
    levels += [s for t in result.org.teams.values() for s in t.permission_sets.values()]
    role_names = [
        f"jumpgate-{lv.team}-{lv.name}" if lv.team else f"jumpgate-{lv.name}" for lv in levels
    ]
    assert len({n.lower() for n in role_names}) == len(role_names)
    groups = [g.lower() for g in exp.groups]
    assert (
        len(groups)
        == len(set(groups))
        == sum(1 for t in result.org.teams.values() for _ in t.grants)
        - sum(1 for f in result.findings if f.rule_id == "W211")
    )
    users = [u.lower() for u in exp.users]
    assert len(users) == len(set(users))
    stacks = [(s.account, s.name.lower()) for s in exp.stacks]
    files = [s.parameter_file.lower() for s in exp.stacks]
    assert len(stacks) == len(set(stacks))
    assert len(files) == len(set(files))
    assert not {n.lower() for n in role_names} & set(reserved_roles("jumpgate"))


def test_e220_two_strict_groups_with_one_tag_id(org: Path) -> None:
    """The id is 8 hex digits of sha256: these two names (found by a birthday search) share
    820c4aee, so each group's members would pass the other's prod trust."""
    append(
        org,
        "teams/crm.yaml",
        "  - who: [gwen]\n    group: g22122\n    level: readonly\n    accounts: [bi-prod]\n"
        "  - who: [bob]\n    group: g198108\n    level: readonly\n    accounts: [it-prod]\n",
    )
    code, found = validate_rows(org)
    assert code == 1
    assert found == [
        (
            "teams/crm.yaml",
            40,
            5,
            "E220",
            "group 'jumpgate-crm-g22122' has the strict-group id 820c4aee of "
            "'jumpgate-crm-g198108'",
        ),
        (
            "teams/crm.yaml",
            44,
            5,
            "E220",
            "group 'jumpgate-crm-g198108' has the strict-group id 820c4aee of "
            "'jumpgate-crm-g22122'",
        ),
    ]
