"""Synthesize an organization of a given size: ordinary org/, accounts/ and teams/ trees.

Deterministic by seed. Shapes are what real organizations look like: people in one to four
teams, every team reading its own accounts, a few leads administering dev and staging,
cross-team read-only grants, time-bound prod elevations, custom permission sets, a few
people right at IAM's 10-groups-per-user limit, and one large grant (the first team's security
people audit every prod account: hundreds at L and XL, so the compact group policy form).
"""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML


@dataclass(frozen=True)
class Size:
    accounts: int  # including the identity account
    teams: int
    people: int


SIZES = {
    "S": Size(accounts=14, teams=4, people=24),
    "M": Size(accounts=100, teams=20, people=500),
    "L": Size(accounts=500, teams=100, people=2000),
    "XL": Size(accounts=1000, teams=200, people=5000),
}

FIRST = [
    "ada",
    "ben",
    "cleo",
    "dev",
    "eli",
    "fay",
    "gus",
    "hal",
    "ivy",
    "jon",
    "kai",
    "lia",
    "max",
    "nia",
    "oli",
    "pia",
    "raj",
    "sam",
    "tia",
    "uma",
    "vic",
    "wes",
    "xin",
    "yan",
    "zoe",
]
LAST = [
    "abe",
    "bose",
    "cruz",
    "dahl",
    "eko",
    "ford",
    "gray",
    "holt",
    "ito",
    "jain",
    "khan",
    "lund",
    "moss",
    "nagy",
    "ortiz",
    "park",
    "quist",
    "ruiz",
    "shah",
    "tran",
    "ueda",
    "vogt",
]
ENV_CYCLE = ["dev", "staging", "prod", "sandbox"]


def _yaml() -> YAML:
    yaml = YAML()
    yaml.default_flow_style = False
    yaml.width = 120
    return yaml


def _dump(schema: str, data: dict[str, Any]) -> str:
    buffer = io.StringIO()
    buffer.write(f"# yaml-language-server: $schema=../schemas/{schema}.schema.json\n")
    _yaml().dump(data, buffer)
    return buffer.getvalue()


def organization(size: Size, name: str) -> dict[str, Any]:
    org: dict[str, Any] = {
        "name": name,
        "region": "eu-west-1",
        "prefix": "jumpgate",
        "environments": {
            "dev": {"max_session_seconds": 43200, "mfa_max_age_seconds": 43200},
            "sandbox": {"stage": "dev", "max_session_seconds": 43200},
            "staging": {"max_session_seconds": 28800, "mfa_max_age_seconds": 28800},
            "prod": {
                "max_session_seconds": 3600,
                "mfa_max_age_seconds": 3600,
                "strict": True,
                "max_elevation_days": 45,
            },
        },
        "levels": {
            "admin": {
                "description": "Full administrative access",
                "elevated": True,
                "managed_policies": ["arn:aws:iam::aws:policy/AdministratorAccess"],
            },
            "poweruser": {
                "description": "Everything but IAM and Organizations",
                "elevated": True,
                "managed_policies": ["arn:aws:iam::aws:policy/PowerUserAccess"],
            },
            "readonly": {
                "description": "Read everything, change nothing",
                "managed_policies": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
            },
            "viewonly": {
                "description": "See resources and configuration, not data",
                "managed_policies": ["arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"],
            },
            "security-audit": {
                "description": "Read security configuration, for the security team",
                "managed_policies": ["arn:aws:iam::aws:policy/SecurityAudit"],
            },
        },
    }
    # The auditors' standing prod access (SecurityAudit reads; its name does not say so).
    org["standing_on_strict"] = ["security-audit"]
    if size.people > 1000:
        # Large organizations have raised these quotas; validate checks against them.
        org["quotas"] = {"cfn_stacks_per_account_region": 10000, "iam_groups_per_account": 500}
    return org


def default_people_batches(size: Size) -> int:
    """One batch stack per ~50 people above 1,000 people (XL: 100), where one stack per person
    would crowd the identity account (CloudFormation's 2,000 stacks); none below."""
    return size.people // 50 if size.people > 1000 else 0


