"""Loading: unreadable input becomes one exact finding (E001-E005, E101 for shapes), never a
traceback, and positions are 1-based lines and columns of the source."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers import append, replace, validate_json, validate_rows, write
from jumpgate.core.rules import hint_of
from jumpgate.model.loader import MAX_DATA_FILE_BYTES, Document, load_document


def test_example_organization_is_clean(org: Path) -> None:
    assert validate_rows(org) == (0, [])


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(
            b"team: [unclosed\n",
            (2, 1, "E002", "did not find expected ',' or ']'"),
            id="unclosed-flow-sequence",
        ),
        pytest.param(
            b"team: x\npeople: {}\nteam: y\n",
            (3, 1, "E003", "duplicate key 'team'"),
            id="duplicate-key",
        ),
        pytest.param(
            b"team: x\npeople:\n\talice: {name: A, email: a@b.example}\n",
            (3, 1, "E002", "a tab character; YAML is indented with spaces"),
            id="tab-indented",
        ),
        pytest.param(b"", (1, 1, "E004", "is empty"), id="empty"),
        pytest.param(b"\n\n", (1, 1, "E004", "is empty"), id="blank-lines"),
        pytest.param(
            b"# yaml-language-server: $schema=../schemas/team.schema.json\n# nothing else\n",
            (1, 1, "E004", "has only comments"),
            id="only-comments",
        ),
        pytest.param(
            b"team: x\npeople: {}\ndescription: a\x00b\n",
            (3, 15, "E001", "contains a NUL byte; data files are text"),
            id="nul-byte",
        ),
        pytest.param(
            b"team: x\npeople: {}\ndescription: caf\xc3\xa9 \x07\n",
            (3, 19, "E002", "control characters are not allowed (character 0x07)"),
            id="control-character",
        ),
        pytest.param(
            b"team: x\npeople: {}\ndescription: !!python/name:os.system x\n",
            (
                3,
                14,
                "E007",
                "the tag 'tag:yaml.org,2002:python/name:os.system' is not allowed in a data file",
            ),
            id="python-tag",
        ),
        pytest.param(
            b"team: x\npeople: !custom {}\n",
            (2, 9, "E007", "the tag '!custom' is not allowed in a data file"),
            id="local-tag",
        ),
        pytest.param(
            b"team: x\npeople: {}\n? [a, b]\n: c\n",
            (3, 3, "E007", "a key must be plain text, not a list or mapping"),
            id="complex-key",
        ),
        pytest.param(
            b"team: x\ndescription: caf\xe9\npeople: {}\n",
            (2, 17, "E001", "is not UTF-8 text (byte 0xe9)"),
            id="latin-1-byte",
        ),
        pytest.param(
            b"\xff\xfeteam: x\n",
            (1, 1, "E001", "is not UTF-8 text (byte 0xff)"),
            id="utf-16-bom",
        ),
        pytest.param(
            b"- team: x\n  people: {}\n",
            (1, 1, "E101", "the file: expected object, got list"),
            id="list-at-top-level",
        ),
        pytest.param(
            b"just a string\n",
            (1, 1, "E101", "the file: expected object, got string"),
            id="scalar-at-top-level",
        ),
        pytest.param(
            b"team: x\npeople: {}\n---\nteam: y\n",
            (3, 1, "E002", "but found another document"),
            id="two-documents",
        ),
    ],
)
def test_unreadable_team_file(
    org: Path, content: bytes, expected: tuple[int, int, str, str]
) -> None:
    (org / "teams" / "x.yaml").write_bytes(content)
    code, findings = validate_json(org)
    assert code == 1
    line, column, rule, message = expected
    assert findings == [
        {
            "path": "teams/x.yaml",
            "line": line,
            "column": column,
            "rule": rule,
            "severity": "error",
            "message": message,
            "hint": hint_of(rule),
        }
    ]


def test_a_directory_named_like_a_team_file(org: Path) -> None:
    (org / "teams" / "x.yaml").mkdir()
    assert validate_rows(org) == (
        1,
        [("teams/x.yaml", 1, 1, "E001", "is a directory, expected a YAML file")],
    )


def test_a_file_over_one_megabyte(org: Path) -> None:
    size = 2 * 1024 * 1024
    body = b"team: x\npeople: {}\n"
    (org / "teams" / "x.yaml").write_bytes(body + b"#" * (size - len(body) - 1) + b"\n")
    assert validate_rows(org) == (
        1,
        [("teams/x.yaml", 1, 1, "E005", "is 2,097,152 bytes, more than the 1,048,576 allowed")],
    )


def test_size_limit_is_inclusive(tmp_path: Path) -> None:
    body = b"team: x\n"
    (tmp_path / "a.yaml").write_bytes(body + b"#" * (MAX_DATA_FILE_BYTES - len(body)))
    (tmp_path / "b.yaml").write_bytes(body + b"#" * (MAX_DATA_FILE_BYTES - len(body) + 1))
    doc, problems = load_document(tmp_path, tmp_path / "a.yaml")
    assert problems == [] and doc is not None and doc.data == {"team": "x"}
    doc, problems = load_document(tmp_path, tmp_path / "b.yaml")
    assert doc is None and [p.rule_id for p in problems] == ["E005"]


def test_unreadable_file(org: Path) -> None:
    path = org / "teams" / "x.yaml"
    path.write_text("team: x\npeople: {}\n")
    path.chmod(0)
    if os.access(path, os.R_OK):
        pytest.skip("running as root: permissions do not stop reads")
    assert validate_rows(org) == (
        1,
        [("teams/x.yaml", 1, 1, "E001", "cannot be read: Permission denied")],
    )


def test_unquoted_account_id_says_quote_it(org: Path) -> None:
    replace(org, "accounts/it-sandbox.yaml", 'id: "114000000014"', "id: 114000000014")
    code, findings = validate_json(org)
    assert code == 1
    assert findings == [
        {
            "path": "accounts/it-sandbox.yaml",
            "line": 2,
            "column": 5,
            "rule": "E101",
            "severity": "error",
            "message": "id: expected string, got int (quote it)",
            "hint": "see schemas/ for the allowed shape of this file",
        },
        # The account is left out of the model, so the grant into sandbox reaches nothing.
        {
            "path": "teams/it.yaml",
            "line": 16,
            "column": 5,
            "rule": "W211",
            "severity": "warning",
            "message": "team 'it' has no account in sandbox",
            "hint": "remove the grant, or add the team's account",
        },
    ]


def test_findings_of_several_files_are_all_reported_in_order(org: Path) -> None:
    write(org, "teams/a.yaml", "")
    write(org, "teams/b.yaml", "team: [\n")
    append(org, "accounts/crm-dev.yaml", "team: crm\n")
    assert validate_rows(org) == (
        1,
        [
            ("accounts/crm-dev.yaml", 5, 1, "E003", "duplicate key 'team'"),
            ("teams/a.yaml", 1, 1, "E004", "is empty"),
            ("teams/b.yaml", 2, 1, "E002", "did not find expected node content"),
        ],
    )


def test_yml_files_are_read_and_hidden_files_are_not(org: Path) -> None:
    write(org, "teams/.draft.yaml", "not: [valid\n")
    write(org, "teams/notes.txt", "not: [valid\n")
    write(org, "teams/x.yml", "team: [\n")
    assert validate_rows(org) == (
        1,
        [("teams/x.yml", 2, 1, "E002", "did not find expected node content")],
    )


def test_positions_of_keys_and_values(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(
        "team: crm\npeople:\n  alice: {name: Alice, email: a@b.example}\naccess:\n"
        "  - who: [alice, bob]\n    level: admin\n",
        encoding="utf-8",
    )
    doc, problems = load_document(tmp_path, tmp_path / "t.yaml")
    assert problems == []
    assert isinstance(doc, Document)
    assert doc.path == "t.yaml"
    assert doc.where(("team",)) == (1, 7)
    assert doc.where(("team",), key=True) == (1, 1)
    assert doc.where(("people", "alice"), key=True) == (3, 3)
    assert doc.where(("people", "alice", "email")) == (3, 31)
    assert doc.where(("access", 0)) == (5, 5)
    assert doc.where(("access", 0, "who", 1)) == (5, 18)
    assert doc.where(("access", 0, "level")) == (6, 12)
    # An absent path falls back to its nearest parent that has a position.
    assert doc.where(("access", 0, "expires")) == (5, 5)
    assert doc.where(("nothing",)) == (1, 1)


def test_dates_and_strings_become_plain_values(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(
        "expires: 2026-12-31\nquoted: '2026-12-31'\nat: 2026-12-31T10:00:00Z\nn: 7\n",
        encoding="utf-8",
    )
    doc, _ = load_document(tmp_path, tmp_path / "t.yaml")
    assert doc is not None
    assert doc.data == {
        "expires": "2026-12-31",
        "quoted": "2026-12-31",
        "at": "2026-12-31T10:00:00Z",
        "n": 7,
    }
    assert all(type(v) in (str, int) for v in doc.data.values())


def test_an_alias_inside_its_own_anchor(org: Path) -> None:
    write(org, "teams/x.yaml", "team: x\npeople: {}\ndescription: &a [*a]\n")
    assert validate_rows(org) == (
        1,
        [("teams/x.yaml", 3, 14, "E002", "an alias refers to the collection that contains it")],
    )


def test_anchors_and_aliases_are_plain_values(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text("base: &who [alice, bob]\ncopy: *who\n", encoding="utf-8")
    doc, problems = load_document(tmp_path, tmp_path / "t.yaml")
    assert problems == [] and doc is not None
    assert doc.data == {"base": ["alice", "bob"], "copy": ["alice", "bob"]}


def test_utf8_bom_and_crlf_line_endings_are_fine(org: Path) -> None:
    path = org / "accounts" / "crm-dev.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    assert validate_rows(org) == (0, [])
    replace(org, "accounts/crm-dev.yaml", "team: crm", "team: crn")
    assert validate_rows(org) == (
        1,
        [("accounts/crm-dev.yaml", 4, 7, "E204", "unknown team 'crn'")],
    )


def test_aliases_that_expand_without_bound_are_refused(org: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    write(org, "teams/x.yaml", "\n".join(lines) + "\n")
    assert validate_rows(org) == (
        1,
        [("teams/x.yaml", 1, 34, "E005", "expands to more than 50,000 values (aliases?)")],
    )
