"""The classes of issue 12's policy findings, as corpus-style cases through the CLI: each is a
small change to the example organization and the exact findings `jumpgate check` gives
(rule, file, line, column), or none at all.

Resources: a wildcard ARN that matches every resource of an action's type is "every resource"
(E708/E714/E722), and W703 no longer says such an action applies to none of them.
Standing access: judged by the actions a level allows, not by `elevated` (E729, E733, W734).
Grammar and managed policies: E726, E727, E728.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from corpus.runner import TODAY, Case, apply_edits, copy_example
from jumpgate.cli.main import main

CRM = "teams/crm.yaml"
ORG = "org/organization.yaml"
PUT = "          Action: [s3:GetObject, s3:PutObject]\n"
OBJECTS = "          Resource: arn:aws:s3:::learnaws-crm-exports/*\n"
GRANT = "    level: exports\n    environments: [prod]\n"
STANDING = "  - crm/exports         # one export bucket, reviewed with the CRM team\n"


def resource(value: str) -> dict[str, str]:
    return {"file": CRM, "replace": OBJECTS, "with": f"          Resource: {value!r}\n"}


def statement(text: str) -> dict[str, str]:
    """Add a statement after the exports set's last one."""
    return {"file": CRM, "replace": OBJECTS, "with": OBJECTS + text}


NOT_STANDING = {"file": ORG, "replace": STANDING, "with": ""}


def grant(extra: str) -> dict[str, str]:
    return {"file": CRM, "replace": GRANT, "with": GRANT + extra}


def org_level(name: str, body: str, team_grant: str) -> list[dict[str, str]]:
    """An org level (after security-audit) and a crm grant of it."""
    anchor = "    managed_policies: [arn:aws:iam::aws:policy/SecurityAudit]\n"
    return [
        {"file": ORG, "replace": anchor, "with": f"{anchor}  {name}:\n{body}"},
        {"file": CRM, "append": team_grant},
    ]


