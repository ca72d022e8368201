"""Quotas: per-account counts of what would be deployed against AWS's quotas (`limits.py`,
raised ones declared under `quotas:` in org/organization.yaml). A warning at 80 % says how
much to raise before the quota is reached; an error above it says by how much it is exceeded.
"""

from __future__ import annotations

import math
from collections import defaultdict

from jumpgate.core.findings import Finding
from jumpgate.core.limits import LIMITS
from jumpgate.generate.expansion import Expansion
from jumpgate.model.organization import Organization, Source

WARN_AT = 0.8  # share of a quota in use that starts the warning
USER_RESOURCE = "Type: AWS::IAM::User"  # one per person in a batch template (generate/people)


def check_quotas(org: Organization, exp: Expansion) -> list[Finding]:
    """Per-account counts against quotas: warn at 80 %, error above, naming the quota."""
    out: list[Finding] = []
    if exp.identity is None or org.org_source is None:
        return out
    per_account: dict[str, int] = defaultdict(int)
    roles_per_account: dict[str, int] = defaultdict(int)
    for stack in exp.stacks:
        per_account[stack.account] += 1
    for account, _ in exp.roles:
        roles_per_account[account] += 1
    counts = [
        ("cfn_stacks_per_account_region", per_account),
        ("roles_per_account", roles_per_account),
        ("iam_groups_per_account", {exp.identity.name: len(exp.groups) + 1}),
        ("iam_users_per_account", {exp.identity.name: len(exp.users)}),
    ]
    record = f"record it under `quotas:` in {org.org_source.doc.path}"
    for quota, table in counts:
        spec = LIMITS[quota]
        value = org.quotas.get(quota, spec.value)
        shown = f"{value:,}, raised" if quota in org.quotas else f"{value:,}"
        for account, count in sorted(table.items()):
            src = org.accounts[account].source
            at_most = spec.ceiling if spec.adjustable else value
            if count > value:
                action = (
                    f"request an increase of at least {count - value:,} and {record}"
                    if spec.adjustable and (at_most is None or count <= at_most)
                    else _cannot(spec.adjustable, at_most, "split the organization")
                )
                out.append(
                    src.finding(
                        "E506",
                        f"{count:,} {spec.unit} exceed quota {quota} ({shown}); {action}",
                    )
                )
            elif count > WARN_AT * value:
                # Raise it so that today's count is back under 80 % of the new quota.
                target = math.ceil(count / WARN_AT)
                split = "plan a split " + (
                    "before it is reached" if count < value else "before adding more"
                )
                action = (
                    f"request an increase of {target - value:,} (to {target:,}) and {record}"
                    if spec.adjustable and (at_most is None or target <= at_most)
                    else _cannot(spec.adjustable, at_most, split)
                )
                out.append(
                    src.finding(
                        "W505",
                        f"{count:,} {spec.unit} use {100 * count // value}% of quota {quota} "
                        f"({shown}); {action}",
                    )
                )
    return out + _check_batches(org, exp)


def _cannot(adjustable: bool, at_most: int | None, then: str) -> str:
    """Advice when no request can help: the quota is fixed, or raising it to AWS's most
    (IAM: 500 groups, 5,000 roles, ...) would not be enough."""
    if adjustable and at_most is not None:
        return f"AWS raises it to at most {at_most:,}: {then}"
    return f"it cannot be raised: {then}"


def _check_batches(org: Organization, exp: Expansion) -> list[Finding]:
    """Each people batch's generated template against CloudFormation's template quotas (the
    size sent as TemplateBody, the resources per template): E503 above, W505 from 80 %."""
    if not exp.templates or org.org_source is None or not org.people_batches:
        return []
    bytes_limit = LIMITS["cfn_template_body_bytes"].value
    resource_limit = LIMITS["cfn_resources_per_template"].value
    largest = max(exp.templates.items(), key=lambda item: len(item[1].encode()))
    size = len(largest[1].encode())
    most = max(exp.templates.items(), key=lambda item: item[1].count(USER_RESOURCE))
    resources = most[1].count(USER_RESOURCE)
    share = max(size / bytes_limit, resources / resource_limit)
    if share <= WARN_AT:
        return []
    # enough batches to bring the fullest back under 80 % of the tighter quota
    enough = math.ceil(org.people_batches * share / WARN_AT)
    what = (
        f"{largest[0]} is {size:,} bytes (CloudFormation's template body quota: {bytes_limit:,})"
        if size / bytes_limit >= resources / resource_limit
        else f"{most[0]} declares {resources} users (quota: {resource_limit} resources)"
    )
    action = (
        f"set people_batches to at least {enough} before the first deploy (on a deployed "
        "organization a new value moves every person: docs/deploy.md)"
    )
    source = Source(org.org_source.doc, ("people_batches",))
    return [source.finding("E503" if share > 1 else "W505", f"{what}; {action}")]
