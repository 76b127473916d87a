# Two commands on a fresh machine: `make demo` runs the demo, `make test` installs everything and
# runs every check (lint, types, tests). Each creates .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test bench clean

$(STAMP): pyproject.toml
	@command -v chromium >/dev/null || { echo "Installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --editable '.[sdk]' --group dev
	@if command -v npm >/dev/null; then \
	  npm install --silent --no-fund --no-audit --prefix $(VENV)/node configurable-http-proxy@5; \
	else echo "No npm: the JupyterHub tests will skip (they need Node's configurable-http-proxy)"; fi
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/looker-nb-auth demo $(DEMO_ARGS)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest --ignore=tests/e2e
	# The browser tests (JupyterLab, Notebook 7, JupyterHub) in their own process: Playwright's
	# sync API leaves an event loop marked running, which asyncio.run() in other tests refuses.
	$(BIN)/python -m pytest tests/e2e

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_core.py
	$(BIN)/python benchmarks/bench_login.py

clean:
	rm -rf $(VENV)
