"""Map the source's paths onto jumpgate's model: roles → levels, accounts → environments,
groups → teams, paths → the fewest grants that give exactly them.

The unit is the path (person, account, permissions, expiry), not the policy: whatever shape the
source's policies have, the grants written reproduce the paths the source allows (with MFA),
and nothing else. Paths into one account at one level keep the longest-lasting one.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from jumpgate.adopt.evaluate import SourcePath
from jumpgate.adopt.notes import Notes
from jumpgate.adopt.read import Role, Source

ENVIRONMENT_WORDS = {
    "dev": ("dev", "develop", "development"),
    "sandbox": ("sandbox", "sbx", "playground"),
    "test": ("test", "qa", "uat"),
    "staging": ("staging", "stage", "stg", "preprod"),
    "prod": ("prod", "production", "prd", "live"),
}
ELEVATED = {"AdministratorAccess", "PowerUserAccess", "IAMFullAccess"}
MAX_MANAGED = 9  # the schema's managed_policies maxItems
UNGROUPED = "ungrouped"
_NAME = re.compile(r"^[a-z][a-z0-9-]{0,23}$")
_USER = re.compile(r"^[a-z0-9][a-z0-9._-]{0,47}$")


def kebab(text: str, limit: int = 24) -> str:
    """`ReadOnly` → `read-only`, `CRM_Admins` → `crm-admins`: a jumpgate name."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", text)
    name = re.sub(r"[^a-z0-9]+", "-", spaced.lower()).strip("-")
    name = name if name[:1].isalpha() else f"x-{name}".rstrip("-")
    return name[:limit].rstrip("-")


def unique(name: str, taken: set[str], limit: int = 24) -> str:
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        suffix = f"-{number}"
        candidate = name[: limit - len(suffix)] + suffix
    taken.add(candidate)
    return candidate


def guess_environment(account: str) -> str | None:
    words = set(re.split(r"[^a-z0-9]+", account.lower()))
    for environment, spelled in ENVIRONMENT_WORDS.items():
        if words & set(spelled):
            return environment
    return None


@dataclass(frozen=True)
class Permissions:
    managed: tuple[str, ...]
    policy: str  # canonical JSON of the merged policy document, or ""
    boundary: str


@dataclass
class Mapped:
    """The jumpgate data, as plain data ready to be written as YAML."""

    organization: dict[str, Any]
    accounts: dict[str, dict[str, Any]]
    teams: dict[str, dict[str, Any]]
    paths: set[tuple[str, str, str, str | None]] = field(default_factory=set)


def _merged_policy(role: Role, notes: Notes) -> str | None:
    """The role's inline and customer-managed documents as one (None: not expressible)."""
    statements: list[dict[str, Any]] = []
    for label, document in role.inline:
        if document.get("Version") != "2012-10-17":
            notes.add("role-permissions", label, f"policy Version {document.get('Version')!r}")
            return None
        listed = document.get("Statement", [])
        statements += listed if isinstance(listed, list) else [listed]
    if not statements:
        return ""
    sids: Counter[str] = Counter(str(s.get("Sid", "")) for s in statements)
    kept = [
        s if sids[str(s.get("Sid", ""))] == 1 else {k: v for k, v in s.items() if k != "Sid"}
        for s in statements
    ]
    return json.dumps({"Version": "2012-10-17", "Statement": kept}, sort_keys=True)


def permissions(role: Role, notes: Notes) -> Permissions | None:
    policy = _merged_policy(role, notes)
    if policy is None:
        return None
    if not role.managed and not policy:
        notes.add("role-permissions", role.arn, "no policy attached: nothing to grant")
        return None
    if len(role.managed) > MAX_MANAGED:
        notes.add(
            "role-permissions",
            role.arn,
            f"{len(role.managed)} managed policies; a level has at most {MAX_MANAGED}",
        )
        return None
    return Permissions(tuple(role.managed), policy, role.boundary)


def level_definition(name: str, perms: Permissions, roles: list[str]) -> dict[str, Any]:
    level: dict[str, Any] = {"description": f"Imported from {', '.join(sorted(set(roles)))}"}
    if perms.managed:
        level["managed_policies"] = list(perms.managed)
    if perms.policy:
        level["policy"] = json.loads(perms.policy)
    if perms.boundary:
        level["permissions_boundary"] = perms.boundary
    if any(arn.rsplit("/", 1)[-1] in ELEVATED for arn in perms.managed):
        level["elevated"] = True
    return level


@dataclass(frozen=True)
class Settings:
    name: str
    region: str
    prefix: str
    identity_id: str
    identity_name: str
    targets: dict[str, str]  # account id -> account name
    environments: dict[str, str]  # account name -> environment, as given


def _levels(
    source: Source, paths: list[SourcePath], notes: Notes
) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """(role ARN -> level name, level name -> definition) for every role someone reaches."""
    reached = {p.role_arn for p in paths}
    by_permissions: dict[Permissions, list[Role]] = defaultdict(list)
    for role in sorted(source.roles, key=lambda r: (r.name, r.arn)):
        if role.arn in reached:
            perms = permissions(role, notes)
            if perms is not None:
                by_permissions[perms].append(role)
    taken: set[str] = set()
    level_of: dict[str, str] = {}
    levels: dict[str, dict[str, Any]] = {}
    for perms, roles in sorted(by_permissions.items(), key=lambda item: item[1][0].name):
        common = Counter(r.name for r in roles).most_common(1)[0][0]
        name = kebab(common)
        if name in taken and perms.managed:  # another role's permissions took the name
            name = kebab(perms.managed[0].rsplit("/", 1)[-1])
        name = unique(name, taken)
        levels[name] = level_definition(name, perms, [r.name for r in roles])
        level_of.update({r.arn: name for r in roles})
    return level_of, levels


def _people(source: Source, notes: Notes) -> dict[str, str]:
    """IAM user name -> jumpgate user name (lower-case; other characters become '-')."""
    taken: set[str] = set()
    out = {}
    for name in sorted(source.users):
        mapped = name if _USER.match(name) else re.sub(r"[^a-z0-9._-]", "-", name.lower())
        mapped = mapped if mapped[:1].isalnum() else f"u{mapped}"
        mapped = unique(mapped[:48], taken, 48)
        if mapped != name:
            notes.add("user-name", source.users[name].arn, f"{name} becomes {mapped}")
        out[name] = mapped
    return out


def _environments(settings: Settings, notes: Notes) -> dict[str, str]:
    out = {}
    for account_id, account in sorted(settings.targets.items()):
        given = settings.environments.get(account)
        guessed = guess_environment(account)
        out[account] = given or guessed or "default"
        if not given:
            where = f"arn:aws:organizations::{account_id}:account/{account}"
            notes.add("environment", where, f"{account}: environment {out[account]} (guessed)")
    return out


def _environment_order(names: set[str]) -> list[str]:
    known = [e for e in ENVIRONMENT_WORDS if e in names]
    return known + sorted(names - set(known))
