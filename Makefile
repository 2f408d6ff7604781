# Two commands a person needs: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
PORT   ?= 8501

.PHONY: run test setup setup-dev lint demo bench mutation lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip

# Installs come from the hashed lock files (exact versions, every platform's files); `make lock` refreshes them
# from the ranges in requirements.txt and requirements-dev.txt.
$(VENV)/.runtime: requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --require-hashes -r requirements.lock
	touch $@

$(VENV)/.dev: requirements-dev.lock $(VENV)/.runtime
	$(BIN)/python -m pip install --require-hashes -r requirements-dev.lock
	touch $@

setup: $(VENV)/.runtime
setup-dev: $(VENV)/.dev

## Start the dashboard on the embedded demo bundle.
run: setup
	$(BIN)/streamlit run app.py --server.port $(PORT)

## Run the whole test suite (unit, real-data, app and browser tiers).
test: setup-dev
	$(BIN)/python -m pytest

## Lint and types: ruff (rules and format) and mypy --strict over geo, layers, ui, app_pages and app.py.
lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## Rebuild the demo bundle (deterministic).
demo: setup
	$(BIN)/python -m geo demo

## Mutation scores of the core rules (disclosure, filters, rings, evaluation, Gi*, rates, the survey rule and its statistics) against their tests: mutmut,
## not part of `make test`.
mutation: setup-dev
	$(BIN)/python -m pip install "mutmut>=3.3,<4"
	$(BIN)/mutmut run --max-children 2
	$(BIN)/mutmut results

## Refresh the lock files from the ranges (needs the package index): the dev lock first, then the runtime lock
## inside it, so both pin the same versions. Commit both; tests/test_lock.py checks they cover the ranges.
LOCK = $(BIN)/uv pip compile --universal --python-version 3.11 --generate-hashes --quiet
lock: setup-dev
	$(LOCK) requirements-dev.txt -o requirements-dev.lock
	$(LOCK) requirements.txt --constraint requirements-dev.lock -o requirements.lock

bench: setup-dev
	for f in bench/*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache static/vendor mutants
