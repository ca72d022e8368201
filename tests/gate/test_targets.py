"""gate/checks/targets.py: every policy document jumpgate would deploy, with what the rules read
about it (strictness, environments, holder), from the example organization and from levels
with both a custom policy and managed policies."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from rule_targets import DAY, IDENTITY, context

from helpers import replace
from jumpgate.gate.checks.base import CUSTOM, GROUP, TRUST, Context, Target
from jumpgate.gate.checks.holder import ROLE, USER
from jumpgate.gate.checks.targets import build_targets
from jumpgate.generate.policies import group_policy, trust_policy
from jumpgate.validate.flow import validate

GROUPS = [
    ("jumpgate-bi-admin-dev-staging", False, ("dev", "staging")),
    ("jumpgate-bi-readonly-crm-prod", True, ("prod",)),
    ("jumpgate-bi-readonly-dev-staging-prod", True, ("dev", "prod", "staging")),
    ("jumpgate-crm-admin-crm-prod", True, ("prod",)),
    ("jumpgate-crm-admin-dev-staging", False, ("dev", "staging")),
    ("jumpgate-crm-exports-prod", True, ("prod",)),
    ("jumpgate-crm-readonly-dev-staging-prod", True, ("dev", "prod", "staging")),
    ("jumpgate-it-admin-dev-sandbox-staging", False, ("dev", "sandbox", "staging")),
    ("jumpgate-it-poweruser-sandbox", False, ("sandbox",)),
    ("jumpgate-it-readonly-dev-staging-prod", True, ("dev", "prod", "staging")),
    ("jumpgate-it-security-audit-all-prod", True, ("prod",)),
    ("jumpgate-marketing-admin-dev", False, ("dev",)),
    ("jumpgate-marketing-billing-prod", True, ("prod",)),
    ("jumpgate-marketing-poweruser-staging", False, ("staging",)),
    ("jumpgate-marketing-readonly-prod", True, ("prod",)),
]


def of_kind(targets: list[Target], kind: str) -> list[Target]:
    return [t for t in targets if t.kind == kind]


def test_the_custom_policy_of_the_example() -> None:
    ctx = context()
    (custom,) = of_kind(build_targets(ctx), CUSTOM)
    level = ctx.org.teams["crm"].permission_sets["exports"]
    assert (custom.name, custom.base, custom.strict, custom.environments) == (
        "crm/exports",
        ("policy",),
        True,
        ("prod",),
    )
    assert (custom.document, custom.source, custom.level) == (level.policy, level.source, level)
    assert (custom.grant, custom.group, custom.role) == (None, None, None)
    assert custom.holder is not None
    assert custom.holder.facts() == [
        ROLE,
        ("arn:aws:iam::107000000007:role/jumpgate/jumpgate-crm-exports",),
        False,
        (),
        (level.policy,),
        "/jumpgate/",
    ]


def test_the_group_policies_of_the_example() -> None:
    ctx = context()
    groups = of_kind(build_targets(ctx), GROUP)
    assert [(t.name, t.strict, t.environments) for t in groups] == GROUPS
    for tgt in groups:
        group = ctx.expansion.groups[tgt.name]
        document = group_policy(group, "/jumpgate/")
        assert (tgt.document, tgt.source, tgt.base) == (document, group.grant.source, None)
        assert (tgt.grant, tgt.group, tgt.level, tgt.role) == (group.grant, group, None, None)
        assert tgt.holder is not None
        assert tgt.holder.facts() == [USER, (), True, (), (document,), "/jumpgate/"]


def test_the_trust_policies_of_the_example() -> None:
    ctx = context()
    trusts = of_kind(build_targets(ctx), TRUST)
    roles = sorted(ctx.expansion.roles.items())
    assert [t.name for t in trusts] == [f"{name} in {account}" for (account, name), _ in roles]
    for tgt, (_, role) in zip(trusts, roles, strict=True):
        env = ctx.org.accounts[role.account].environment
        assert (tgt.strict, tgt.environments) == (env == "prod", (env,))
        assert tgt.document == trust_policy(role, IDENTITY, "/jumpgate/")
        assert (tgt.source, tgt.base, tgt.level, tgt.role) == (
            role.level.source,
            None,
            role.level,
            role,
        )
        assert (tgt.holder, tgt.grant, tgt.group) == (None, None, None)


def test_a_trust_policy_of_an_account_not_in_accounts_is_not_strict() -> None:
    ctx = context()
    roles = dict(ctx.expansion.roles)
    role = roles.pop(("crm-prod", "jumpgate-crm-exports"))
    roles[("gone", "jumpgate-crm-exports")] = role
    expansion = dataclasses.replace(ctx.expansion, roles=roles)
    trusts = of_kind(build_targets(Context(ctx.org, expansion, DAY, IDENTITY)), TRUST)
    gone = [t for t in trusts if t.name == "jumpgate-crm-exports in gone"]
    assert [(t.strict, t.environments) for t in gone] == [(False, ("",))]


POLICY = (
    "    policy:\n"
    "      Version: '2012-10-17'\n"
    "      Statement:\n"
    "        - {Effect: Allow, Action: s3:GetObject, Resource: 'arn:aws:s3:::b/*'}\n"
)


def test_levels_with_managed_and_custom_policies(org: Path) -> None:
    """A level granted in dev and prod, one granted only in dev, one granted nowhere."""
    anchor = "    managed_policies: [arn:aws:iam::aws:policy/SecurityAudit]\n"
    levels = (
        f"{anchor}  mixed:\n    description: Both\n"
        f"    managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]\n{POLICY}"
        f"  devonly:\n    description: Dev\n{POLICY}"
        f"  unused:\n    description: Nowhere\n{POLICY}"
    )
    replace(org, "org/organization.yaml", anchor, levels)
    grants = (
        "access:\n  - {who: [carol], level: mixed, environments: [prod, dev]}\n"
        "  - {who: [carol], level: devonly, environments: [dev]}\n"
    )
    replace(org, "teams/crm.yaml", "access:\n", grants)
    result = validate(org, DAY)
    assert [f.rule_id for f in result.findings] == []
    ctx = Context(result.org, result.expansion, DAY, IDENTITY)
    custom = {t.name: t for t in of_kind(build_targets(ctx), CUSTOM)}
    assert sorted(custom) == ["crm/exports", "devonly", "mixed", "unused"]
    rows = {name: (t.strict, t.environments, t.base) for name, t in custom.items()}
    assert rows == {
        "crm/exports": (True, ("prod",), ("policy",)),
        "devonly": (False, ("dev",), ("policy",)),
        "mixed": (True, ("dev", "prod"), ("policy",)),
        "unused": (False, (), ("policy",)),
    }
    mixed = custom["mixed"].holder
    assert mixed is not None
    assert mixed.facts()[:4] == [
        ROLE,
        (
            "arn:aws:iam::105000000005:role/jumpgate/jumpgate-mixed",
            "arn:aws:iam::107000000007:role/jumpgate/jumpgate-mixed",
        ),
        True,
        ("arn:aws:iam::aws:policy/ReadOnlyAccess",),
    ]
    assert custom["unused"].holder is not None and custom["unused"].holder.arns == ()


def test_holders_live_on_the_organizations_path() -> None:
    ctx = context()
    other = Context(dataclasses.replace(ctx.org, prefix="acme"), ctx.expansion, DAY, IDENTITY)
    paths = {(t.kind, t.holder.people_path) for t in build_targets(other) if t.holder is not None}
    assert paths == {(CUSTOM, "/acme/"), (GROUP, "/acme/")}
