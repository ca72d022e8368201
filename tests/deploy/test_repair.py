"""`jumpgate deploy --stage S --repair` on the emulator: every kind of drift is made by hand as an
account administrator, reported by `jumpgate verify`, written back by the repair (one plan line
per repair, exactly), gone when verify runs again — and a plain deploy still skips the stack,
because its hash never changed (CloudFormation alone would never have repaired it)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from localaws_helpers import deploy_json, emulated_org, iam, jumpgate

CRM_DEV, CRM_PROD = "105000000005", "107000000007"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
READONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
ANYTHING = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)
OPEN_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
    }
)


@pytest.fixture
def deployed(tmp_path: Path, endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = emulated_org(tmp_path, endpoint)
    monkeypatch.setenv("JUMPGATE_LOCAL_ENDPOINT", endpoint)
    assert deploy_json(root, "pipeline", "--approve")[0] == 0
    return root


def verify_rules(root: Path) -> tuple[int, set[tuple[str, str]]]:
    code, out, err = jumpgate(
        "verify", "--root", str(root), "--target", "local", "--format", "json"
    )
    assert out.strip(), err
    return code, {(f["rule"], f["path"]) for f in json.loads(out)["findings"]}


def repair(root: Path, stage: str, *extra: str) -> tuple[int, list[str], str]:
    """`deploy --stage S --repair` in text: (exit code, the lines it printed about repairs)."""
    approve = ("--approve",) if stage == "prod" else ()
    code, out, err = jumpgate(
        "deploy", "--root", str(root), "--target", "local", "--stage", stage, "--repair",
        *approve, *extra,
    )  # fmt: skip
    keep = ("repair ", "cannot repair ", "repaired ", "nothing to repair", "verified again",
            "drift left", "reported, not changed", "failed: ")  # fmt: skip
    return code, [line for line in out.splitlines() if line.startswith(keep)], err


def plain_deploy(root: Path, stage: str) -> dict[str, str]:
    approve = ("--approve",) if stage == "prod" else ()
    code, doc = deploy_json(root, "deploy", "--stage", stage, *approve)
    assert code == 0, doc
    return {
        f"{s['account']}/{s['stack']}": s["action"] for st in doc["stages"] for s in st["stacks"]
    }


def role_trust(endpoint: str) -> None:
    iam(endpoint, CRM_DEV).update_assume_role_policy(
        RoleName="jumpgate-admin", PolicyDocument=OPEN_TRUST
    )


Case = tuple[str, Callable[[str], Any], str, str, str, list[str]]
CASES: list[Case] = [
    (
        "trust",
        role_trust,
        "dev",
        "E909",
        "iam://crm-dev/role/jumpgate-admin",
        [
            "repair crm-dev jumpgate-role-admin role/jumpgate-admin: trust policy differs: "
            "UpdateAssumeRolePolicy"
        ],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_repair_writes_the_declared_value_back(deployed: Path, endpoint: str, case: Case) -> None:
    _, breaks, stage, rule, path, lines = case
    breaks(endpoint)
    code, found = verify_rules(deployed)
    assert code == 1 and (rule, path) in found
    code, printed, err = repair(deployed, stage)
    assert code == 0, (printed, err)
    assert printed == [
        *lines,
        f"repaired {len(lines)} of {len(lines)} in stage {stage}",
        f"verified again: no drift left in stage {stage}",
    ]
    assert verify_rules(deployed) == (0, set())
    stack = lines[0].split(" ")[2]
    account = lines[0].split(" ")[1]
    assert plain_deploy(deployed, stage)[f"{account}/{stack}"] == "unchanged"
