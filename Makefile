# One task runner: CI calls these targets verbatim (see .ci/run).
VENV    ?= .venv
PYTHON  ?= python3
BIN     := $(VENV)/bin
HOST    ?= 127.0.0.1
PORT    ?= 8000

# Material for MkDocs prints an end-of-life banner on every build; we know (see README).
export NO_MKDOCS_2_WARNING ?= 1

.PHONY: setup system-deps test test-fast lint serve build bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# Chromium (browser tests) and PostgreSQL (storage tests) from Debian's packages, when missing.
system-deps:
	bash scripts/system-deps

test: setup system-deps
	$(BIN)/pytest

# Everything but the browser, PostgreSQL and load tests.
test-fast: setup
	$(BIN)/pytest -m "not browser and not postgres and not slow"

lint: setup
	$(BIN)/ruff check builder tests bench
	$(BIN)/ruff format --check builder tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

serve: setup
	$(BIN)/trustpath serve --host $(HOST) --port $(PORT)

build: setup
	$(BIN)/trustpath build

bench: setup system-deps
	$(BIN)/python bench/validate.py
	$(BIN)/python bench/coverage.py
	$(BIN)/python bench/build.py
	$(BIN)/python bench/records.py
	$(BIN)/python bench/reports.py
	$(BIN)/python bench/key_extraction.py

clean:
	rm -rf site .trustpath .pytest_cache .mypy_cache .ruff_cache
