# Two commands on a fresh machine: `make demo` runs the demo, `make test` installs everything and
# runs every check (lint, types, tests). Each creates .venv and installs what it needs: the demo
# only the [demo] extra (no dev tools, no Chromium, no npm), the tests everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_STAMP := $(VENV)/.demo-installed
# The oldest looker-sdk pyproject.toml allows (looker-sdk>=24.0): the admin tools and the session
# are tested on it too, from a folder that shadows the newest one on PYTHONPATH.
OLDEST_LOOKER_SDK := 24.0.0
OLDEST_SDK_DIR := $(VENV)/looker-sdk-$(OLDEST_LOOKER_SDK)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test bench clean

$(STAMP): pyproject.toml
	@command -v chromium >/dev/null || { echo "Installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --editable '.[sdk]' --group dev
	$(BIN)/python -m pip install --quiet --no-deps --target $(OLDEST_SDK_DIR) \
	  looker-sdk==$(OLDEST_LOOKER_SDK)
	@if command -v npm >/dev/null; then \
	  npm install --silent --no-fund --no-audit --prefix $(VENV)/node configurable-http-proxy@5; \
	else echo "No npm: the JupyterHub tests will skip (they need Node's configurable-http-proxy)"; fi
	touch $(STAMP)

$(DEMO_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --editable '.[demo]'
	touch $(DEMO_STAMP)

demo: $(DEMO_STAMP)
	$(BIN)/looker-nb-auth demo $(DEMO_ARGS)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest --ignore=tests/e2e --ignore=tests/wheel
	# The admin tools, doctor and the session again, on the oldest looker-sdk we allow.
	PYTHONPATH=$(OLDEST_SDK_DIR) $(BIN)/python -m pytest tests/client/test_looker_sdk_version.py \
	  tests/cli/test_register.py tests/cli/test_doctor.py tests/client/test_session.py tests/notebook/test_login.py \
	  tests/client/test_sdk_transport.py
	# The browser tests (JupyterLab, Notebook 7, JupyterHub) in their own process: Playwright's
	# sync API leaves an event loop marked running, which asyncio.run() in other tests refuses.
	$(BIN)/python -m pytest tests/e2e
	# What a pip user gets: the built wheel with [demo] in a fresh venv, running the demo.
	$(BIN)/python -m pytest tests/wheel

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_core.py
	$(BIN)/python benchmarks/bench_login.py
	$(BIN)/python benchmarks/bench_sdk.py
	$(BIN)/python benchmarks/bench_frames.py
	$(BIN)/python benchmarks/bench_faults.py

clean:
	rm -rf $(VENV)
