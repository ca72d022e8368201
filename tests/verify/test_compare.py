"""verify's comparisons without the emulator: IAM as a clean deploy leaves it
(deployed_state.as_deployed), one thing changed, the exact finding. test_drift.py and
test_drift_rules.py prove the reading side against the emulator."""

from __future__ import annotations

import dataclasses

from deployed_state import TODAY, as_deployed, force_mfa_arn

from jumpgate.core.rules import hint_of
from jumpgate.generate.expansion import Expansion
from jumpgate.model.organization import Organization
from jumpgate.report.access import effective_access
from jumpgate.verify.access_drift import access_drift, evaluate_or_finding, observed_access
from jumpgate.verify.drift import (
    GROUP_POLICY_NAME,
    Observed,
    canon,
    compare_identity,
    compare_target,
)

ID = "learnaws-identity"
WHO = f"iam://{ID}"
Row = tuple[str, int, int, str, str]


def identity_rows(example_org: tuple[Organization, Expansion], seen: Observed) -> list[Row]:
    found = compare_identity(*example_org, seen)
    assert all(f.hint == hint_of(f.rule_id) for f in found)
    return [(f.path, f.line, f.column, f.rule_id, f.message) for f in found]


def target_rows(
    example_org: tuple[Organization, Expansion], account: str, seen: Observed
) -> list[tuple[str, str, str]]:
    found = compare_target(*example_org, account, seen)
    assert all(f.hint == hint_of(f.rule_id) for f in found)
    return [(f.path, f.rule_id, f.message) for f in found]


def test_a_clean_deploy_has_no_drift(
    example_org: tuple[Organization, Expansion], state: dict[str, Observed]
) -> None:
    org, exp = example_org
    assert compare_identity(org, exp, state[ID]) == []
    for account, seen in state.items():
        if account != ID:
            assert compare_target(org, exp, account, seen) == [], account
    declared = effective_access(org, exp, TODAY)
    assert len(declared) == 106
    assert observed_access(org, exp, state, TODAY) == declared
    assert access_drift(declared, observed_access(org, exp, state, TODAY), set()) == []


def test_people_drift(
    example_org: tuple[Organization, Expansion], state: dict[str, Observed]
) -> None:
    seen = state[ID]
    del seen.users["gwen"]
    seen.users["bob"]["groups"].append("jumpgate-crm-exports-prod")
    seen.users["carol"]["groups"].remove("jumpgate-crm-exports-prod")
    seen.users["dmitri"]["groups"] = ["jumpgate-x", *seen.users["dmitri"]["groups"][1:]]
    seen.users["fatima"]["tags"]["jumpgate:teams"] = "it"
    del seen.users["alice"]["tags"]["jumpgate:teams"]  # no tag: nothing to compare
    seen.users["mallory"] = {"path": "/jumpgate/", "groups": [], "tags": {}}
    seen.users["hana"]["tags"]["jumpgate:teams"] = "crm"  # after gwen, who is missing
    assert identity_rows(example_org, seen) == [
        (
            f"{WHO}/user/bob",
            0,
            0,
            "E903",
            "bob: in ['jumpgate-crm-exports-prod'] extra group(s), missing from none",
        ),
        (
            f"{WHO}/user/carol",
            0,
            0,
            "E903",
            "carol: in no extra group(s), missing from ['jumpgate-crm-exports-prod']",
        ),
        (
            f"{WHO}/user/dmitri",
            0,
            0,
            "E903",
            "dmitri: in ['jumpgate-x'] extra group(s), missing from "
            "['jumpgate-crm-readonly-dev-staging-prod']",
        ),
        (f"{WHO}/user/fatima", 0, 0, "W915", "fatima: teams tag differs"),
        (f"{WHO}/user/gwen", 0, 0, "E901", "user gwen does not exist"),
        (f"{WHO}/user/hana", 0, 0, "W915", "hana: teams tag differs"),
        (f"{WHO}/user/mallory", 0, 0, "E902", "user mallory is not declared"),
    ]


