# One virtual environment, pinned dependencies. Every target works from a fresh clone.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup setup-runtime test demo lint golden bench docs clean gate bench-gate mutation

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found (jumpgate needs Python 3.11)"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@# An editable install leaves jumpgate's own modules uncompiled, and machines that set
	@# PYTHONDONTWRITEBYTECODE never cache them: compile once, as pip does for other packages.
	$(BIN)/python -m compileall -q scripts/jumpgate
	@if [ -d .git ] && [ -f .pre-commit-config.yaml ]; then $(BIN)/pre-commit install --install-hooks >/dev/null && echo "pre-commit hooks installed"; fi
	@touch $(STAMP)

# What the deploy image needs and nothing more: runtime dependencies, no emulator, no dev tools.
# Every artifact is checked against the lock's sha256 hashes (--require-hashes); pip is the one
# the Python installation bundles (never upgraded from the network); jumpgate itself is put on
# the path from this source tree (a .pth file and a launcher), so no build backend is fetched.
setup-runtime:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found (jumpgate needs Python 3.11)"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-runtime.lock
	echo "$(CURDIR)/scripts" > "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/jumpgate-source.pth"
	printf '#!%s\nimport sys\nfrom jumpgate.cli.main import main\nsys.exit(main())\n' "$(CURDIR)/$(BIN)/python" > $(BIN)/jumpgate
	chmod +x $(BIN)/jumpgate

# The access-page tests drive Debian's Chromium (tools/install-browser installs it when missing);
# setup itself stays free of it, so the CodeBuild images that run `make setup` never need apt.
test: setup
	@tools/install-browser
	$(BIN)/python -m pytest -q

demo: setup
	$(BIN)/jumpgate demo

lint: setup
	$(BIN)/ruff check scripts tests benchmarks
	$(BIN)/ruff format --check scripts tests benchmarks
	$(BIN)/mypy

golden: setup
	$(BIN)/python tests/refresh_golden.py

bench: setup
	$(BIN)/python benchmarks/bench_validate_render.py
	$(BIN)/python benchmarks/bench_deploy.py
	$(BIN)/python benchmarks/bench_scale.py

gate: setup
	$(BIN)/pre-commit run --all-files

bench-gate: setup
	$(BIN)/python benchmarks/bench_precommit.py

# Mutation testing of the security-critical code (not part of `make test`; about 40 min on 2
# cores): tools/mutation.py, docs/mutation.md. MODULES narrows it, e.g. 'jumpgate.gate.checks.*'.
mutation: setup
	$(BIN)/python tools/mutation.py $(MODULES)

docs: setup
	$(BIN)/jumpgate rules --format markdown > docs/rules.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
