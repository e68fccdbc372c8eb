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

# The demo serves the admin side too: the reports API and the dashboard need an admin token.
# Yours ($TRUSTPATH_ADMIN_TOKEN) when set, else one made once and kept in .trustpath/ (not
# in git); either way the next lines say which, and how to fetch the dashboard with it.
DEMO_TOKEN := .trustpath/demo-admin-token

serve: setup
	@mkdir -p .trustpath; \
	if [ -n "$$TRUSTPATH_ADMIN_TOKEN" ]; then \
	  token="$$TRUSTPATH_ADMIN_TOKEN"; shown='$$TRUSTPATH_ADMIN_TOKEN'; \
	  echo "admin token: yours, from \$$TRUSTPATH_ADMIN_TOKEN"; \
	else \
	  [ -s $(DEMO_TOKEN) ] || (umask 077 && $(BIN)/python -c \
	    'import secrets; print(secrets.token_hex(32))' > $(DEMO_TOKEN)); \
	  token="$$(cat $(DEMO_TOKEN))"; shown="$$token"; \
	  echo "demo admin token (kept in $(DEMO_TOKEN); set TRUSTPATH_ADMIN_TOKEN to use your own): $$token"; \
	fi; \
	echo "dashboard: curl -H \"Authorization: Bearer $$shown\" -o report.html http://$(HOST):$(PORT)/api/reports/dashboard"; \
	TRUSTPATH_ADMIN_TOKEN="$$token" exec $(BIN)/trustpath serve --host $(HOST) --port $(PORT)

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