def test_group_drift(
    example_org: tuple[Organization, Expansion], state: dict[str, Observed]
) -> None:
    seen = state[ID]
    org, exp = example_org
    del seen.groups["jumpgate-bi-admin-dev-staging"]
    crm_admin = seen.groups["jumpgate-crm-admin-dev-staging"]
    crm_admin["inline"]["more"] = {"Statement": []}
    policy = seen.groups["jumpgate-crm-exports-prod"]["inline"][GROUP_POLICY_NAME]
    policy["Statement"][0]["Resource"] = "*"
    seen.groups["jumpgate-it-poweruser-sandbox"]["inline"] = {}
    seen.groups["jumpgate-marketing-admin-dev"]["managed"] = [
        "arn:aws:iam::aws:policy/IAMFullAccess"
    ]
    seen.groups["jumpgate-shadow"] = {"inline": {}, "managed": []}
    assert identity_rows(example_org, seen) == [
        (
            f"{WHO}/group/jumpgate-bi-admin-dev-staging",
            0,
            0,
            "E904",
            "group jumpgate-bi-admin-dev-staging is missing",
        ),
        (
            f"{WHO}/group/jumpgate-crm-admin-dev-staging",
            0,
            0,
            "E911",
            "jumpgate-crm-admin-dev-staging: inline policies ['assume-granted-roles', 'more'], "
            "expected [assume-granted-roles]",
        ),
        (
            f"{WHO}/group/jumpgate-crm-exports-prod",
            0,
            0,
            "E906",
            "jumpgate-crm-exports-prod: assume-role policy differs",
        ),
        (
            f"{WHO}/group/jumpgate-it-poweruser-sandbox",
            0,
            0,
            "E911",
            "jumpgate-it-poweruser-sandbox: inline policies [], expected [assume-granted-roles]",
        ),
        (
            f"{WHO}/group/jumpgate-marketing-admin-dev",
            0,
            0,
            "E910",
            "jumpgate-marketing-admin-dev: ['arn:aws:iam::aws:policy/IAMFullAccess'] attached",
        ),
        (f"{WHO}/group/jumpgate-shadow", 0, 0, "E905", "group jumpgate-shadow is not declared"),
    ]
    assert force_mfa_arn(org, exp) == "arn:aws:iam::100000000001:policy/jumpgate/jumpgate-force-mfa"


def test_the_everyone_group(
    example_org: tuple[Organization, Expansion], state: dict[str, Observed]
) -> None:
    seen = state[ID]
    seen.groups["jumpgate-people"]["managed"] = []
    assert identity_rows(example_org, seen) == [
        (
            f"{WHO}/group/jumpgate-people",
            0,
            0,
            "E910",
            "jumpgate-people: attached [], expected "
            "[arn:aws:iam::100000000001:policy/jumpgate/jumpgate-force-mfa]",
        )
    ]
    del seen.groups["jumpgate-people"]
    assert identity_rows(example_org, seen) == [
        (f"{WHO}/group/jumpgate-people", 0, 0, "E904", "group jumpgate-people is missing")
    ]


