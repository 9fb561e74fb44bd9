# Two commands do all set-up on a fresh machine:
#   make run    start the app on http://127.0.0.1:8050 (embedded defaults, no external service)
#   make test   install everything and run the whole default test suite
#
# .venv gets the pinned dependencies and the physics package itself, installed as a wheel
# (non-editable, `pip install .`), reinstalled whenever a file under physics/ changes, so that
# `.venv/bin/python` anywhere (a notebook, a batch job) uses the current physics. The tests and the
# app import the source tree they run from; tests/ops/test_packaging.py builds the wheel, runs
# examples/quickstart.py against it from another directory, and (here, ALP_REQUIRE_INSTALLED=1)
# checks that the copy in .venv is the source tree.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HYPOTHESIS_SEED ?= 0
PHYSICS_FILES := $(shell find physics -type f -not -path '*/__pycache__/*' -not -name '*.py[co]' 2>/dev/null)
# make test: browser tests fail without Chromium (ALP_SKIP_BROWSER cleared), the installed copy is
# required, hypothesis draws from a fixed, printed seed
TEST_ENV := env -u ALP_SKIP_BROWSER ALP_REQUIRE_INSTALLED=1
PYTEST := $(TEST_ENV) $(PY) -m pytest --hypothesis-seed=$(HYPOTHESIS_SEED)

.PHONY: install run test test-slow test-load test-fuzz-large lint serve bench precompute reproduce clean

install: $(VENV)/.physics

$(VENV)/.installed: requirements.txt requirements-dev.txt constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt -c constraints.txt
	touch $@

$(VENV)/.physics: $(VENV)/.installed pyproject.toml README.md LICENSE $(PHYSICS_FILES)
	$(PY) -m pip install -q --no-deps --no-build-isolation --force-reinstall .
	rm -rf build *.egg-info
	touch $@

run: install
	$(PY) app.py

test: install
	bash scripts/system_deps.sh
	$(VENV)/bin/ruff check .
	$(PYTEST)

test-slow: install
	$(PYTEST) -m slow

test-load: install
	bash scripts/system_deps.sh
	$(PYTEST) -m load

test-fuzz-large: install
	HYPOTHESIS_PROFILE=large $(PYTEST) tests/physics/test_fuzz_physics_api.py tests/physics/test_fuzz_physics.py \
		tests/dashboard/test_fuzz_callbacks.py tests/dashboard/test_state.py

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

serve: install
	$(VENV)/bin/gunicorn -c gunicorn.conf.py app:server

bench: install
	$(PY) benchmarks/bench_relic.py
	$(PY) benchmarks/bench_scan.py
	$(PY) benchmarks/bench_latency.py
	$(PY) benchmarks/bench_faults.py

precompute: install
	$(PY) -m physics.scan precompute

reproduce: install
	$(PY) -m physics.reproduce

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache var build *.egg-info
