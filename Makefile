# Quick start: `make run` and `make test` need only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint types bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m compileall -q dosecalc
	touch $(STAMP)

## The main job: the case report's regimens for its example patient.
run: $(STAMP)
	$(BIN)/dosecalc demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## mypy, strict on dosecalc/ (configured in pyproject.toml).
types: $(STAMP)
	$(BIN)/mypy

test: $(STAMP) lint types
	$(BIN)/python tests/browser_setup.py
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/startup.py

clean:
	rm -rf $(VENV) build dist *.egg-info