CASES: list[tuple[str, list[dict[str, str]], list[tuple[str, str, int, int]]]] = [
    # --- resources: every resource is not only "*"
    (  # IAM also refuses `arn:*` (E726), so it never reaches prod either way
        "write-on-arn-star",
        [resource("arn:*")],
        [("E708", CRM, 23, 34), ("E726", CRM, 24, 21)],
    ),
    ("write-on-any-partition-objects", [resource("arn:*:s3:::*/*")], [("E708", CRM, 23, 34)]),
    ("write-on-every-bucket-arn", [resource("arn:aws:s3:::*")], [("E708", CRM, 23, 34)]),
    ("write-on-every-object", [resource("arn:aws:s3:::*/*")], [("E708", CRM, 23, 34)]),
    ("write-on-one-bucket-prefix", [resource("arn:aws:s3:::learnaws-crm-*/*")], []),
    (
        "write-on-every-resource-in-dev-warns",
        [
            resource("arn:aws:s3:::*"),
            {"file": CRM, "replace": GRANT, "with": GRANT.replace("prod", "dev")},
        ],
        [("W709", CRM, 23, 34)],
    ),
    (
        "read-on-every-bucket-applies",  # W703 said GetObject "applies to none" of them
        [
            {"file": CRM, "replace": PUT, "with": "          Action: s3:GetObject\n"},
            resource("arn:aws:s3:::*"),
        ],
        [],
    ),
    (
        "pass-role-on-arn-star",
        [
            statement(
                "        - Effect: Allow\n          Action: iam:PassRole\n"
                "          Resource: 'arn:*'\n"
            )
        ],
        [
            ("E708", CRM, 26, 19),
            ("E714", CRM, 27, 21),
            ("E722", CRM, 36, 12),
            ("E726", CRM, 27, 21),
        ],
    ),
    (
        "pass-role-on-every-role-of-any-account",
        [
            statement(
                "        - Effect: Allow\n          Action: iam:PassRole\n"
                "          Resource: 'arn:aws:iam::*:role/*'\n"
            )
        ],
        [("E708", CRM, 26, 19), ("E714", CRM, 27, 21), ("E722", CRM, 36, 12)],
    ),
    (
        "whole-service-on-every-bucket-is-admin-like",
        [
            NOT_STANDING,
            resource("arn:aws:s3:::*"),
            {"file": CRM, "replace": PUT, "with": "          Action: 's3:*'\n"},
        ],
        [("E708", CRM, 23, 19), ("E722", CRM, 33, 12)],
    ),
    (
        "action-typo",
        [{"file": CRM, "replace": "s3:PutObject]", "with": "s3:PutObjekt]"}],
        [("E702", CRM, 23, 34)],
    ),
    (
        "action-unknown-without-suggestion",
        [{"file": CRM, "replace": "s3:PutObject]", "with": "s3:Zzzzzzzz]"}],
        [("E702", CRM, 23, 34)],
    ),
    # --- standing write access on a strict environment, judged by the actions
    ("team-set-writes-on-prod", [NOT_STANDING], [("E729", CRM, 33, 12)]),
    (
        "team-set-writes-on-prod-time-bound",
        [NOT_STANDING, grant("    expires: 2027-01-12\n    reason: CHG-7 quarterly export\n")],
        [],
    ),
    (
        "team-set-writes-on-prod-too-long",
        [NOT_STANDING, grant("    expires: 2027-01-13\n    reason: CHG-7 quarterly export\n")],
        [("E733", CRM, 35, 14)],
    ),
    (
        "team-set-tags-on-prod",
        [
            NOT_STANDING,
            {"file": CRM, "replace": PUT, "with": "          Action: s3:PutObjectTagging\n"},
        ],
        [("E729", CRM, 33, 12)],
    ),
    (
        "team-set-reads-on-prod",
        [NOT_STANDING, {"file": CRM, "replace": PUT, "with": "          Action: s3:GetObject\n"}],
        [],
    ),
    (
        "org-level-full-access-managed-policy-on-prod",
        org_level(
            "s3-full",
            "    description: All of S3\n"
            "    managed_policies: [arn:aws:iam::aws:policy/AmazonS3FullAccess]\n",
            "  - {who: [gwen], level: s3-full, environments: [prod]}\n",
        ),
        [("E729", CRM, 40, 26)],
    ),
    (
        "org-level-read-only-managed-policy-on-prod",
        org_level(
            "s3-read",
            "    description: Read S3\n"
            "    managed_policies: [arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess]\n",
            "  - {who: [gwen], level: s3-read, environments: [prod]}\n",
        ),
        [],
    ),
    (
        "admin-like-level-expiring-too-far",
        org_level(
            "iam-admin",
            "    description: IAM\n    managed_policies: [arn:aws:iam::aws:policy/IAMFullAccess]\n",
            "  - {who: [gwen], level: iam-admin, environments: [prod], expires: 2027-06-30,"
            " reason: CHG-9}\n",
        ),
        [("E733", CRM, 40, 68)],
    ),
    (
        "standing-declaration-of-nothing",
        [{"file": ORG, "replace": STANDING, "with": STANDING + "  - crm/imports\n"}],
        [("W734", ORG, 58, 5)],
    ),
    # --- policy grammar
    (
        "condition-operator-typo",
        [statement("          Condition: {StringEqual: {aws:PrincipalTag/team: crm}}\n")],
        [("E726", CRM, 25, 23)],
    ),
    (
        "condition-value-of-wrong-shape",
        [statement("          Condition: {NumericLessThan: {s3:max-keys: [[10]]}}\n")],
        [("E726", CRM, 25, 55)],
    ),
    (
        "allow-without-resource",
        [{"file": CRM, "replace": OBJECTS, "with": ""}],
        [("E726", CRM, 21, 11)],
    ),
    (
        "duplicate-sid",
        [{"file": CRM, "replace": "Sid: ReadWriteExports", "with": "Sid: ListExportBucket"}],
        [("E726", CRM, 21, 16)],
    ),
    # --- managed policies
    (
        "aws-managed-policy-typo",
        [{"file": ORG, "replace": "policy/ReadOnlyAccess]", "with": "policy/ReadOnlyAcces]"}],
        [("E727", ORG, 39, 24)],
    ),
    (
        "aws-managed-policy-dot-dot",
        [{"file": ORG, "replace": "policy/ReadOnlyAccess]", "with": "policy/../ReadOnlyAccess]"}],
        [("E727", ORG, 39, 24)],
    ),
    (
        "other-accounts-customer-policy",
        [
            {
                "file": CRM,
                "replace": "    policy:\n",
                "with": "    permissions_boundary: "
                "arn:aws:iam::999999999999:policy/Boundary\n    policy:\n",
            }
        ],
        [("E728", CRM, 14, 27)],
    ),
    (
        "own-accounts-customer-policy",
        [
            {
                "file": CRM,
                "replace": "    policy:\n",
                "with": "    permissions_boundary: "
                "arn:aws:iam::107000000007:policy/Boundary\n    policy:\n",
            }
        ],
        [],
    ),
]


