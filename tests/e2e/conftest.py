"""Fixtures: a Looker stand-in plus a real Jupyter server per UI, and Chromium via Playwright.

Per UI (JupyterLab 4, Notebook 7) one session-scoped stack: a ``FakeLooker`` in this process with
the e2e app registered for that server's callback, and the server itself, started in a fresh
config/data/runtime/IPython home so nothing of the user's setup leaks in. Each test gets a fresh
browser context, starts its kernels from scratch, and has them shut down afterwards.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    expect,
    sync_playwright,
)

from looker_nb_auth.fake_looker import FakeLooker, FakeLookerConfig

from .helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    CLIENT_GUID,
    EXPECT_TIMEOUT,
    UI,
    UI_TIMEOUT,
    UIS,
    JupyterServer,
    Notebook,
    Traffic,
    free_port,
    reset_consent,
)
from .hub import Hub, require_proxy

REPO = Path(__file__).resolve().parents[2]
TUTORIALS = REPO / "notebooks"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: drives a real Jupyter server in Chromium")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    setattr(item, f"_e2e_{report.when}", report)  # the ui fixture screenshots failed tests
    return report


@dataclass
class Stack:
    """One UI's Jupyter server and the Looker stand-in it is configured for."""

    ui: UI
    server: JupyterServer
    looker: FakeLooker


def _start_stack(ui: UI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    home = tmp_path_factory.mktemp(f"jupyter-{ui}")
    server = JupyterServer(ui=ui, port=free_port(), token=secrets.token_hex(24), home=home)
    server.root_dir.mkdir(parents=True)
    for tutorial in sorted(TUTORIALS.glob("*.ipynb")):
        shutil.copy2(tutorial, server.root_dir / tutorial.name)
    with FakeLooker(FakeLookerConfig.for_tutorials()) as looker:
        looker.register_app(
            CLIENT_GUID,
            server.redirect_uri,
            display_name="looker-nb-auth e2e",
            description="Browser tests of looker-nb-auth.",
        )
        server.start(
            {
                "base_url": looker.api_url,
                "client_guid": CLIENT_GUID,
                "redirect_uri": server.redirect_uri,
            }
        )
        try:
            yield Stack(ui, server, looker)
        finally:
            server.stop()


@pytest.fixture(scope="session")
def lab_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from _start_stack("lab", tmp_path_factory)


@pytest.fixture(scope="session")
def notebook_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from _start_stack("notebook", tmp_path_factory)


@pytest.fixture(params=UIS)
def stack(request: pytest.FixtureRequest) -> Stack:
    """The stack of each UI in turn (tests that need only Lab ask for ``lab_stack``)."""
    return request.getfixturevalue(f"{request.param}_stack")  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    expect.set_options(timeout=EXPECT_TIMEOUT)
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"no Chromium at {CHROMIUM}: apt-get install chromium (or set "
            "LOOKER_NB_AUTH_CHROMIUM); `make test` installs it"
        )
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


class Jupyter:
    """A fresh browser context on one stack: open notebooks, record traffic."""

    def __init__(self, stack: Stack, context: BrowserContext, home: Path) -> None:
        self.stack = stack
        self.server = stack.server
        self.looker = stack.looker
        self.context = context
        self.traffic = Traffic(context)
        self.home = home  # a per-test directory the kernel may write to
        self._workspace = f"e2e-{secrets.token_hex(6)}"

    def notebook_path(self, stem: str) -> Path:
        """A unique file in the server's root for a notebook this test writes."""
        return self.server.root_dir / f"{stem}-{secrets.token_hex(3)}.ipynb"

    def open(self, name: str, *, init_script: str | None = None) -> Notebook:
        page: Page = self.context.new_page()
        if init_script is not None:
            page.add_init_script(init_script)
        page.goto(self.server.page_url(name, workspace=self._workspace))
        notebook = Notebook(page, self.server, name)
        notebook.wait_until_ready()
        return notebook


@pytest.fixture
def jupyter(
    stack: Stack, browser: Browser, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Jupyter]:
    yield from _jupyter(stack, browser, request, tmp_path)


@pytest.fixture
def lab(
    lab_stack: Stack, browser: Browser, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Jupyter]:
    yield from _jupyter(lab_stack, browser, request, tmp_path)


def _jupyter(
    stack: Stack, browser: Browser, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Jupyter]:
    reset_consent(stack.looker)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(UI_TIMEOUT)
    try:
        yield Jupyter(stack, context, tmp_path)
    finally:
        report = getattr(request.node, "_e2e_call", None)
        if report is not None and report.failed:
            _save_failure_artifacts(request.node.name, context, stack.server)
        context.close()
        stack.server.shutdown_kernels()


def _save_failure_artifacts(name: str, context: BrowserContext, server: JupyterServer) -> None:
    """Screenshots, widget HTML and the server log of a failed test, kept outside pytest's
    rotating tmp dirs (``$LOOKER_NB_AUTH_E2E_ARTIFACTS``, default ``$TMPDIR/looker-nb-auth-e2e``).
    """
    root = os.environ.get("LOOKER_NB_AUTH_E2E_ARTIFACTS") or os.path.join(
        tempfile.gettempdir(), "looker-nb-auth-e2e"
    )
    target = Path(root) / re.sub(r"[^\w.-]+", "_", name)
    target.mkdir(parents=True, exist_ok=True)
    for number, page in enumerate(context.pages):
        page.screenshot(path=target / f"page-{number}.png", full_page=True)
        widgets = page.locator(".looker-nb-auth").evaluate_all("els => els.map(e => e.outerHTML)")
        (target / f"page-{number}.txt").write_text(
            page.url.split("?")[0] + "\n" + "\n".join(widgets), encoding="utf-8"
        )
    shutil.copy2(server.log_path, target / "server.log")
    print(f"e2e artifacts: {target}")


@dataclass
class HubStack:
    """A real JupyterHub whose users' servers log in to the Looker stand-in."""

    hub: Hub
    looker: FakeLooker


@pytest.fixture(scope="session")
def hub_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubStack]:
    proxy = require_proxy()
    home = tmp_path_factory.mktemp("jupyterhub")
    port = free_port()
    with FakeLooker() as looker:
        hub = Hub(
            home=home,
            port=port,
            hub_port=free_port(),
            proxy_api_port=free_port(),
            proxy=proxy,
            environment={},
        )
        # One app, one redirect URI for every user: the hub's user-redirect URL.
        looker.register_app(
            CLIENT_GUID,
            hub.redirect_uri,
            display_name="looker-nb-auth on JupyterHub",
            description="Browser tests of looker-nb-auth on a real JupyterHub.",
        )
        # What docs/jupyterhub.md tells admins to put in c.Spawner.environment.
        hub.environment.update(
            {
                "LOOKERSDK_BASE_URL": looker.api_url,
                "LOOKERSDK_CLIENT_GUID": CLIENT_GUID,
                "LOOKERSDK_REDIRECT_URI": hub.redirect_uri,
            }
        )
        hub.start()
        try:
            yield HubStack(hub, looker)
        finally:
            hub.stop()