def test_role_drift(
    example_org: tuple[Organization, Expansion], state: dict[str, Observed]
) -> None:
    prod = state["crm-prod"]
    admin, readonly = prod.roles["jumpgate-admin"], prod.roles["jumpgate-readonly"]
    admin["trust"]["Statement"][0]["Principal"] = {"AWS": "*"}
    admin["boundary"] = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    readonly["max_session"] = 43200
    readonly["managed"] = ["arn:aws:iam::aws:policy/AdministratorAccess", *readonly["managed"]]
    exports = prod.roles["jumpgate-crm-exports"]
    exports["inline"]["jumpgate-crm-exports-custom"]["Statement"][0]["Resource"] = "*"
    del prod.roles["jumpgate-security-audit"]
    prod.roles["jumpgate-extra"] = {}
    prod.roles["jumpgate-deployer"] = prod.roles["jumpgate-strict-deployer"] = {}
    at = "iam://crm-prod/role"
    assert target_rows(example_org, "crm-prod", prod) == [
        (f"{at}/jumpgate-admin", "E909", "crm-prod/jumpgate-admin: trust policy differs"),
        (f"{at}/jumpgate-admin", "E913", "crm-prod/jumpgate-admin: permissions boundary differs"),
        (
            f"{at}/jumpgate-crm-exports",
            "E911",
            "crm-prod/jumpgate-crm-exports: inline policies differ",
        ),
        (
            f"{at}/jumpgate-readonly",
            "E912",
            "crm-prod/jumpgate-readonly: MaxSessionDuration 43200 s, declared 3600 s",
        ),
        (
            f"{at}/jumpgate-readonly",
            "E910",
            "crm-prod/jumpgate-readonly: attached ['arn:aws:iam::aws:policy/AdministratorAccess', "
            "'arn:aws:iam::aws:policy/ReadOnlyAccess'], "
            "declared ['arn:aws:iam::aws:policy/ReadOnlyAccess']",
        ),
        (
            f"{at}/jumpgate-security-audit",
            "E907",
            "role jumpgate-security-audit does not exist in crm-prod",
        ),
        (f"{at}/jumpgate-extra", "E908", "role jumpgate-extra is not declared"),
    ]


def test_an_extra_inline_policy_on_a_role_without_one(
    example_org: tuple[Organization, Expansion], state: dict[str, Observed]
) -> None:
    dev = state["crm-dev"]
    dev.roles["jumpgate-admin"]["inline"] = {"jumpgate-admin-custom": {"Statement": []}}
    assert target_rows(example_org, "crm-dev", dev) == [
        (
            "iam://crm-dev/role/jumpgate-admin",
            "E911",
            "crm-dev/jumpgate-admin: inline policies differ",
        )
    ]


def test_canon_compares_meaning() -> None:
    assert canon({"A": True, "B": False, "C": 3600}) == {"A": "true", "B": "false", "C": "3600"}
    assert canon('{"a": ["x"]}') == {"a": "x"}
    assert canon("[1, 2]") == ["1", "2"]
    assert canon("{not json") == "{not json"
    assert canon(["b", {"k": "v"}, "a"]) == ["a", "b", {"k": "v"}]
    assert canon([]) == []
    assert canon(None) == "None"
    # lists are ordered by their items' meaning, whatever the key order of a dict in them
    assert canon([{"b": 1, "a": 0}, {"a": 5}]) == canon([{"a": 5}, {"a": 0, "b": 1}])


def test_access_drift_in_words(
    example_org: tuple[Organization, Expansion], state: dict[str, Observed]
) -> None:
    org, exp = example_org
    seen = state[ID]
    seen.users["fatima"]["groups"].append("jumpgate-crm-admin-dev-staging")
    seen.users["gwen"]["groups"].remove("jumpgate-crm-readonly-dev-staging-prod")
    admin_prod = seen.groups["jumpgate-crm-admin-crm-prod"]["inline"][GROUP_POLICY_NAME]
    del admin_prod["Statement"][0]["Condition"]["DateLessThan"]
    declared = effective_access(org, exp, TODAY)
    deployed = observed_access(org, exp, state, TODAY)
    found = access_drift(declared, deployed, set())
    assert all(
        (f.line, f.column, f.rule_id, f.hint) == (0, 0, "E917", hint_of("E917")) for f in found
    )
    assert [(f.path, f.message) for f in found] == [
        (
            "iam://crm-prod/role/jumpgate-admin",
            "git says alice reaches crm-prod admin until 2026-12-31; AWS lets it (standing)",
        ),
        (
            "iam://crm-dev/role/jumpgate-admin",
            "git does not let fatima reach crm-dev admin; AWS does (standing), through "
            "teams/crm.yaml:26",
        ),
        (
            "iam://crm-staging/role/jumpgate-admin",
            "git does not let fatima reach crm-staging admin; AWS does (standing), through "
            "teams/crm.yaml:26",
        ),
        (
            "iam://crm-dev/role/jumpgate-readonly",
            "git says gwen reaches crm-dev readonly (standing) (teams/crm.yaml:29); AWS does not",
        ),
        (
            "iam://crm-prod/role/jumpgate-readonly",
            "git says gwen reaches crm-prod readonly (standing) (teams/crm.yaml:29); AWS does not",
        ),
        (
            "iam://crm-staging/role/jumpgate-readonly",
            "git says gwen reaches crm-staging readonly (standing) (teams/crm.yaml:29); "
            "AWS does not",
        ),
    ]
    # an account that could not be read is not compared, on either side
    unreadable = access_drift(declared, deployed, {"crm-dev", "crm-staging"})
    assert [f.path for f in unreadable] == [
        "iam://crm-prod/role/jumpgate-admin",
        "iam://crm-prod/role/jumpgate-readonly",
    ]


