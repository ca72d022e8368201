"""The command line: exit codes (0 clean, 1 findings, 2 usage), help for every command, the
JSON shape, --fail-on, and render / render --check on the files they own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import REPO, TODAY, replace, run, validate_json
from jumpgate import __version__
from jumpgate.cli.main import COMMANDS, command_module
from jumpgate.core.paths import MANIFEST, PARAMETERS
from jumpgate.core.rules import RULES, catalogue_markdown, hint_of


def _snapshot(root: Path) -> dict[str, bytes]:
    """Every file under root but caches (hidden folders such as .jumpgate-cache/)."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.relative_to(root).parts[0].startswith(".")
    }


# --- usage ----------------------------------------------------------------------------------


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_help_for_every_command(command: str) -> None:
    code, out, err = run(command, "--help")
    assert (code, err) == (0, "")
    assert out.startswith(f"usage: jumpgate {command} ")
    assert " ".join(command_module(command).HELP.split()) in " ".join(out.split())
    assert "--root DIR" in out


def test_top_level_help_lists_every_command() -> None:
    code, out, _ = run("--help")
    assert code == 0
    for command in COMMANDS:
        assert f"    {command}" in out
    assert "Exit codes: 0 clean, 1 findings (or stale files), 2 usage or internal error." in out


def test_version() -> None:
    assert run("--version") == (0, f"jumpgate {__version__}\n", "")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ((), "the following arguments are required: COMMAND"),
        (("frobnicate",), "invalid choice: 'frobnicate'"),
        (("validate", "--format", "xml"), "invalid choice: 'xml'"),
        (("validate", "--fail-on", "info"), "invalid choice: 'info'"),
        (("validate", "--today", "tomorrow"), "not a date (YYYY-MM-DD): 'tomorrow'"),
        (("validate", "--no-such-option"), "unrecognized arguments: --no-such-option"),
    ],
)
def test_usage_errors_exit_2(argv: tuple[str, ...], message: str) -> None:
    code, out, err = run(*argv)
    assert (code, out) == (2, "")
    assert message in err


@pytest.mark.parametrize("command", ["validate", "render"])
def test_root_pointing_nowhere_exits_2(tmp_path: Path, command: str) -> None:
    missing = tmp_path / "nowhere"
    assert run(command, "--root", str(missing)) == (
        2,
        "",
        f"jumpgate: error: --root {missing} is not a directory\n",
    )


def test_root_that_is_a_file_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "file.txt"
    path.write_text("x", encoding="utf-8")
    assert run("validate", "--root", str(path))[0] == 2