def synthesize(
    size: Size,
    seed: int,
    name: str = "synth",
    today: dt.date | None = None,
    *,
    raised_quotas: bool = True,
    people_batches: int | None = None,
) -> dict[str, str]:
    """Relative path -> file content, for every data file of the organization."""
    rng = random.Random(seed)
    today = today or dt.date(2026, 11, 28)
    org = organization(size, name)
    if not raised_quotas:
        org.pop("quotas", None)
    batches = default_people_batches(size) if people_batches is None else people_batches
    if batches:
        org["people_batches"] = batches
    files = {"org/organization.yaml": _dump("organization", org)}
    teams = [f"t{i:03d}" for i in range(1, size.teams + 1)]
    files["accounts/identity.yaml"] = _dump(
        "account",
        {"id": "100000000000", "environment": "identity", "description": "people live here"},
    )
    accounts: dict[str, list[tuple[str, str]]] = {t: [] for t in teams}
    for index in range(size.accounts - 1):
        team = teams[index % size.teams]
        env = ENV_CYCLE[len(accounts[team]) % len(ENV_CYCLE)]
        serial = sum(1 for _, e in accounts[team] if e == env)
        account = f"{team}-{env}" + (f"-{serial + 1}" if serial else "")
        accounts[team].append((account, env))
        files[f"accounts/{account}.yaml"] = _dump(
            "account", {"id": f"{200000000000 + index:012d}", "environment": env, "team": team}
        )

    # People: each has a home team; about a fifth also join one to three more.
    people = [
        f"{FIRST[i % len(FIRST)]}.{LAST[(i // len(FIRST)) % len(LAST)]}{i // 550 or ''}"
        for i in range(size.people)
    ]
    members: dict[str, list[str]] = {t: [] for t in teams}
    extras: dict[str, list[str]] = {}
    for i, person in enumerate(people):
        members[teams[i % size.teams]].append(person)
    for person in people:  # second pass, so that a team's leads are its home members
        if rng.random() < 0.2:
            joined = rng.sample(teams, k=min(len(teams), rng.randint(1, 3)))
            extras[person] = [t for t in joined if person not in members[t]]
            for team in extras[person]:
                members[team].append(person)
    prod_accounts = [a for t in teams for a, e in accounts[t] if e == "prod"]
    team_docs: dict[str, dict[str, Any]] = {}
    for t_index, team in enumerate(teams):
        envs = sorted({e for _, e in accounts[team]}, key=ENV_CYCLE.index)
        crew = members[team]
        access: list[dict[str, Any]] = [
            {
                "who": "all",
                "level": "readonly",
                "environments": [e for e in envs if e != "sandbox"],
            },
        ]
        leads = crew[: max(1, len(crew) // 10)]
        admin_envs = [e for e in envs if e in ("dev", "staging", "sandbox")]
        if admin_envs:
            access.append({"who": leads, "level": "admin", "environments": admin_envs})
        team_data: dict[str, Any] = {"team": team, "description": f"Synthetic team {team}"}
        if t_index % 5 == 1 and prod_accounts:  # cross-team read-only into another team's prod
            other = rng.choice([a for a in prod_accounts if not a.startswith(team + "-")])
            access.append(
                {
                    "who": "all",
                    "level": "viewonly",
                    "accounts": [other],
                    "group": f"viewonly-{other}",
                }
            )
        if t_index % 8 == 2 and "prod" in envs:  # a time-bound prod elevation
            access.append(
                {
                    "who": leads[:1],
                    "level": "admin",
                    "environments": ["prod"],
                    "expires": (today + dt.timedelta(days=14 + t_index % 20)).isoformat(),
                    "reason": f"CHG-{1000 + t_index} planned migration",
                }
            )
        if t_index % 10 == 3 and "dev" in envs:  # a custom permission set
            team_data["permission_sets"] = {
                "deploy": {
                    "description": "Deploy the team's functions",
                    "policy": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": ["lambda:UpdateFunctionCode", "lambda:GetFunction"],
                                "Resource": f"arn:aws:lambda:eu-west-1:*:function:{team}-*",
                            }
                        ],
                    },
                }
            }
            access.append({"who": leads, "level": "deploy", "environments": ["dev"]})
        if t_index == 0 and prod_accounts:  # the security people audit every prod account
            access.append(
                {
                    "who": leads[:2],
                    "level": "security-audit",
                    "accounts": prod_accounts,
                    "group": "security-audit-prod",
                }
            )
        team_data["access"] = access
        team_docs[team] = team_data
    _cap_groups(team_docs, members, extras)
    at_limit = rng.sample(people, k=min(len(people), max(3, size.people // 1000)))
    _fill_to_limit(team_docs, members, at_limit)
    for team, team_data in team_docs.items():
        team_data["people"] = {
            p: {
                "name": p.replace(".", " ").title().rstrip("0123456789"),
                "email": f"{p}@synth.example",
            }
            for p in members[team]
        }
        team_data["access"] = team_data.pop("access")
        files[f"teams/{team}.yaml"] = _dump("team", team_data)
    return files


def _grants_of(
    person: str, team_docs: dict[str, dict[str, Any]], members: dict[str, list[str]]
) -> int:
    """How many grant groups a person is in (IAM adds the everyone group)."""
    return sum(
        1
        for team, doc in team_docs.items()
        if person in members[team]
        for grant in doc["access"]
        if grant["who"] == "all" or person in grant["who"]
    )


def _cap_groups(
    team_docs: dict[str, dict[str, Any]],
    members: dict[str, list[str]],
    extras: dict[str, list[str]],
    cap: int = 9,
) -> None:
    """Keep everyone within IAM's 10 groups (the everyone group plus `cap` grants): drop the
    extra teams of whoever would exceed it."""
    for person, joined in extras.items():
        while joined and _grants_of(person, team_docs, members) > cap:
            members[joined.pop()].remove(person)


def _fill_to_limit(
    team_docs: dict[str, dict[str, Any]],
    members: dict[str, list[str]],
    people: list[str],
    cap: int = 9,
    max_teams: int = 4,
) -> None:
    """Put a few people at exactly IAM's 10 groups (everyone + `cap` grants), still in at most
    `max_teams` teams: they join the teams with the most grants and are named in their grants."""

    def all_grants(team: str) -> int:
        return sum(1 for grant in team_docs[team]["access"] if grant["who"] == "all")

    for person in people:
        mine = [team for team in sorted(team_docs) if person in members[team]]
        for team in sorted(team_docs, key=lambda t: (-len(team_docs[t]["access"]), t)):
            if len(mine) >= max_teams:
                break
            have = _grants_of(person, team_docs, members)
            if team not in mine and have + all_grants(team) <= cap:
                members[team].append(person)
                mine.append(team)
        for team in mine:
            for grant in team_docs[team]["access"]:
                if _grants_of(person, team_docs, members) >= cap:
                    break
                if grant["who"] != "all" and person not in grant["who"]:
                    grant["who"] = [*grant["who"], person]  # lists may be shared: copy


def write(out: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
