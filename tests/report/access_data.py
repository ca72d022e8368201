"""Access-page data for tests and the benchmark: a small hand-written organization and a
synthetic one of any size (XL: 5,000 people x 1,000 accounts, about 60,000 paths)."""

from __future__ import annotations

import random
from typing import Any

ENVIRONMENTS = [
    {"name": "dev", "strict": False},
    {"name": "sandbox", "strict": False},
    {"name": "staging", "strict": False},
    {"name": "prod", "strict": True},
]
XSS = "<img src=x onerror=alert(1)>"


def _path(
    accounts: dict[str, dict[str, Any]],
    person: str,
    account: str,
    level: str,
    expires: str | None = None,
    reason: str | None = None,
    source: str = "teams/crm.yaml:41",
) -> dict[str, Any]:
    acc = accounts[account]
    role = "jumpgate-" + level.replace("/", "-")
    return {
        "person": person,
        "account": account,
        "account_id": acc["id"],
        "environment": acc["environment"],
        "role": role,
        "role_arn": f"arn:aws:iam::{acc['id']}:role/jumpgate/{role}",
        "level": level,
        "expires": expires,
        "reason": reason,
        "source": source,
    }


def sample_data() -> dict[str, Any]:
    """learnaws: teams crm and data (and web, for the XSS person); 11 paths."""
    accounts_list = [
        {"name": "crm-prod", "id": "222222222222", "environment": "prod", "team": "crm"},
        {"name": "crm-dev", "id": "111111111111", "environment": "dev", "team": "crm"},
        {"name": "crm-staging", "id": "333333333333", "environment": "staging", "team": "crm"},
        {"name": "crm-sandbox", "id": "444444444444", "environment": "sandbox", "team": "crm"},
        {"name": "data-prod", "id": "555555555555", "environment": "prod", "team": "data"},
        {"name": "data-dev", "id": "666666666666", "environment": "dev", "team": "data"},
        {"name": "web-prod", "id": "777777777777", "environment": "prod", "team": "web"},
    ]
    accounts = {a["name"]: a for a in accounts_list}
    people = [
        {"name": "alice", "display_name": "Alice Martin", "teams": ["crm"]},
        {"name": "bob", "display_name": "Bob Li", "teams": ["crm", "data"]},
        {"name": "carol", "display_name": "Carol Diaz", "teams": ["data"]},
        {"name": XSS, "display_name": "</script><script>alert(2)</script>", "teams": ["web"]},
    ]
    paths = [
        _path(accounts, "alice", "crm-prod", "admin", "2026-12-31", "INC-4711 data migration"),
        _path(accounts, "alice", "crm-prod", "readonly"),
        _path(accounts, "alice", "crm-dev", "admin"),
        _path(accounts, "alice", "crm-staging", "crm/exports", "2026-12-05", "export <b>test</b>"),
        _path(accounts, "bob", "crm-prod", "readonly", "2026-11-20", "expired on purpose"),
        _path(accounts, "bob", "crm-dev", "poweruser"),
        _path(accounts, "bob", "data-prod", "readonly", source="teams/data.yaml:7"),
        _path(accounts, "bob", "data-dev", "admin", source="teams/data.yaml:9"),
        _path(accounts, "carol", "data-dev", "poweruser", source="teams/data.yaml:12"),
        _path(accounts, "carol", "crm-sandbox", "readonly", source="teams/data.yaml:14"),
        _path(accounts, XSS, "web-prod", "readonly", None, "</script><script>alert(3)</script>"),
    ]
    return {
        "organization": "learnaws",
        "generated": "2026-11-29",
        "environments": ENVIRONMENTS,
        "accounts": accounts_list,
        "people": people,
        "levels": ["admin", "poweruser", "readonly", "crm/exports"],
        "paths": paths,
    }


# Accounts per team, in the order they are generated (not deploy order, on purpose).
_TEAM_ACCOUNTS = ["prod"] * 3 + ["staging"] * 2 + ["sandbox"] * 2 + ["dev"] * 3
_BASE_LEVEL = {"dev": "admin", "sandbox": "admin", "staging": "poweruser", "prod": "readonly"}


def synthetic_data(teams: int = 100, people_per_team: int = 50, seed: int = 7) -> dict[str, Any]:
    """`teams` teams of 10 accounts and `people_per_team` people each; XL by default.

    Every person reaches the 10 accounts of their team (about 50,000 paths at XL); a fifth also
    belongs to a second team (readonly in its staging and prod), one in five has a break-glass
    admin path to a prod account that expires, and one in five has the team's permission set
    in prod: about 60,000 paths at XL.
    """
    rng = random.Random(seed)
    team_names = [f"team{t:03d}" for t in range(teams)]
    accounts_list: list[dict[str, Any]] = []
    for t, team in enumerate(team_names):
        for j, env in enumerate(_TEAM_ACCOUNTS):
            accounts_list.append(
                {
                    "name": f"{team}-{env}-{j}",
                    "id": f"{100000000000 + t * 100 + j:012d}",
                    "environment": env,
                    "team": team,
                }
            )
    accounts = {a["name"]: a for a in accounts_list}
    by_team = {team: [a for a in accounts_list if a["team"] == team] for team in team_names}
    people: list[dict[str, Any]] = []
    paths: list[dict[str, Any]] = []
    for t, team in enumerate(team_names):
        for n in range(people_per_team):
            name = f"user{t:03d}x{n:03d}"
            second = team_names[rng.randrange(teams)] if rng.random() < 0.2 else None
            person_teams = [team] + ([second] if second and second != team else [])
            people.append({"name": name, "display_name": f"User {t} {n}", "teams": person_teams})
            source = f"teams/{team}.yaml:{10 + n}"
            for acc in by_team[team]:
                level = _BASE_LEVEL[acc["environment"]]
                paths.append(_path(accounts, name, acc["name"], level, source=source))
            if len(person_teams) > 1:
                for acc in by_team[person_teams[1]]:
                    if acc["environment"] in ("staging", "prod"):
                        paths.append(_path(accounts, name, acc["name"], "readonly", source=source))
            prod = [a for a in by_team[team] if a["environment"] == "prod"]
            if rng.random() < 0.2:
                day = 1 + rng.randrange(60)
                expires = f"2026-{12 if day <= 31 else 11:02d}-{day if day <= 31 else day - 31:02d}"
                reason = f"INC-{rng.randrange(10000)} break-glass"
                paths.append(
                    _path(accounts, name, prod[0]["name"], "admin", expires, reason, source)
                )
            if rng.random() < 0.2:
                for acc in prod:
                    paths.append(
                        _path(accounts, name, acc["name"], f"{team}/exports", source=source)
                    )
    return {
        "organization": "synthetic",
        "generated": "2026-11-29",
        "environments": ENVIRONMENTS,
        "accounts": accounts_list,
        "people": people,
        "levels": ["admin", "poweruser", "readonly"] + [f"{t}/exports" for t in team_names],
        "paths": paths,
    }