def run_check(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict[str, Any]]]:
    capsys.readouterr()
    code = main(["check", "--root", str(root), "--today", TODAY, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(("edits", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_case(
    edits: list[dict[str, str]],
    expected: list[tuple[str, str, int, int]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = copy_example(tmp_path / "repo")
    apply_edits(root, Case("case", "", edits))
    code, findings = run_check(root, capsys)
    got = sorted((f["rule"], f["path"], f["line"], f["column"]) for f in findings)
    assert got == sorted(expected), findings
    assert code == (1 if any(rule.startswith("E") for rule, *_ in expected) else 0)


MESSAGES = {
    "write-on-every-bucket-arn": (
        "'s3:PutObject' changes every resource on 'arn:aws:s3:::*' (s3:PutObject)",
        "name the resources (ARNs) the actions may change",
    ),
    "action-typo": ("unknown action 's3:PutObjekt'", "did you mean s3:PutObject?"),
    "action-unknown-without-suggestion": (
        "unknown action 's3:Zzzzzzzz'",
        "use an action AWS defines (see the hint)",
    ),
    "team-set-writes-on-prod": (
        "standing access in crm-prod: permission set 'exports' may write (s3:PutObject), and the "
        "grant has no `expires` and `reason`",
        "add `expires:` (at most 45 days ahead) and `reason:` to the grant, or ask the platform "
        "team to declare 'crm/exports' in org/organization.yaml standing_on_strict",
    ),
    "team-set-writes-on-prod-too-long": (
        "expires 2027-01-13, more than 45 days ahead in prod: permission set 'exports' is "
        "elevated access (s3:PutObject)",
        "set `expires:` at most 45 days ahead (2027-01-12)",
    ),
    "standing-declaration-of-nothing": (
        "standing_on_strict names 'crm/imports', which is no level or team permission set",
        "use a level name, or team/set for a team's permission set; or remove it",
    ),
    "condition-operator-typo": (
        "unknown condition operator 'StringEqual' [unknown-operator]",
        "did you mean 'StringEquals'?",
    ),
    "duplicate-sid": (
        "Sid 'ListExportBucket' is also the Sid of statement 0 [duplicate-sid]",
        "give every statement its own Sid",
    ),
    "aws-managed-policy-typo": (
        "AWS managed policy 'ReadOnlyAcces' is not in the list (list of 1,582 AWS managed "
        "policies from moto 5.2.5, 59 days old; Access Analyzer in CI is the final word)",
        "did you mean arn:aws:iam::aws:policy/ReadOnlyAccess?",
    ),
    "aws-managed-policy-dot-dot": (
        "'../ReadOnlyAccess' is not a valid AWS managed policy name (list of 1,582 AWS managed "
        "policies from moto 5.2.5, 59 days old; Access Analyzer in CI is the final word)",
        "did you mean arn:aws:iam::aws:policy/ReadOnlyAccess?",
    ),
    "other-accounts-customer-policy": (
        "customer managed policy of account 999999999999 attached to roles in account "
        "107000000007: IAM attaches only a role's own account's policies",
        "create the policy in each account (a StackSet), or write it as the level's `policy:`",
    ),
}


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_message_and_hint(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edits = next(c[1] for c in CASES if c[0] == name)
    root = copy_example(tmp_path / "repo")
    apply_edits(root, Case(name, "", edits))
    _, findings = run_check(root, capsys)
    assert [(f["message"], f["hint"]) for f in findings] == [MESSAGES[name]]
