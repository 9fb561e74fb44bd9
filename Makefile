# Two commands do all set-up on a fresh machine:
#   make run    start the app on http://127.0.0.1:8050 (embedded defaults, no external service)
#   make test   install everything and run the whole default test suite
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test test-slow test-load test-fuzz-large lint serve bench precompute reproduce clean

$(VENV)/.installed: requirements.txt requirements-dev.txt constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt -c constraints.txt
	touch $@

run: $(VENV)/.installed
	$(PY) app.py

test: $(VENV)/.installed
	bash scripts/system_deps.sh
	$(VENV)/bin/ruff check .
	$(PY) -m pytest

test-slow: $(VENV)/.installed
	$(PY) -m pytest -m slow

test-load: $(VENV)/.installed
	bash scripts/system_deps.sh
	$(PY) -m pytest -m load

test-fuzz-large: $(VENV)/.installed
	HYPOTHESIS_PROFILE=large $(PY) -m pytest tests/test_fuzz_physics_api.py tests/test_fuzz_callbacks.py tests/test_fuzz_physics.py tests/test_state.py

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

serve: $(VENV)/.installed
	$(VENV)/bin/gunicorn -c gunicorn.conf.py app:server

bench: $(VENV)/.installed
	$(PY) benchmarks/bench_relic.py
	$(PY) benchmarks/bench_scan.py
	$(PY) benchmarks/bench_latency.py

precompute: $(VENV)/.installed
	$(PY) -m physics.scan precompute

reproduce: $(VENV)/.installed
	$(PY) -m physics.reproduce

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache var
