"""Fixtures of the verify tests that need no emulator: the example organization and IAM as a
clean deploy leaves it (deployed_state.py), a fresh copy for every test that changes it."""

from __future__ import annotations

import pytest
from deployed_state import as_deployed, example

from helpers import REPO
from jumpgate.deploy.stack import Desired, load_manifest
from jumpgate.generate.expansion import Expansion
from jumpgate.model.organization import Organization
from jumpgate.verify.drift import Observed


@pytest.fixture(scope="module")
def example_org() -> tuple[Organization, Expansion]:
    """Shared by a module's tests: they must not change it (org_exp is theirs to change)."""
    return example()


@pytest.fixture
def org_exp() -> tuple[Organization, Expansion]:
    return example()


@pytest.fixture
def state(example_org: tuple[Organization, Expansion]) -> dict[str, Observed]:
    return as_deployed(*example_org)


@pytest.fixture(scope="session")
def stacks() -> list[Desired]:
    """The example's manifest stacks, as the engine loads them."""
    return load_manifest(REPO)[1]
