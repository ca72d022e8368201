"""E727 / E728 (r_managed_policy) called directly on the example organization with managed
policies and permissions boundaries changed: exact findings, where each attachment point is
reported, and how the accounts a policy is attached in are counted. W725 (r_reference) with
the committed references copied, then removed, broken or changed."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

from rule_targets import DAY, IDENTITY, ROOT, example

from jumpgate.gate import managed_policies
from jumpgate.gate.checks import r_managed_policy, r_reference
from jumpgate.gate.checks.base import Context

CROSS = "IAM attaches only a role's own account's policies"
CROSS_HINT = "create the policy in each account (a StackSet), or write it as the level's `policy:`"
LIST = managed_policies.describe(DAY)


def with_attachments(
    envs: dict[str, str] | None = None,
    levels: dict[str, dict[str, Any]] | None = None,
    crm_sets: dict[str, dict[str, Any]] | None = None,
) -> Context:
    """The example with environments' boundaries, levels and crm's permission sets changed."""
    org = example().org
    environments = {
        name: dataclasses.replace(env, permissions_boundary=(envs or {}).get(name))
        for name, env in org.environments.items()
    }
    new_levels = dict(org.levels)
    for name, changes in (levels or {}).items():
        new_levels[name] = dataclasses.replace(new_levels[name], **changes)
    crm = org.teams["crm"]
    sets = dict(crm.permission_sets)
    for name, changes in (crm_sets or {}).items():
        sets[name] = dataclasses.replace(sets[name], **changes)
    teams = {**org.teams, "crm": dataclasses.replace(crm, permission_sets=sets)}
    changed = dataclasses.replace(org, environments=environments, levels=new_levels, teams=teams)
    return Context(changed, example().expansion, DAY, IDENTITY)


def findings(ctx: Context) -> list[tuple[Any, ...]]:
    return [
        (h.rule_id, h.source.path, h.sub, h.message, h.hint)
        for h in r_managed_policy.check_org(ctx)
    ]


def test_the_example_attaches_only_known_policies() -> None:
    assert findings(with_attachments()) == []


def test_an_environment_boundary_of_another_account() -> None:
    boundary = "arn:aws:iam::999999999999:policy/Boundary"
    assert findings(with_attachments(envs={"prod": boundary})) == [
        (
            "E728",
            ("environments", "prod"),
            ("permissions_boundary",),
            "customer managed policy of account 999999999999 attached to roles in account "
            f"104000000004, 107000000007, 110000000010 and 1 more: {CROSS}",
            CROSS_HINT,
        )
    ]


def test_an_environment_boundary_of_one_of_its_accounts() -> None:
    boundary = "arn:aws:iam::107000000007:policy/Boundary"
    assert [f[3] for f in findings(with_attachments(envs={"prod": boundary}))] == [
        "customer managed policy of account 107000000007 attached to roles in account "
        f"104000000004, 110000000010, 113000000013: {CROSS}"
    ]


def test_a_level_policy_of_an_account_where_it_is_not_attached() -> None:
    """readonly is deployed in every account; an unused permission set nowhere."""
    own = "arn:aws:iam::107000000007:policy/Mine"
    ctx = with_attachments(
        levels={"viewonly": {"managed_policies": (own,)}},  # granted nowhere
        crm_sets={"exports": {"permissions_boundary": own}},  # only in crm-prod
    )
    assert findings(ctx) == []
    unknown = "arn:aws:iam::999999999999:policy/Mine"
    ctx = with_attachments(levels={"viewonly": {"managed_policies": (own, unknown)}})
    assert findings(ctx) == [
        (
            "E728",
            ("levels", "viewonly"),
            ("managed_policies", 1),
            f"customer managed policy of account 999999999999 not an account of accounts/: {CROSS}",
            CROSS_HINT,
        )
    ]


def test_a_permission_set_boundary_of_another_account() -> None:
    other = "arn:aws:iam::105000000005:policy/Boundary"  # crm-dev's; exports is in crm-prod
    ctx = with_attachments(crm_sets={"exports": {"permissions_boundary": other}})
    assert findings(ctx) == [
        (
            "E728",
            ("permission_sets", "exports"),
            ("permissions_boundary",),
            "customer managed policy of account 105000000005 attached to roles in account "
            f"107000000007: {CROSS}",
            CROSS_HINT,
        )
    ]


def test_aws_managed_policies_not_in_the_list() -> None:
    ctx = with_attachments(
        levels={
            "readonly": {
                "managed_policies": (
                    "arn:aws:iam::aws:policy/ReadOnlyAccess",
                    "arn:aws:iam::aws:policy/ReadOnlyAcces",
                )
            },
            "viewonly": {"permissions_boundary": "arn:aws:iam::aws:policy/Zzzzzzzzzz"},
        },
        envs={"dev": "arn:aws:iam::aws:policy/../PowerUserAccess"},
    )
    assert findings(ctx) == [
        (
            "E727",
            ("environments", "dev"),
            ("permissions_boundary",),
            f"'../PowerUserAccess' is not a valid AWS managed policy name ({LIST})",
            "did you mean arn:aws:iam::aws:policy/PowerUserAccess?",
        ),
        (
            "E727",
            ("levels", "readonly"),
            ("managed_policies", 1),
            f"AWS managed policy 'ReadOnlyAcces' is not in the list ({LIST})",
            "did you mean arn:aws:iam::aws:policy/ReadOnlyAccess?",
        ),
        (
            "E727",
            ("levels", "viewonly"),
            ("permissions_boundary",),
            f"AWS managed policy 'Zzzzzzzzzz' is not in the list ({LIST})",
            "use the ARN the IAM console shows for the policy",
        ),
    ]


def test_roles_of_accounts_not_in_accounts_count_nowhere() -> None:
    """The exports role moved to an unknown account (and listed first): its set's boundary is
    attached nowhere, and the roles after it still count for prod's boundary."""
    ctx = with_attachments(
        envs={"prod": "arn:aws:iam::107000000007:policy/B"},
        crm_sets={"exports": {"permissions_boundary": "arn:aws:iam::105000000005:policy/B"}},
    )
    roles = dict(ctx.expansion.roles)
    exports = roles.pop(("crm-prod", "jumpgate-crm-exports"))
    roles = {("gone", "jumpgate-crm-exports"): exports, **roles}
    moved = Context(ctx.org, dataclasses.replace(ctx.expansion, roles=roles), DAY, IDENTITY)
    assert [f[3] for f in findings(moved)] == [
        "customer managed policy of account 107000000007 attached to roles in account "
        f"104000000004, 110000000010, 113000000013: {CROSS}"
    ]


