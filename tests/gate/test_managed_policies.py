"""jumpgate.gate.managed_policies and its snapshot: what it knows, what it refuses, how old it
is, and that the file is exactly what tools/refresh-managed-policies makes from the pinned moto."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from jumpgate.gate import managed_policies as mp

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / "tools" / "refresh-managed-policies"
AWS = "arn:aws:iam::aws:policy/"


def test_snapshot_file_shape() -> None:
    raw = json.loads(mp.DATA.read_text(encoding="utf-8"))
    assert set(raw) == {
        "source",
        "source_version_or_commit",
        "retrieved",
        "data_as_of",
        "count",
        "policies",
    }
    assert raw["source"] and raw["source_version_or_commit"]
    assert dt.date.fromisoformat(raw["data_as_of"]) <= dt.date.fromisoformat(raw["retrieved"])
    policies = raw["policies"]
    assert raw["count"] == len(policies) > 1000
    assert policies == sorted(set(policies))
    for arn in policies:
        assert arn.startswith(AWS) and mp.well_formed(arn[len(AWS) :]), arn


@pytest.mark.parametrize(
    "name",
    [
        "ReadOnlyAccess",
        "AdministratorAccess",
        "job-function/ViewOnlyAccess",
        "SecurityAudit",
        "job-function/Billing",
        "PowerUserAccess",
        "IAMFullAccess",
        "AWSOrganizationsFullAccess",
        "service-role/AWSLambdaBasicExecutionRole",
        "aws-service-role/AWSSupportServiceRolePolicy",
    ],
)
def test_known(name: str) -> None:
    assert mp.known_managed_policy(AWS + name) is True
    assert mp.suggest(AWS + name) is None


def test_organization_managed_policies_are_known() -> None:
    """Every managed policy org/organization.yaml grants (the real data, not a fixture)."""
    org = yaml.safe_load((REPO / "org" / "organization.yaml").read_text(encoding="utf-8"))
    arns = re.findall(r"arn:aws:iam::aws:policy/[\w+=,.@/-]+", json.dumps(org))
    assert len(arns) >= 5
    for arn in arns:
        assert mp.known_managed_policy(arn) is True, arn


@pytest.mark.parametrize(
    ("arn", "suggestion"),
    [
        ("ReadOnlyAcces", "ReadOnlyAccess"),  # typo
        ("readonlyaccess", "ReadOnlyAccess"),  # case
        ("AdminstratorAccess", "AdministratorAccess"),
        ("ViewOnlyAccess", "job-function/ViewOnlyAccess"),  # path forgotten
        ("job-function/ReadOnlyAccess", "ReadOnlyAccess"),  # path wrong
        ("job-function/../ReadOnlyAccess", "ReadOnlyAccess"),  # ..
        ("../ReadOnlyAccess", "ReadOnlyAccess"),
        ("job-function//ViewOnlyAccess", "job-function/ViewOnlyAccess"),  # empty segment
        ("ReadOnlyAccess/", "ReadOnlyAccess"),  # trailing slash: an empty name
        ("ReadOnly Access", "ReadOnlyAccess"),  # bad character
        ("SecurityAudit\n", "SecurityAudit"),
        ("./SecurityAudit", "SecurityAudit"),
        ("NoSuchPolicyAnywhereAtAll", None),
    ],
)
def test_unknown_with_suggestion(arn: str, suggestion: str | None) -> None:
    assert mp.known_managed_policy(AWS + arn) is False
    assert mp.suggest(AWS + arn) == (None if suggestion is None else AWS + suggestion)


def test_other_partitions_keep_their_partition() -> None:
    assert mp.known_managed_policy("arn:aws-us-gov:iam::aws:policy/ReadOnlyAccess") is True
    got = mp.suggest("arn:aws-cn:iam::aws:policy/ReadOnlyAcces")
    assert got == "arn:aws-cn:iam::aws:policy/ReadOnlyAccess"


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::123456789012:policy/ReadOnlyAccess",  # customer managed
        "arn:aws:iam::aws:role/ReadOnlyAccess",
        "arn:aws:s3:::ReadOnlyAccess",
        "ReadOnlyAccess",
        "",
        "arn:aws:iam::aws:policyReadOnlyAccess",
    ],
)
def test_not_an_aws_managed_policy_arn(arn: str) -> None:
    assert mp.known_managed_policy(arn) is None
    assert mp.suggest(arn) is None


def test_not_a_string() -> None:
    for value in (None, 7, ["arn:aws:iam::aws:policy/ReadOnlyAccess"]):
        assert mp.known_managed_policy(value) is None  # type: ignore[arg-type]
        assert mp.customer_policy_account(value) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("arn", "account"),
    [
        ("arn:aws:iam::123456789012:policy/team/exports", "123456789012"),
        ("arn:aws-us-gov:iam::210987654321:policy/x", "210987654321"),
        ("arn:aws:iam::aws:policy/ReadOnlyAccess", None),
        ("arn:aws:iam::12345678901:policy/x", None),  # 11 digits
        ("arn:aws:iam::123456789012:role/x", None),
        ("arn:aws:iam::123456789012:policy/", None),
    ],
)
def test_customer_policy_account(arn: str, account: str | None) -> None:
    assert mp.customer_policy_account(arn) == account


def test_age_and_description() -> None:
    as_of = dt.date.fromisoformat(mp.snapshot_date())
    assert mp.snapshot_date() == mp.snapshot().as_of
    assert mp.snapshot_age_days(as_of + dt.timedelta(days=42)) == 42
    text = mp.describe(as_of + dt.timedelta(days=42))
    count = f"{len(mp.snapshot().names):,}"
    assert text == (
        f"list of {count} AWS managed policies from {mp.snapshot().version}, 42 days old; "
        "Access Analyzer in CI is the final word"
    )


def test_load_is_lazy_and_cached() -> None:
    """Read once per process (its cost: benchmarks/bench_policy_grammar.py)."""
    mp.snapshot.cache_clear()
    assert mp.snapshot.cache_info().currsize == 0
    assert mp.snapshot() is mp.snapshot()


@pytest.mark.skipif(importlib.util.find_spec("moto") is None, reason="moto (dev) not installed")
def test_snapshot_is_what_the_tool_makes_from_the_pinned_moto(tmp_path: Path) -> None:
    """Not hand-typed or hand-edited: the refresh tool reproduces the committed list from the
    moto that requirements.lock pins (same version recorded)."""
    raw = json.loads(mp.DATA.read_text(encoding="utf-8"))
    out = tmp_path / "list.json"
    args = [sys.executable, str(TOOL), "--out", str(out), "--today", raw["retrieved"]]
    run = subprocess.run(args, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert json.loads(out.read_text(encoding="utf-8")) == raw
    check = subprocess.run([*args[:2], "--check"], capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
