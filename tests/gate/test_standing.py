"""r_standing: what makes a level write access (E729/E733), judged by its actions."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from corpus.runner import TODAY, Case, apply_edits, copy_example
from jumpgate.cli.main import main
from jumpgate.gate.checks import r_standing
from jumpgate.model.organization import Level

CRM = "teams/crm.yaml"
ORG = "org/organization.yaml"


def level(policy: dict[str, Any] | None = None, managed: tuple[str, ...] = ()) -> Level:
    return Level("l", None, "", managed, policy, None, False, (), None, None)  # type: ignore[arg-type]


def allow(*actions: str, field: str = "Action", effect: str = "Allow") -> dict[str, Any]:
    statement = {"Effect": effect, field: list(actions), "Resource": "*"}
    return {"Version": "2012-10-17", "Statement": [statement]}


@pytest.mark.parametrize(
    ("policy", "managed", "why"),
    [
        (None, ("arn:aws:iam::aws:policy/ReadOnlyAccess",), None),
        (None, ("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",), None),
        (None, ("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",), None),
        (  # the name decides, not the path
            None,
            ("arn:aws:iam::aws:policy/ReadOnly/AmazonS3FullAccess",),
            "AWS managed policy AmazonS3FullAccess, not named ReadOnly or ViewOnly",
        ),
        (
            None,
            ("arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/Billing"),
            "AWS managed policy Billing, not named ReadOnly or ViewOnly",
        ),
        (
            None,
            ("arn:aws:iam::111122223333:policy/Mine",),
            "customer managed policy arn:aws:iam::111122223333:policy/Mine, content unknown "
            "offline",
        ),
        (allow("s3:GetObject", "dynamodb:BatchGetItem"), (), None),  # Read, not a read verb
        (allow("athena:GetSessionEndpoint"), (), "athena:GetSessionEndpoint"),  # Write, Get…
        (allow("s3:PutObjectTagging"), (), "s3:PutObjectTagging"),  # Tagging
        (allow("iam:PassRole"), (), "iam:PassRole"),  # Permissions management
        (allow("s3:PutObject", effect="Deny"), (), None),
        (allow("s3:GetObject", field="NotAction"), (), "NotAction with Allow"),
        (
            allow("s3:PutObject", "s3:DeleteObject", "s3:PutObjectAcl", "s3:GetObject"),
            (),
            "s3:DeleteObject, s3:PutObject, s3:PutObjectAcl",
        ),
        (
            allow("s3:PutObject*"),
            (),
            "s3:PutObject, s3:PutObjectAcl, s3:PutObjectLegalHold and 6 more",
        ),
        # known to cfn-lint only: no access level, lower-case names, judged by the verb
        (allow("account:getprimaryemailupdatestatus"), (), None),
        (allow("account:reopenaccount"), (), "account:reopenaccount"),
    ],
)
def test_writes(policy: dict[str, Any] | None, managed: tuple[str, ...], why: str | None) -> None:
    assert r_standing.writes(level(policy, managed)) == why


def run(root: Path, capsys: pytest.CaptureFixture[str]) -> list[tuple[str, str, int, str]]:
    capsys.readouterr()
    main(["check", "--root", str(root), "--today", TODAY, "--format", "json"])
    found = json.loads(capsys.readouterr().out)
    return [(f["rule"], f["path"], f["line"], f["message"]) for f in found]


def edited(tmp_path: Path, *edits: dict[str, str]) -> Path:
    root = copy_example(tmp_path / "repo")
    apply_edits(root, Case("case", "", list(edits)))
    return root


def test_admin_like_level_is_e722_not_e729(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = edited(
        tmp_path,
        {"file": CRM, "replace": "[s3:GetObject, s3:PutObject]", "with": "[iam:PutRolePolicy]"},
    )
    assert [r[:3] for r in run(root, capsys)] == [
        ("E710", CRM, 23),
        ("W703", CRM, 23),
        ("E722", CRM, 33),
    ]


def test_elevated_flag_leaves_the_grant_to_validate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = edited(
        tmp_path,
        {
            "file": ORG,
            "replace": "  - crm/exports         # one export bucket, reviewed with the CRM team\n",
            "with": "",
        },
        {
            "file": CRM,
            "replace": "    description: Read and write the CRM export bucket, nothing else\n",
            "with": "    description: Read and write the CRM export bucket, nothing else\n"
            "    elevated: true\n",
        },
    )
    assert run(root, capsys) == [  # validate's E402, not E729 as well
        (
            "E402",
            CRM,
            33,
            "level 'exports' in prod account 'crm-prod' needs `expires` and `reason`",
        )
    ]


def test_strictest_environment_sets_the_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Staging made strict with 10 days: a grant reaching staging and prod gets the 10."""
    root = edited(
        tmp_path,
        {
            "file": ORG,
            "replace": "  - crm/exports         # one export bucket, reviewed with the CRM team\n",
            "with": "",
        },
        {
            "file": ORG,
            "replace": "    max_session_seconds: 28800      # 8 h\n",
            "with": "    max_session_seconds: 28800      # 8 h\n    strict: true\n"
            "    max_elevation_days: 10\n",
        },
        {
            "file": CRM,
            "replace": "    level: exports\n    environments: [prod]\n",
            "with": "    level: exports\n    environments: [staging, prod]\n"
            "    expires: 2026-12-09\n    reason: CHG-7\n",
        },
    )
    findings = [f for f in run(root, capsys) if f[0] == "E733"]
    assert findings == [
        (
            "E733",
            CRM,
            35,
            "expires 2026-12-09, more than 10 days ahead in staging: permission set 'exports' "
            "is elevated access (s3:PutObject)",
        )
    ]


def test_expiry_on_the_last_allowed_day_passes() -> None:
    today = dt.date.fromisoformat(TODAY)
    assert today + dt.timedelta(45) == dt.date(2027, 1, 12)  # test_policy_corpus's boundary


def test_declared_ignores_what_is_not_a_list() -> None:
    class Doc:
        data: Any = None

    class Source:
        doc = Doc()

    class Org:
        org_source: Any = Source()

    Doc.data = {"standing_on_strict": "billing"}
    assert r_standing.declared(Org()) == []  # type: ignore[arg-type]
    Doc.data = ["not", "a", "mapping"]
    assert r_standing.declared(Org()) == []  # type: ignore[arg-type]
    Doc.data = {"standing_on_strict": ["billing"]}
    assert r_standing.declared(Org()) == ["billing"]  # type: ignore[arg-type]
    Org.org_source = None
    assert r_standing.declared(Org()) == []  # type: ignore[arg-type]
