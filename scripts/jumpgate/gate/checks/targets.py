"""Every policy document that would be deployed, tied to the data-file object that causes it."""

from __future__ import annotations

from collections import defaultdict

from jumpgate.gate.checks.base import CUSTOM, GROUP, TRUST, Context, Target
from jumpgate.gate.checks.holder import ROLE, USER, Holder
from jumpgate.generate.policies import group_policy, trust_policy
from jumpgate.model.organization import Level


def _level_key(level: Level) -> tuple[str | None, str]:
    return (level.team, level.name)


def level_environments(ctx: Context) -> dict[tuple[str | None, str], set[str]]:
    """The environments where each level (or permission set) is deployed as a role."""
    envs: dict[tuple[str | None, str], set[str]] = defaultdict(set)
    for (account_name, _), role in ctx.expansion.roles.items():
        account = ctx.org.accounts.get(account_name)
        if account is not None:
            envs[_level_key(role.level)].add(account.environment)
    return envs


def all_levels(ctx: Context) -> list[Level]:
    levels = list(ctx.org.levels.values())
    for team_name in sorted(ctx.org.teams):
        levels.extend(ctx.org.teams[team_name].permission_sets.values())
    return levels


def level_roles(ctx: Context) -> dict[tuple[str | None, str], list[str]]:
    """The ARNs of the roles each level (or permission set) is rendered as."""
    arns: dict[tuple[str | None, str], list[str]] = defaultdict(list)
    for _, role in sorted(ctx.expansion.roles.items()):
        arns[_level_key(role.level)].append(role.arn(ctx.org.path))
    return arns


def build_targets(ctx: Context) -> list[Target]:
    org, exp = ctx.org, ctx.expansion
    strict = ctx.strict_envs()
    envs = level_environments(ctx)
    arns = level_roles(ctx)
    targets: list[Target] = []
    for level in all_levels(ctx):
        if level.policy is None:
            continue
        deployed = envs.get(_level_key(level), set())
        owner = f"{level.team}/{level.name}" if level.team else level.name
        targets.append(
            Target(
                CUSTOM,
                owner,
                level.policy,
                level.source,
                ("policy",),
                bool(deployed & strict),
                tuple(sorted(deployed)),
                level=level,
                # the role holds the custom policy and AWS managed policies the gate does not read
                holder=Holder(
                    ROLE,
                    tuple(arns.get(_level_key(level), ())),
                    (level.policy,),
                    bool(level.managed_policies),
                    level.managed_policies,
                    org.path,
                ),
            )
        )
    for name in sorted(exp.groups):
        group = exp.groups[name]
        group_envs = {
            org.accounts[r.account].environment for r in group.roles if r.account in org.accounts
        }
        document = group_policy(group, org.path)
        targets.append(
            Target(
                GROUP,
                name,
                document,
                group.grant.source,
                None,
                bool(group_envs & strict),
                tuple(sorted(group_envs)),
                grant=group.grant,
                group=group,
                # its members are users, who may be in other groups too
                holder=Holder(USER, (), (document,), True, people_path=org.path),
            )
        )
    for (account_name, role_name), role in sorted(exp.roles.items()):
        account = org.accounts.get(account_name)
        env = account.environment if account else ""
        targets.append(
            Target(
                TRUST,
                f"{role_name} in {account_name}",
                trust_policy(role, ctx.identity_id, org.path),
                role.level.source,
                None,
                env in strict,
                (env,),
                level=role.level,
                role=role,
            )
        )
    return targets
