"""Cross-file rules: one small edit of the example organization, one exact finding."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import REPO, append, replace, validate_json, validate_rows, write
from jumpgate.core.limits import LIMITS, Limit, policy_chars
from jumpgate.core.rules import hint_of

CRM = "teams/crm.yaml"
IT = "teams/it.yaml"
ORG = "org/organization.yaml"


def account(team: str | None, environment: str, account_id: str) -> str:
    team_line = f"team: {team}\n" if team else ""
    return f'id: "{account_id}"\nenvironment: {environment}\n{team_line}'


# --- E2xx: references across files ---------------------------------------------------------


def test_e201_duplicate_account_id(org: Path) -> None:
    replace(org, "accounts/crm-dev.yaml", '"105000000005"', '"114000000014"')
    assert validate_rows(org) == (
        1,
        [
            (
                "accounts/it-sandbox.yaml",
                2,
                5,
                "E201",
                "account id 114000000014 is also account 'crm-dev'",
            )
        ],
    )


def test_e202_account_names_differ_only_by_case(org: Path) -> None:
    write(org, "accounts/CRM-dev.yaml", account("crm", "dev", "199000000099"))
    code, found = validate_rows(org)
    assert code == 1
    assert [f for f in found if f[3] == "E202"] == [
        (
            "accounts/crm-dev.yaml",
            2,
            1,
            "E202",
            "account 'crm-dev' differs from 'CRM-dev' only by case",
        )
    ]


def test_e203_second_identity_account(org: Path) -> None:
    write(org, "accounts/zz-identity.yaml", account(None, "identity", "199000000099"))
    assert validate_rows(org) == (
        1,
        [
            (
                "accounts/zz-identity.yaml",
                2,
                14,
                "E203",
                "second identity account (first: 'learnaws-identity')",
            )
        ],
    )


def test_e203_no_identity_account(org: Path) -> None:
    (org / "accounts" / "learnaws-identity.yaml").unlink()
    assert validate_rows(org) == (
        1,
        [(ORG, 4, 1, "E203", "no account has `environment: identity`")],
    )


def test_e204_account_without_team(org: Path) -> None:
    replace(org, "accounts/crm-dev.yaml", "team: crm\n", "")
    assert validate_rows(org) == (
        1,
        [
            (
                "accounts/crm-dev.yaml",
                2,
                1,
                "E204",
                "needs `team:` (only the identity account has none)",
            )
        ],
    )


def test_e204_unknown_team(org: Path) -> None:
    replace(org, "accounts/crm-dev.yaml", "team: crm", "team: crn")
    assert validate_rows(org) == (
        1,
        [("accounts/crm-dev.yaml", 4, 7, "E204", "unknown team 'crn'")],
    )


def test_e205_unknown_stage(org: Path) -> None:
    replace(org, ORG, "stage: dev", "stage: dve")
    assert validate_rows(org) == (
        1,
        [(ORG, 15, 12, "E205", "stage 'dve' is not an environment")],
    )


def test_e205_unknown_environment_in_denied_in(org: Path) -> None:
    replace(org, ORG, "denied_in: [sandbox]", "denied_in: [sandbx]")
    assert validate_rows(org) == (
        1,
        [(ORG, 46, 17, "E205", "unknown environment 'sandbx'")],
    )


def test_e205_unknown_environment_of_account(org: Path) -> None:
    replace(org, "accounts/crm-dev.yaml", "environment: dev", "environment: dvel")
    assert validate_rows(org) == (
        1,
        [
            (
                "accounts/crm-dev.yaml",
                3,
                14,
                "E205",
                "unknown environment 'dvel'; known: dev, sandbox, staging, prod, identity",
            )
        ],
    )


def test_e205_unknown_environment_of_grant(org: Path) -> None:
    replace(
        org,
        CRM,
        "    level: admin\n    environments: [dev, staging]",
        "    level: admin\n    environments: [dev, stagin]",
    )
    assert validate_rows(org) == (
        1,
        [(CRM, 28, 25, "E205", "unknown environment 'stagin'")],
    )


def test_e206_unknown_account(org: Path) -> None:
    replace(org, CRM, "accounts: [crm-prod]", "accounts: [crm-prd]")
    assert validate_rows(org) == (
        1,
        [(CRM, 37, 16, "E206", "unknown account 'crm-prd'")],
    )


def test_e207_unknown_level_lists_the_known_ones(org: Path) -> None:
    replace(org, CRM, "level: exports", "level: exprts")
    assert validate_rows(org) == (
        1,
        [
            (
                CRM,
                33,
                12,
                "E207",
                "unknown access level 'exprts'; known: admin, billing, exports, poweruser, "
                "readonly, security-audit, viewonly",
            )
        ],
    )


def test_e208_unknown_person(org: Path) -> None:
    replace(org, CRM, "who: [carol]", "who: [carol, zoe]")
    assert validate_rows(org) == (
        1,
        [(CRM, 32, 18, "E208", "'zoe' is not a person of team 'crm'")],
    )


def test_e209_person_differs_between_teams(org: Path) -> None:
    replace(org, "teams/marketing.yaml", "Mira Kapoor", "Mira Kapur")
    assert validate_rows(org) == (
        1,
        [
            (
                "teams/marketing.yaml",
                10,
                3,
                "E209",
                "'mira' is Mira Kapur <mira@learnaws.example> here but "
                "Mira Kapoor <mira@learnaws.example> in team 'bi'",
            )
        ],
    )


def test_e210_team_declared_twice(org: Path) -> None:
    text = (org / CRM).read_text(encoding="utf-8")
    write(org, "teams/crm.yml", text)
    assert validate_rows(org) == (
        1,
        [("teams/crm.yml", 2, 7, "E210", "team 'crm' is also declared in teams/crm.yaml")],
    )


def test_w211_grant_reaches_no_account_is_a_warning(org: Path) -> None:
    replace(
        org,
        CRM,
        "    level: exports\n    environments: [prod]",
        "    level: exports\n    environments: [sandbox]",
    )
    code, findings = validate_json(org)
    assert code == 0
    assert findings == [
        {
            "path": CRM,
            "line": 32,
            "column": 5,
            "rule": "W211",
            "severity": "warning",
            "message": "team 'crm' has no account in sandbox",
            "hint": "remove the grant, or add the team's account",
        }
    ]
    assert validate_json(org, "--fail-on", "warning")[0] == 1


def test_e212_duplicate_group_name(org: Path) -> None:
    append(
        org,
        IT,
        "  - who: [asingh]\n    level: readonly\n    accounts: [crm-prod]\n"
        "    group: security-audit-all-prod\n",
    )
    assert validate_rows(org) == (
        1,
        [
            (
                IT,
                27,
                5,
                "E212",
                "group 'jumpgate-it-security-audit-all-prod' is also made by "
                "teams/it.yaml access[3]",
            )
        ],
    )


def test_e212_generated_group_names_collide(org: Path) -> None:
    append(org, CRM, "  - who: [gwen]\n    level: admin\n    environments: [dev, staging]\n")
    assert validate_rows(org) == (
        1,
        [
            (
                CRM,
                40,
                5,
                "E212",
                "group 'jumpgate-crm-admin-dev-staging' is also made by teams/crm.yaml access[0]",
            )
        ],
    )


def test_e213_permission_set_shadows_a_level(org: Path) -> None:
    replace(
        org,
        CRM,
        "permission_sets:\n",
        "permission_sets:\n  billing:\n    description: CRM billing\n"
        "    managed_policies: [arn:aws:iam::aws:policy/job-function/Billing]\n",
    )
    assert validate_rows(org) == (
        1,
        [(CRM, 12, 3, "E213", "permission set 'billing' has the name of an organization level")],
    )


def test_e214_grant_into_the_identity_account(org: Path) -> None:
    replace(org, CRM, "accounts: [crm-prod]", "accounts: [learnaws-identity]")
    assert validate_rows(org) == (
        1,
        [
            (CRM, 35, 5, "W211", "team 'crm' has no account in the listed accounts"),
            (CRM, 37, 16, "E214", "'learnaws-identity' is the identity account"),
        ],
    )


def test_e215_two_people_make_the_same_stack_name(org: Path) -> None:
    replace(
        org,
        CRM,
        "  gwen: {name: Gwen Harris, email: gwen@learnaws.example}\n",
        "  gwen: {name: Gwen Harris, email: gwen@learnaws.example}\n"
        "  j.doe: {name: Jo Doe, email: jo@learnaws.example}\n"
        "  j_doe: {name: Jay Doe, email: jay@learnaws.example}\n",
    )
    assert validate_rows(org) == (
        1,
        [(CRM, 12, 3, "E215", "user 'j_doe' and 'j.doe' both make stack 'jumpgate-user-j-doe'")],
    )


# --- E3xx: IAM names and per-principal limits -----------------------------------------------


def test_e301_person_name_iam_tags_cannot_hold(org: Path) -> None:
    replace(org, CRM, "name: Alice Martin", "name: Alice <Martin>")
    assert validate_rows(org) == (
        1,
        [
            (
                CRM,
                5,
                17,
                "E301",
                "name 'Alice <Martin>' has characters IAM tags do not allow",
            )
        ],
    )


def test_e301_generated_group_name_too_long(org: Path) -> None:
    accounts = (
        "it-prod, crm-prod, bi-prod, marketing-prod, it-dev, crm-dev, bi-dev, marketing-dev, "
        "it-staging, crm-staging, bi-staging, marketing-staging"
    )
    append(org, CRM, f"  - who: [bob]\n    level: viewonly\n    accounts: [{accounts}]\n")
    name = "jumpgate-crm-viewonly-" + accounts.replace(", ", "-")
    assert len(name) == 149
    assert validate_rows(org) == (
        1,
        [
            (
                CRM,
                40,
                5,
                "E301",
                f"group name {name!r} is invalid or longer than 128 characters",
            )
        ],
    )


def test_e302_role_path_and_name_too_long_for_switch_role(org: Path) -> None:
    team = "analytics-and-reporting"
    write(org, "accounts/analytics-dev.yaml", account(team, "dev", "199000000099"))
    write(
        org,
        f"teams/{team}.yaml",
        f"team: {team}\npeople:\n  zoe: {{name: Zoe Li, email: zoe@learnaws.example}}\n"
        "permission_sets:\n  warehouse-loader-access:\n    description: Load the warehouse\n"
        "    managed_policies: [arn:aws:iam::aws:policy/AmazonRedshiftFullAccess]\n"
        "access:\n  - who: all\n    level: warehouse-loader-access\n    environments: [dev]\n",
    )
    assert validate_rows(org) == (
        1,
        [
            (
                f"teams/{team}.yaml",
                5,
                3,
                "E302",
                "path '/jumpgate/' and role "
                "'jumpgate-analytics-and-reporting-warehouse-loader-access' are 66 characters",
            )
        ],
    )


# Each extra grant reaches another account, so none is redundant (W217) with another.
DISTINCT_ACCOUNTS = (
    "it-dev",
    "it-staging",
    "it-sandbox",
    "bi-dev",
    "bi-staging",
    "marketing-dev",
    "marketing-staging",
    "crm-staging",
)


def test_e303_person_in_too_many_groups(org: Path) -> None:
    grants = "".join(
        f"  - who: [bob]\n    level: viewonly\n    accounts: [{account}]\n    group: extra-{n}\n"
        for n, account in enumerate(DISTINCT_ACCOUNTS[:8])
    )
    append(org, CRM, grants)
    assert validate_rows(org) == (
        1,
        [
            (
                CRM,
                6,
                3,
                "E303",
                "'bob' would be in 11 groups (jumpgate-people and 10 grants), IAM allows 10",
            )
        ],
    )


def test_e303_ten_groups_are_allowed(org: Path) -> None:
    grants = "".join(
        f"  - who: [bob]\n    level: viewonly\n    accounts: [{account}]\n    group: extra-{n}\n"
        for n, account in enumerate(DISTINCT_ACCOUNTS[:7])
    )
    append(org, CRM, grants)
    assert validate_rows(org) == (0, [])


# --- E4xx: the organization's access rules --------------------------------------------------


def test_e401_level_denied_in_environment(org: Path) -> None:
    append(org, IT, "  - who: [asingh]\n    level: billing\n    environments: [sandbox]\n")
    assert validate_rows(org) == (
        1,
        [
            (
                IT,
                28,
                12,
                "E401",
                "level 'billing' is not allowed in sandbox (account 'it-sandbox')",
            )
        ],
    )


def test_e402_elevated_prod_access_without_expiry_and_reason(org: Path) -> None:
    replace(org, CRM, "    expires: 2026-12-31\n    reason: INC-4711 data migration\n", "")
    assert validate_rows(org) == (
        1,
        [
            (
                CRM,
                35,
                5,
                "E402",
                "level 'admin' in prod account 'crm-prod' needs `expires` and `reason`",
            )
        ],
    )


def test_e402_expiry_without_reason(org: Path) -> None:
    replace(org, CRM, "    reason: INC-4711 data migration\n", "")
    assert validate_rows(org) == (
        1,
        [
            (
                CRM,
                35,
                5,
                "E402",
                "level 'admin' in prod account 'crm-prod' needs `expires` and `reason`",
            )
        ],
    )


def test_e402_elevated_levels_in_every_strict_account(org: Path) -> None:
    append(org, CRM, "  - who: [bob]\n    level: poweruser\n    accounts: [crm-prod, it-prod]\n")
    assert validate_rows(org) == (
        1,
        [
            (
                CRM,
                40,
                5,
                "E402",
                "level 'poweruser' in prod account 'crm-prod' needs `expires` and `reason`",
            ),
            (
                CRM,
                40,
                5,
                "E402",
                "level 'poweruser' in prod account 'it-prod' needs `expires` and `reason`",
            ),
        ],
    )


def test_w403_expired_grant_is_a_warning(org: Path) -> None:
    replace(org, CRM, "expires: 2026-12-31", "expires: 2026-11-27")
    assert validate_rows(org) == (0, [(CRM, 38, 14, "W403", "expired on 2026-11-27")])


def test_grant_expiring_today_still_works(org: Path) -> None:
    replace(org, CRM, "expires: 2026-12-31", "expires: 2026-11-28")
    assert validate_rows(org) == (0, [])


def test_e404_expiry_too_far_ahead(org: Path) -> None:
    replace(org, CRM, "expires: 2026-12-31", "expires: 2027-01-13")
    assert validate_rows(org) == (
        1,
        [(CRM, 38, 14, "E404", "expires 2027-01-13, more than 45 days ahead in prod")],
    )


def test_e404_boundary_45_days_is_allowed(org: Path) -> None:
    replace(org, CRM, "expires: 2026-12-31", "expires: 2027-01-12")
    assert validate_rows(org) == (0, [])


def test_e101_expiry_that_is_not_a_date(org: Path) -> None:
    replace(org, CRM, "expires: 2026-12-31", "expires: '2026-02-30'")
    assert validate_rows(org) == (
        1,
        [(CRM, 38, 14, "E101", "expires: '2026-02-30' is not a valid date")],
    )


# --- E5xx: AWS and CloudFormation quotas ----------------------------------------------------


def _extra_crm_accounts(org: Path, count: int) -> None:
    for n in range(count):
        write(org, f"accounts/crm-extra-{n:03}.yaml", account("crm", "dev", f"2000000{n:05}"))


def test_a_grant_over_many_accounts_uses_the_compact_form(org: Path) -> None:
    # 75 more crm dev accounts: the explicit form (77 and 78 role ARNs) would be over IAM's
    # 5,120 characters and CloudFormation's 4,096 bytes; the compact form fits.
    _extra_crm_accounts(org, 75)
    assert validate_rows(org) == (0, [])


def test_e501_e502_grant_too_large_even_compact(org: Path) -> None:
    _extra_crm_accounts(org, 320)
    split = "split the grant, for example one per environment"
    assert validate_rows(org) == (
        1,
        [
            (CRM, 26, 5, "E501", f"AccountIds is 4,185 bytes, over 4,096; {split}"),  # 322 x 13 - 1
            (
                CRM,
                26,
                5,
                "E502",
                f"group policy is 5,194 characters, over the 5,120 allowed (322 accounts); {split}",
            ),
            (CRM, 29, 5, "E501", f"AccountIds is 4,198 bytes, over 4,096; {split}"),
            (
                CRM,
                29,
                5,
                "E502",
                f"group policy is 5,212 characters, over the 5,120 allowed (323 accounts); {split}",
            ),
        ],
    )


def test_e501_custom_policy_too_large(org: Path) -> None:
    buckets = [f"arn:aws:s3:::learnaws-crm-exports-{n:03}/*" for n in range(120)]
    replace(
        org,
        CRM,
        "          Resource: arn:aws:s3:::learnaws-crm-exports/*\n",
        "          Resource:\n" + "".join(f"            - {b}\n" for b in buckets),
    )
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ListExportBucket",
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": "arn:aws:s3:::learnaws-crm-exports",
            },
            {
                "Sid": "ReadWriteExports",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject"],
                "Resource": buckets,
            },
        ],
    }
    size = len(json.dumps(document, separators=(",", ":")))
    assert size == policy_chars(document) == 5292
    assert validate_rows(org) == (
        1,
        [
            (
                CRM,
                15,
                7,
                "E501",
                "policy is 5,292 characters; a parameter holds at most 4,096",
            )
        ],
    )


def _big_team(org: Path, grants: int) -> None:
    write(org, "accounts/big-dev.yaml", account("big", "dev", "199000000099"))
    people = "".join(
        f"  p{n:03}: {{name: P {n}, email: p{n}@learnaws.example}}\n" for n in range(grants)
    )
    access = "".join(
        f"  - who: [p{n:03}]\n    level: readonly\n    environments: [dev]\n    group: g{n:03}\n"
        for n in range(grants)
    )
    write(org, "teams/big.yaml", f"team: big\npeople:\n{people}access:\n{access}")


def test_w505_identity_account_close_to_the_group_quota(org: Path) -> None:
    _big_team(org, 230)  # 15 grant groups exist, plus the everyone group
    code, findings = validate_json(org)
    assert code == 0
    assert findings == [
        {
            "path": "accounts/learnaws-identity.yaml",
            "line": 2,
            "column": 1,
            "rule": "W505",
            "severity": "warning",
            "message": "246 groups use 82% of quota iam_groups_per_account (300); request an "
            "increase of 8 (to 308) and record it under `quotas:` in org/organization.yaml",
            "hint": hint_of("W505"),
        }
    ]


def test_e506_identity_account_over_the_group_quota(org: Path) -> None:
    _big_team(org, 290)
    assert validate_rows(org) == (
        1,
        [
            (
                "accounts/learnaws-identity.yaml",
                2,
                1,
                "E506",
                "306 groups exceed quota iam_groups_per_account (300); request an increase of "
                "at least 6 and record it under `quotas:` in org/organization.yaml",
            )
        ],
    )


def test_raised_quota_is_honoured(org: Path) -> None:
    _big_team(org, 290)
    append(org, ORG, "quotas:\n  iam_groups_per_account: 360\n")
    assert validate_rows(org) == (
        0,
        [
            (
                "accounts/learnaws-identity.yaml",
                2,
                1,
                "W505",
                "306 groups use 85% of quota iam_groups_per_account (360, raised); request an "
                "increase of 23 (to 383) and record it under `quotas:` in org/organization.yaml",
            )
        ],
    )


@pytest.mark.parametrize(
    ("groups", "quota", "rule", "message"),
    [
        (
            400,
            480,
            "W505",
            "416 groups use 86% of quota iam_groups_per_account (480, raised); AWS raises it "
            "to at most 500: plan a split before it is reached",
        ),
        (
            500,
            500,
            "E506",
            "516 groups exceed quota iam_groups_per_account (500, raised); AWS raises it to at "
            "most 500: split the organization",
        ),
    ],
)
def test_a_quota_past_what_aws_raises_asks_for_a_split(
    org: Path, groups: int, quota: int, rule: str, message: str
) -> None:
    """IAM raises the group quota to 500 at most: asking for more would be refused."""
    _big_team(org, groups)
    append(org, ORG, f"quotas:\n  iam_groups_per_account: {quota}\n")
    code, found = validate_rows(org)
    assert code == (1 if rule == "E506" else 0)
    assert found == [("accounts/learnaws-identity.yaml", 2, 1, rule, message)]


@pytest.mark.parametrize(
    ("quota", "ending"),
    [(25, "plan a split before it is reached"), (23, "plan a split before adding more")],
)
def test_w505_a_quota_that_cannot_be_raised_asks_for_a_split(
    org: Path, monkeypatch: pytest.MonkeyPatch, quota: int, ending: str
) -> None:
    # The example has 23 people; IAM's user quota cannot be raised (here lowered to see it).
    monkeypatch.setitem(
        LIMITS, "iam_users_per_account", Limit("iam_users_per_account", quota, "users", False)
    )
    assert validate_rows(org) == (
        0,
        [
            (
                "accounts/learnaws-identity.yaml",
                2,
                1,
                "W505",
                f"23 users use {100 * 23 // quota}% of quota iam_users_per_account ({quota}); "
                f"it cannot be raised: {ending}",
            )
        ],
    )


@pytest.mark.parametrize("rule", ["E201", "E204", "E402", "W403"])
def test_hint_is_the_catalogue_hint(org: Path, rule: str) -> None:
    edits = {
        "E201": ("accounts/crm-dev.yaml", '"105000000005"', '"114000000014"'),
        "E204": ("accounts/crm-dev.yaml", "team: crm", "team: crn"),
        "E402": (CRM, "    reason: INC-4711 data migration\n", ""),
        "W403": (CRM, "expires: 2026-12-31", "expires: 2026-01-01"),
    }
    replace(org, *edits[rule])
    _, findings = validate_json(org)
    assert [(f["rule"], f["hint"]) for f in findings] == [(rule, hint_of(rule))]


# --- people batches against CloudFormation's template quotas ------------------------------


def _many_people(org: Path, count: int, batches: int) -> None:
    replace(
        org,
        "org/organization.yaml",
        "prefix: jumpgate\n",
        f"prefix: jumpgate\npeople_batches: {batches}\n",
    )
    people = "".join(
        f"  person{n:04d}: {{name: Person Number {n:04d}, email: person{n:04d}@learnaws.example}}\n"
        for n in range(count)
    )
    replace(org, "teams/crm.yaml", "people:\n", "people:\n" + people)


@pytest.mark.parametrize(
    ("count", "rule", "size"), [(60, "W505", "42,768"), (90, "E503", "57,678")]
)
def test_a_people_batch_near_or_over_the_template_quota(
    org: Path, count: int, rule: str, size: str
) -> None:
    _many_people(org, count, 1)
    code, findings = validate_json(org)
    assert code == (1 if rule == "E503" else 0)
    batch = [f for f in findings if f["rule"] in ("E503", "W505")]
    assert [(f["rule"], f["path"], f["line"], f["column"]) for f in batch] == [
        (rule, "org/organization.yaml", 7, 17)
    ]
    assert batch[0]["message"] == (
        f"cloudformation/people/jumpgate-people-000.yaml is {size} bytes (CloudFormation's "
        "template body quota: 51,200); set people_batches to at least 2 before the first deploy "
        "(on a deployed organization a new value moves every person: docs/deploy.md)"
    )


def test_people_batches_far_below_the_quotas_say_nothing(org: Path) -> None:
    _many_people(org, 60, 2)
    code, findings = validate_json(org)
    assert code == 0
    assert [f for f in findings if f["rule"] in ("E503", "W505")] == []


# --- every foundation rule is tested --------------------------------------------------------

# Rules of the foundation (E0xx-E6xx) that no input can trigger, and why.
UNREACHABLE = {
    "E504": "the schemas bound every session to 3,600-43,200 s, so E101 reports it first",
}
FOUNDATION_TESTS = (
    "model/test_loader.py",
    "validate/test_redundant.py",
    "validate/test_names.py",
    "gate/test_precommit.py",
    "model/test_schema.py",
    "validate/test_crosscheck.py",
    "generate/test_render.py",
    "cli/test_main.py",
    "gate/test_access_rules.py",
)


def test_every_foundation_rule_is_produced_and_tested() -> None:
    from helpers import REPO
    from jumpgate.core.rules import RULES

    foundation = {r for r in RULES if r[1] in "0123456"}
    tests = "".join(
        (REPO / "tests" / name).read_text(encoding="utf-8") for name in FOUNDATION_TESTS
    )
    sources = "".join(
        p.read_text(encoding="utf-8")
        for p in (REPO / "scripts" / "jumpgate").rglob("*.py")
        if p.name != "rules.py"
    )
    untested = sorted(r for r in foundation - set(UNREACHABLE) if f'"{r}"' not in tests)
    assert untested == []
    unproduced = sorted(r for r in foundation if f'"{r}"' not in sources)
    assert unproduced == sorted(UNREACHABLE)


@pytest.mark.parametrize("rel", [CRM, ORG])
def test_deleting_any_line_gives_findings_that_point_into_the_file(org: Path, rel: str) -> None:
    """Never a traceback, and every finding names an existing line and column (never 0:0)."""
    import datetime as dt

    from helpers import TODAY
    from jumpgate.validate.flow import validate

    path = org / rel
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for index in range(len(lines)):
        path.write_text("".join(lines[:index] + lines[index + 1 :]), encoding="utf-8")
        for f in validate(org, dt.date.fromisoformat(TODAY)).findings:
            text = (org / f.path).read_text(encoding="utf-8").splitlines()
            assert 1 <= f.line <= len(text), (index, f)
            assert 1 <= f.column <= len(text[f.line - 1]) + 1, (index, f)


def test_foundation_modules_take_every_aws_limit_from_limits_py() -> None:
    import re

    from jumpgate.core.limits import LIMITS

    values = {str(limit.value) for limit in LIMITS.values()}
    modules = (
        "model/loader",
        "model/schema",
        "model/organization",
        "validate/crosscheck",
        "generate/expansion",
        "generate/expand",
        "generate/policies",
        "generate/render",
    )
    for module in modules:
        text = (REPO / "scripts" / "jumpgate" / f"{module}.py").read_text(encoding="utf-8")
        literals = set(re.findall(r"(?<![\w.])\d{3,5}(?![\w.])", text)) & values
        assert literals == set(), f"{module}.py writes limits as literals: {sorted(literals)}"


def test_e216_account_declared_twice(org: Path) -> None:
    write(org, "accounts/crm-dev.yml", (org / "accounts/crm-dev.yaml").read_text(encoding="utf-8"))
    assert validate_rows(org) == (
        1,
        [("accounts/crm-dev.yml", 2, 1, "E216", "account 'crm-dev' is also accounts/crm-dev.yaml")],
    )
