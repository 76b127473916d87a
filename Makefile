# Two commands on a fresh machine: `make demo` runs the demo, `make test` installs everything and
# runs every check (lint, types, tests). Each creates .venv and installs what it needs: the demo
# only the [demo] extra (no dev tools, no Chromium), the tests everything. Both need Node 20 and
# npm: a source checkout builds the front end (js/ into looker_nb_auth/static/); a wheel has it.
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

$(STAMP): pyproject.toml package-lock.json
	@command -v chromium >/dev/null || { echo "Installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@command -v npm >/dev/null || { echo "Node 20 and npm are needed: they build and check js/"; exit 1; }
	# The front end's toolchain, exactly as package-lock.json pins it, and its build (so the
	# editable install's build hook finds static/ up to date).
	npm ci --no-fund --no-audit
	npm run build
	$(BIN)/python -m pip install --quiet --editable '.[sdk]' --group dev
	$(BIN)/python -m pip install --quiet --no-deps --target $(OLDEST_SDK_DIR) \
	  looker-sdk==$(OLDEST_LOOKER_SDK)
	npm install --silent --no-fund --no-audit --prefix $(VENV)/node configurable-http-proxy@5
	touch $(STAMP)

$(DEMO_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@command -v npm >/dev/null || { echo "Node 20 and npm are needed: the editable install builds js/"; exit 1; }
	$(BIN)/python -m pip install --quiet --editable '.[demo]'
	touch $(DEMO_STAMP)

demo: $(DEMO_STAMP)
	$(BIN)/looker-nb-auth demo $(DEMO_ARGS)

test: $(STAMP)
	# The front end (js/): build it into looker_nb_auth/static/, type check (tsc), lint and
	# format check (biome), unit tests (vitest on jsdom, with the kernel's texts from .venv).
	npm run build
	npm run check
	JS_TEST_PYTHON=$(BIN)/python npm test
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
	$(BIN)/python benchmarks/bench_polls.py
	$(BIN)/python benchmarks/bench_faults.py
	$(BIN)/python benchmarks/bench_hub.py

clean:
	rm -rf $(VENV)