def test_an_expiry_git_has_and_aws_lost_and_the_reverse(
    example_org: tuple[Organization, Expansion], state: dict[str, Observed]
) -> None:
    org, exp = example_org
    declared = effective_access(org, exp, TODAY)
    deployed = observed_access(org, exp, state, TODAY)
    alice = next(
        p
        for p in declared
        if (p.person, p.account, p.role) == ("alice", "crm-prod", "jumpgate-admin")
    )
    later = [dataclasses.replace(p, expires="2027-02-01") if p == alice else p for p in deployed]
    assert [f.message for f in access_drift(declared, later, set())] == [
        "git says alice reaches crm-prod admin until 2026-12-31; AWS lets it until 2027-02-01"
    ]


def test_unreadable_accounts_and_unevaluable_policies(
    example_org: tuple[Organization, Expansion], state: dict[str, Observed]
) -> None:
    org, exp = example_org
    state["crm-prod"].error = "AccessDenied"
    paths = observed_access(org, exp, state, TODAY)
    assert "crm-prod" not in {p.account for p in paths}
    assert {p.account for p in paths} == {a for a in org.accounts if a not in (ID, "crm-prod")}
    state[ID].error = "AccessDenied"
    assert observed_access(org, exp, state, TODAY) == []
    assert observed_access(org, exp, {}, TODAY) == []
    state[ID].error = ""
    policy = state[ID].groups["jumpgate-crm-admin-dev-staging"]["inline"][GROUP_POLICY_NAME]
    policy["Statement"][0]["Condition"] = {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}
    paths, problems = evaluate_or_finding(org, exp, state, TODAY)
    assert paths == []
    assert [(f.path, f.line, f.column, f.rule_id, f.hint) for f in problems] == [
        (WHO, 0, 0, "E918", hint_of("E918"))
    ]
    assert problems[0].message.startswith("deployed policies cannot be evaluated: ")
    assert "IpAddress" in problems[0].message
    assert evaluate_or_finding(org, exp, as_deployed(org, exp), TODAY) == (
        effective_access(org, exp, TODAY),
        [],
    )


def test_a_policy_whose_one_statement_is_not_in_a_list_means_the_same(
    example_org: tuple[Organization, Expansion], state: dict[str, Observed]
) -> None:
    """IAM accepts `"Statement": {...}`; verify once failed with a traceback on it."""
    org, exp = example_org
    policy = state[ID].groups["jumpgate-crm-admin-crm-prod"]["inline"][GROUP_POLICY_NAME]
    (policy["Statement"],) = policy["Statement"]
    assert compare_identity(org, exp, state[ID]) == []
    assert evaluate_or_finding(org, exp, state, TODAY) == (effective_access(org, exp, TODAY), [])


def test_a_missing_role_does_not_stop_the_comparison_of_the_next(
    example_org: tuple[Organization, Expansion], state: dict[str, Observed]
) -> None:
    dev = state["crm-dev"]
    del dev.roles["jumpgate-admin"]
    dev.roles["jumpgate-readonly"]["max_session"] = 60
    assert [rule for _, rule, _ in target_rows(example_org, "crm-dev", dev)] == ["E907", "E912"]
