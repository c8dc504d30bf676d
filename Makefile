# Quick start: `make run` and `make test` need only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CORE := $(VENV)/.core-installed
DEV := $(VENV)/.dev-installed
# Start-up is measured on the install a pharmacist gets (no test, web or batch
# extras): Pint imports numpy, and dask when they are installed.
BENCH_VENV := .venv-bench

.PHONY: run test lint types bench clean

$(CORE): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[web]'
	$(BIN)/python -m compileall -q dosecalc
	touch $@

$(DEV): $(CORE)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

## The main job: the case report's regimens for its example patient.
run: $(CORE)
	$(BIN)/dosecalc demo

lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## mypy, strict on dosecalc/ (configured in pyproject.toml).
types: $(DEV)
	$(BIN)/mypy

test: $(DEV) lint types
	$(BIN)/python tests/browser_setup.py
	$(BIN)/python -m pytest

bench:
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet -e .
	$(BENCH_VENV)/bin/python -m compileall -q dosecalc
	$(BENCH_VENV)/bin/python benchmarks/startup.py

clean:
	rm -rf $(VENV) $(BENCH_VENV) build dist *.egg-info
