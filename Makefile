# One task runner: CI calls these targets verbatim (see .ci/run).
VENV    ?= .venv
PYTHON  ?= python3
BIN     := $(VENV)/bin
HOST    ?= 127.0.0.1
PORT    ?= 8000

# Material for MkDocs prints an end-of-life banner on every build; we know (see README).
export NO_MKDOCS_2_WARNING ?= 1

.PHONY: setup test-deps system-deps test test-fast lint serve build bench screenshots clean

# What serving needs (TrustPath and its runtime dependencies), with pip's progress shown.
setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@echo "==> Installing TrustPath into $(VENV): a minute or two the first time"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --progress-bar on --upgrade pip
	$(BIN)/pip install --progress-bar on -e .
	touch $@

# The test tools (pytest, Playwright, axe, ruff, mypy…) on top: `make test` and `make lint`.
test-deps: $(VENV)/.test-installed

$(VENV)/.test-installed: $(VENV)/.installed pyproject.toml
	@echo "==> Installing the test tools into $(VENV)"
	$(BIN)/pip install --progress-bar on -e '.[test]'
	touch $@

# Chromium (browser tests) and PostgreSQL (storage tests) from Debian's packages, when missing.
system-deps:
	bash scripts/system-deps

test: test-deps system-deps
	$(BIN)/pytest

# Everything but the browser, PostgreSQL and load tests.
test-fast: test-deps
	$(BIN)/pytest -m "not browser and not postgres and not slow"

lint: test-deps
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

bench: test-deps system-deps
	$(BIN)/python bench/validate.py
	$(BIN)/python bench/coverage.py
	$(BIN)/python bench/build.py
	$(BIN)/python bench/records.py
	$(BIN)/python bench/reports.py
	$(BIN)/python bench/key_extraction.py

# The five page types at 1280 and 390 px, light and dark, into screenshots/ (for pull requests).
screenshots: test-deps system-deps
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf site .trustpath .pytest_cache .mypy_cache .ruff_cache screenshots
