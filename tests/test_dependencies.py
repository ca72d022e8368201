"""The deploy image gets the runtime dependencies only: no emulator, no test or lint tools.

`requirements-runtime.lock` (what `make setup-runtime` and buildspecs/deploy.yml install) must
pin exactly the versions of the full `requirements.lock`, hold every runtime dependency of
pyproject.toml, and nothing that only development needs; and jumpgate's runtime code must
import without the emulator's packages.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib

from helpers import REPO

DEV_ONLY = {"moto", "flask", "werkzeug", "mypy", "ruff", "pytest", "pre-commit", "pre_commit"}


def pins(name: str) -> dict[str, str]:
    found = {}
    for line in (REPO / name).read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)==(\S+?)( \\)?", line.strip())
        if match:
            found[match.group(1).lower().replace("_", "-")] = match.group(2)
    return found


def hashed_requirements(name: str) -> dict[str, list[str]]:
    """Requirement -> its sha256 hashes, from a lock in pip's hash-checking format."""
    text = (REPO / name).read_text(encoding="utf-8").replace("\\\n", " ")
    found = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            requirement, *options = line.split()
            found[requirement] = [o.removeprefix("--hash=sha256:") for o in options]
    return found


def test_runtime_lock_pins_a_sha256_for_every_package() -> None:
    """The deploy image installs with --require-hashes (pip refuses any artifact whose hash
    is not in the file), so every line is `name==version` with at least one sha256."""
    found = hashed_requirements("requirements-runtime.lock")
    assert len(found) == len(pins("requirements-runtime.lock")) == 39
    for requirement, hashes in found.items():
        assert "==" in requirement, requirement
        assert hashes and all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes), requirement


def test_the_deploy_image_checks_hashes_and_never_upgrades_pip() -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    runtime = makefile.split("setup-runtime:", 1)[1].split("\n\n", 1)[0]
    assert "pip install --quiet --require-hashes -r requirements-runtime.lock" in runtime
    assert "--upgrade pip" not in makefile  # pip is the interpreter's own, never fetched
    assert "pip install --quiet --no-deps ." not in runtime  # no build backend fetched
    spec = (REPO / "buildspecs" / "deploy.yml").read_text(encoding="utf-8")
    assert "make setup-runtime" in spec and "pip install" not in spec


def test_runtime_lock_holds_no_development_package() -> None:
    runtime = pins("requirements-runtime.lock")
    normalized = {d.replace("_", "-") for d in DEV_ONLY}
    assert sorted(set(runtime) & normalized) == []


def test_runtime_lock_pins_the_same_versions_as_the_full_lock() -> None:
    runtime, full = pins("requirements-runtime.lock"), pins("requirements.lock")
    assert {n: v for n, v in runtime.items() if full.get(n) != v} == {}


def test_every_runtime_dependency_is_in_the_runtime_lock() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = pins("requirements-runtime.lock")
    for requirement in project["dependencies"]:
        name, version = requirement.split("==")
        assert runtime.get(name.lower().replace("_", "-")) == version, requirement
    assert "moto[server]==5.2.5" in project["optional-dependencies"]["emulator"]


def test_runtime_code_imports_without_the_emulator_packages() -> None:
    """Every module outside emulator/ and demo/ imports with moto and Flask made unimportable."""
    code = (
        "import sys, pkgutil, importlib, jumpgate\n"
        "for blocked in ('moto', 'flask', 'werkzeug'):\n"
        "    sys.modules[blocked] = None\n"
        "names = [m.name for m in pkgutil.walk_packages(jumpgate.__path__, 'jumpgate.')]\n"
        "skip = ('jumpgate.emulator', 'jumpgate.demo', 'jumpgate.cli.local_aws', "
        "'jumpgate.cli.demo')\n"
        "done = [importlib.import_module(n) for n in names if not n.startswith(skip)]\n"
        "print(len(done))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=REPO
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 60