def test_internal_error_exits_2_without_traceback(
    org: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import jumpgate.cli.validate as command

    def boom(*_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(command, "validated", boom)
    assert run("validate", "--root", str(org)) == (
        2,
        "",
        "jumpgate: internal error: RuntimeError: boom (rerun with --debug)\n",
    )
    with pytest.raises(RuntimeError, match="boom"):
        run("validate", "--root", str(org), "--debug")


# --- validate -------------------------------------------------------------------------------


def test_validate_clean(org: Path) -> None:
    assert run("validate", "--root", str(org), "--today", TODAY) == (0, "", "no findings\n")
    assert run("validate", "--root", str(org), "--format", "json", "--today", TODAY) == (
        0,
        "[]\n",
        "",
    )


def test_validate_text_format(org: Path) -> None:
    replace(org, "accounts/crm-dev.yaml", "team: crm", "team: crn")
    assert run("validate", "--root", str(org), "--today", TODAY) == (
        1,
        "accounts/crm-dev.yaml:4:7: E204 unknown team 'crn'\n"
        "    hint: use the name of a file in teams/\n",
        "1 error(s), 0 warning(s)\n",
    )


def test_validate_json_shape(org: Path) -> None:
    replace(org, "accounts/crm-dev.yaml", "team: crm", "team: crn")
    replace(org, "teams/crm.yaml", "expires: 2026-12-31", "expires: 2026-11-01")
    code, out, err = run("validate", "--root", str(org), "--format", "json", "--today", TODAY)
    assert (code, err) == (1, "")
    findings = json.loads(out)
    assert out == json.dumps(findings, indent=2) + "\n"
    assert [list(f) for f in findings] == [
        ["path", "line", "column", "rule", "severity", "message", "hint"]
    ] * 2
    assert findings == [
        {
            "path": "accounts/crm-dev.yaml",
            "line": 4,
            "column": 7,
            "rule": "E204",
            "severity": "error",
            "message": "unknown team 'crn'",
            "hint": hint_of("E204"),
        },
        {
            "path": "teams/crm.yaml",
            "line": 38,
            "column": 14,
            "rule": "W403",
            "severity": "warning",
            "message": "expired on 2026-11-01",
            "hint": hint_of("W403"),
        },
    ]


def test_fail_on_warning(org: Path) -> None:
    replace(org, "teams/crm.yaml", "expires: 2026-12-31", "expires: 2026-11-01")
    assert validate_json(org)[0] == 0
    assert validate_json(org, "--fail-on", "warning")[0] == 1
    assert validate_json(org, "--fail-on", "error")[0] == 0


def test_today_comes_from_the_environment(org: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUMPGATE_TODAY", "2027-01-01")
    code, out, _ = run("validate", "--root", str(org), "--format", "json")
    assert code == 0
    assert [(f["rule"], f["message"]) for f in json.loads(out)] == [
        ("W403", "expired on 2026-12-31")
    ]
    # --today wins over the environment.
    assert run("validate", "--root", str(org), "--today", TODAY)[0:2] == (0, "")


def test_bad_input_never_shows_a_traceback(org: Path) -> None:
    (org / "teams" / "a.yaml").write_bytes(b"\xff\xfe")
    (org / "teams" / "b.yaml").write_text("team: [\n", encoding="utf-8")
    (org / "teams" / "c.yaml").mkdir()
    (org / "accounts" / "d.yaml").write_text("- 1\n- 2\n", encoding="utf-8")
    (org / "org" / "organization.yaml").write_text("", encoding="utf-8")
    code, out, err = run("validate", "--root", str(org), "--today", TODAY)
    assert code == 1
    assert "Traceback" not in out + err
    assert [line.split(" ")[1] for line in out.splitlines() if not line.startswith(" ")] == [
        "E101",
        "E004",
        "E001",
        "E002",
        "E001",
    ]


def test_empty_repository_is_findings_not_a_crash(tmp_path: Path) -> None:
    code, out, err = run("validate", "--root", str(tmp_path), "--format", "json")
    assert code == 1
    assert [(f["path"], f["rule"]) for f in json.loads(out)] == [("org/organization.yaml", "E001")]
    assert "Traceback" not in err


# --- render ---------------------------------------------------------------------------------


def test_render_unchanged(org: Path) -> None:
    before = _snapshot(org)
    assert run("render", "--root", str(org), "--today", TODAY) == (
        0,
        "",
        "render: 0 written, 0 deleted, 68 unchanged (68 files)\n",
    )
    assert _snapshot(org) == before


def test_render_writes_and_deletes_orphans(org: Path) -> None:
    replace(
        org, "teams/crm.yaml", "  gwen: {name: Gwen Harris, email: gwen@learnaws.example}\n", ""
    )
    replace(org, "teams/crm.yaml", "name: Bob Chen", "name: Robert Chen")
    gwen = org / PARAMETERS / "learnaws-identity" / "jumpgate-user-gwen.json"
    assert gwen.is_file()
    assert run("render", "--root", str(org), "--today", TODAY) == (
        0,
        "",
        "render: 2 written, 1 deleted, 65 unchanged (67 files)\n"
        f"  wrote   {MANIFEST}\n"
        f"  wrote   {PARAMETERS}/learnaws-identity/jumpgate-user-bob.json\n"
        f"  deleted {PARAMETERS}/learnaws-identity/jumpgate-user-gwen.json\n",
    )
    assert not gwen.exists()
    bob = json.loads(
        (org / PARAMETERS / "learnaws-identity" / "jumpgate-user-bob.json").read_text("utf-8")
    )
    assert bob["Parameters"]["FullName"] == "Robert Chen"
    assert "jumpgate-user-gwen" not in (org / MANIFEST).read_text(encoding="utf-8")
    assert run("render", "--root", str(org), "--check", "--today", TODAY)[0] == 0


def test_render_refuses_input_with_errors(org: Path) -> None:
    replace(org, "accounts/crm-dev.yaml", "team: crm", "team: crn")
    (org / PARAMETERS / "crm-dev" / "jumpgate-role-admin.json").unlink()
    before = _snapshot(org)
    code, out, err = run("render", "--root", str(org), "--today", TODAY)
    assert code == 1
    assert out.startswith("accounts/crm-dev.yaml:4:7: E204 unknown team 'crn'\n")
    assert err.endswith("render: not rendering while the input has errors\n")
    assert _snapshot(org) == before


def test_render_from_scratch_creates_every_file(org: Path) -> None:
    import shutil

    shutil.rmtree(org / "cloudformation")
    code, _, err = run("render", "--root", str(org), "--today", TODAY)
    assert code == 0
    assert err.startswith("render: 67 written, 0 deleted, 1 unchanged (68 files)\n")
    listed = err.splitlines()[1:]  # the first 50 by name, then how many more
    assert len(listed) == 51 and listed[0] == f"  wrote   {MANIFEST}"
    assert listed[-1] == "  wrote   ... and 17 more"
    committed = [
        MANIFEST,
        *(p.relative_to(REPO).as_posix() for p in (REPO / PARAMETERS).rglob("*")),
    ]
    assert sorted(_snapshot(org / "cloudformation")) == sorted(
        rel.removeprefix("cloudformation/") for rel in committed if (REPO / rel).is_file()
    )
    for rel in committed:
        if (REPO / rel).is_file():
            assert (org / rel).read_bytes() == (REPO / rel).read_bytes(), rel


def test_render_check_clean(org: Path) -> None:
    assert run("render", "--root", str(org), "--check", "--today", TODAY) == (
        0,
        "",
        "render --check: 68 generated files up to date\n",
    )


def test_render_check_lists_stale_missing_and_orphaned_files_without_writing(org: Path) -> None:
    params = org / PARAMETERS
    (params / "learnaws-identity" / "jumpgate-user-alice.json").unlink()
    (params / "crm-dev" / "jumpgate-role-poweruser.json").write_text("{}\n", encoding="utf-8")
    replace(org, "teams/crm.yaml", "name: Bob Chen", "name: Robert Chen")
    before = _snapshot(org)
    code, out, err = run(
        "render", "--root", str(org), "--check", "--format", "json", "--today", TODAY
    )
    assert code == 1
    assert [
        (f["path"], f["line"], f["column"], f["rule"], f["message"]) for f in json.loads(out)
    ] == [
        (f"{PARAMETERS}/learnaws-identity/jumpgate-user-alice.json", 1, 1, "E602", "is missing"),
        (
            f"{PARAMETERS}/learnaws-identity/jumpgate-user-bob.json",
            4,
            1,
            "E601",
            "differs from what the team files render",
        ),
        (
            f"{PARAMETERS}/crm-dev/jumpgate-role-poweruser.json",
            1,
            1,
            "E603",
            "no longer rendered from any team file",
        ),
    ]
    assert err == (
        "render --check: 3 generated file(s) out of date; "
        "run `jumpgate render` and commit the result\n"
    )
    assert _snapshot(org) == before


def test_render_check_text_format(org: Path) -> None:
    (org / MANIFEST).unlink()
    code, out, err = run("render", "--root", str(org), "--check", "--today", TODAY)
    assert code == 1
    assert out == (
        f"{MANIFEST}:1:1: E602 is missing\n    hint: run `jumpgate render` and commit the result\n"
    )
    assert err.startswith("1 error(s), 0 warning(s)\n")


def test_render_check_warnings_pass_unless_fail_on_warning(org: Path) -> None:
    replace(org, "teams/crm.yaml", "expires: 2026-12-31", "expires: 2026-11-01")
    assert run("render", "--root", str(org), "--today", TODAY)[0] == 0
    assert run("render", "--root", str(org), "--check", "--today", TODAY)[0] == 0
    code = run("render", "--root", str(org), "--check", "--fail-on", "warning", "--today", TODAY)[0]
    assert code == 1


# --- rules ----------------------------------------------------------------------------------


def test_rules_markdown() -> None:
    code, out, err = run("rules", "--format", "markdown")
    assert (code, err) == (0, "")
    assert out == catalogue_markdown()
    lines = out.splitlines()
    assert lines[0] == "# jumpgate rules"
    assert lines[5:7] == ["| id | severity | title | fix |", "| --- | --- | --- | --- |"]
    assert lines[7:] == [
        f"| {r.rule_id} | {r.severity.value} | {r.title} | {r.hint} |" for r in RULES.values()
    ]


def test_rules_text_and_json() -> None:
    code, out, _ = run("rules")
    assert code == 0
    assert out.splitlines()[0] == "E001  error    file cannot be read"
    assert len(out.splitlines()) == len(RULES)
    code, out, _ = run("rules", "--format", "json")
    rows = json.loads(out)
    assert [r["id"] for r in rows] == list(RULES)
    assert rows[0] == {
        "id": "E001",
        "severity": "error",
        "title": "file cannot be read",
        "hint": "make it a readable UTF-8 text file",
    }


def test_rule_ids_are_unique_and_severity_matches_letter() -> None:
    from jumpgate.core.rules import _RULES

    assert len({r.rule_id for r in _RULES}) == len(_RULES)
    for rule in _RULES:
        assert rule.rule_id[0] in "EWI" and rule.rule_id[1:].isdigit(), rule.rule_id
        assert rule.hint and rule.title, rule.rule_id


def test_docs_rules_md_is_generated_from_the_catalogue() -> None:
    """docs/rules.md is `make docs` output: stale when a rule is added without regenerating."""
    assert (REPO / "docs" / "rules.md").read_text(encoding="utf-8") == catalogue_markdown()