def test_the_policy_name_is_what_follows_the_first_policy_marker() -> None:
    ctx = with_attachments(
        levels={"viewonly": {"permissions_boundary": "arn:aws:iam::aws:policy/a:policy/ReadOnly"}}
    )
    assert [f[3] for f in findings(ctx)] == [
        f"'a:policy/ReadOnly' is not a valid AWS managed policy name ({LIST})"
    ]


# --- W725: prod roles and their committed Access Analyzer references

REFERENCE_HINT = (
    "run `jumpgate analyze --write-references` and commit the reference with the change"
)


def references_in(root: Path) -> Context:
    shutil.copytree(ROOT / "analyze", root / "analyze")
    org = dataclasses.replace(example().org, root=root)
    return Context(org, example().expansion, DAY, IDENTITY)


def reference_rows(
    ctx: Context,
) -> list[tuple[str, Any, tuple[str | int, ...], str, str | None, bool]]:
    return [
        (h.rule_id, h.source, h.sub, h.message, h.hint, h.key) for h in r_reference.check_org(ctx)
    ]


def test_every_prod_role_of_the_example_matches_its_reference(tmp_path: Path) -> None:
    assert reference_rows(references_in(tmp_path)) == []
    assert (
        reference_rows(
            Context(
                dataclasses.replace(example().org, root=tmp_path),
                example().expansion,
                DAY,
                IDENTITY,
            )
        )
        == []
    )


def test_a_missing_unreadable_or_different_reference(tmp_path: Path) -> None:
    ctx = references_in(tmp_path)
    folder = tmp_path / "analyze/reference"
    (folder / "crm-prod/jumpgate-role-readonly.json").unlink()
    (folder / "bi-prod/jumpgate-role-readonly.json").write_text("{not json")
    changed = folder / "it-prod/jumpgate-role-security-audit.json"
    reference = json.loads(changed.read_text())
    reference["ManagedPolicyArns"] = []
    changed.write_text(json.dumps(reference))
    both = folder / "marketing-prod/jumpgate-role-billing.json"
    reference = json.loads(both.read_text())
    reference["IdentityPolicies"] = {"p": {"Version": "2012-10-17", "Statement": []}}
    reference["TrustPolicy"] = {}
    both.write_text(json.dumps(reference))
    exports_reference = folder / "crm-prod/jumpgate-role-crm-exports.json"  # no managed ones
    reference = json.loads(exports_reference.read_text())
    del reference["ManagedPolicyArns"]
    exports_reference.write_text(json.dumps(reference))
    levels = ctx.org.levels
    assert reference_rows(ctx) == [
        (
            "W725",
            levels["readonly"].source,
            (),
            "role jumpgate-readonly in bi-prod has no reference "
            "(analyze/reference/bi-prod/jumpgate-role-readonly.json)",
            REFERENCE_HINT,
            True,
        ),
        (
            "W725",
            levels["readonly"].source,
            (),
            "role jumpgate-readonly in crm-prod has no reference "
            "(analyze/reference/crm-prod/jumpgate-role-readonly.json)",
            REFERENCE_HINT,
            True,
        ),
        (
            "W725",
            levels["security-audit"].source,
            (),
            "role jumpgate-security-audit in it-prod differs from its reference in: managed "
            "policies (analyze/reference/it-prod/jumpgate-role-security-audit.json)",
            REFERENCE_HINT,
            True,
        ),
        (
            "W725",
            levels["billing"].source,
            (),
            "role jumpgate-billing in marketing-prod differs from its reference in: custom "
            "policy, trust policy (analyze/reference/marketing-prod/jumpgate-role-billing.json)",
            REFERENCE_HINT,
            True,
        ),
    ]


def test_a_stack_whose_role_is_gone_is_not_judged(tmp_path: Path) -> None:
    ctx = references_in(tmp_path)
    roles = dict(ctx.expansion.roles)
    del roles[("crm-prod", "jumpgate-crm-exports")]
    (tmp_path / "analyze/reference/crm-prod/jumpgate-role-crm-exports.json").unlink()
    gone = Context(ctx.org, dataclasses.replace(ctx.expansion, roles=roles), DAY, IDENTITY)
    assert reference_rows(gone) == []
