"""Voila dashboards: each viewer logs in with the button, and the dashboard fills itself in.

Voila runs every cell of the notebook before its page shows anything, in a kernel of its own per
viewer, and keeps the kernel and the widgets live afterwards. So a dashboard calls ``login()``
and fills its outputs from ``session.on_login``. Under ``jupyter server`` (Voila as a server
extension, ``/voila/render/…``) the kernels Voila starts inherit the looker-nb-auth extension's
variables and the login comes back through it, as in a notebook. The ``voila`` command loads no
server extension: a loopback redirect URI still works there (the kernel listens itself), any
other makes the widget say to serve the dashboard with ``jupyter server``.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, ClassVar, cast

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from looker_nb_auth.fake_looker import FakeLooker
from looker_nb_auth.notebook.controller import _VOILA_NO_RECEIVER
from looker_nb_auth.notebook.login import _VOILA_NO_WAIT

from .conftest import Jupyter, Stack, _jupyter, _start_stack
from .helpers import (
    CLIENT_GUID,
    LOGGED_IN_PAGE,
    UI,
    UI_TIMEOUT,
    LoginWidget,
    ServerProcess,
    _clean_environment,
    complete_looker_login,
    expect_callback_page,
    free_port,
    open_login_popup,
    reset_consent,
    write_notebook,
)

ADA = "Logged in as Ada Lovelace (ada@example.com)"
#: The dashboard pattern the README shows: the button, then an output the login fills in.
LOGIN = "from looker_nb_auth import login\n\nsession = login()"
LOOKS = """\
from html import escape

import ipywidgets as widgets

looks = widgets.HTML("Log in to Looker to see its looks.")


def show_looks():
    titles = [look["title"] for look in session.client.get("looks").json()]
    looks.value = "Looks: " + ", ".join(escape(title) for title in titles)


session.on_login.append(show_looks)  # runs once the viewer has logged in (again)
if session.is_logged_in:  # already (a token cache, a second login() in this kernel)
    show_looks()
looks"""
PLACEHOLDER = "Log in to Looker to see its looks."
#: The stand-in's built-in looks, as the dashboard lists them.
SHOWN = "Looks: Sales by region, Monthly sales, Average price by category, Average sale by region"


class Dashboard:
    """One viewer's Voila page: the login widget and the rendered cells."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.widget = LoginWidget(page.locator(".looker-nb-auth"))
        self.cells = page.locator("#rendered_cells")


def open_dashboard(context: BrowserContext, url: str) -> Dashboard:
    """Load the page, which Voila sends once every cell has run, and wait for its widgets."""
    page = context.new_page()
    page.goto(url)
    dashboard = Dashboard(page)
    expect(dashboard.widget.root).to_be_visible(timeout=UI_TIMEOUT)
    return dashboard


def log_in(dashboard: Dashboard, redirect_uri: str) -> None:
    """Click "Log in to Looker", log in and Allow in Looker's popup, see the callback page."""
    popup = open_login_popup(dashboard.page, dashboard.widget)
    dashboard.widget.expect_status("waiting")
    complete_looker_login(popup, redirect_uri=redirect_uri)
    expect_callback_page(popup, redirect_uri, LOGGED_IN_PAGE)


# -- Voila under jupyter server ------------------------------------------------------------------


@pytest.fixture(scope="module")
def voila_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """``jupyter server`` with the looker-nb-auth extension set for the stand-in, and Voila's
    (enabled by installing voila)."""
    yield from _start_stack(cast(UI, "server"), tmp_path_factory)


@pytest.fixture
def voila(
    voila_stack: Stack, browser: Browser, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Jupyter]:
    yield from _jupyter(voila_stack, browser, request, tmp_path)


def render_url(jupyter: Jupyter, name: str) -> str:
    return f"{jupyter.server.url}voila/render/{name}?token={jupyter.server.token}"


def test_dashboard_logs_each_viewer_in_and_fills_in_from_on_login(voila: Jupyter) -> None:
    """Each viewer gets the button in a kernel of their own; after the login in the popup, the
    ``on_login`` callback fills that viewer's dashboard with Looker data."""
    name = write_notebook(voila.notebook_path("dashboard"), [LOGIN, LOOKS])
    url = render_url(voila, name)
    viewer = open_dashboard(voila.context, url)
    other = open_dashboard(voila.context, url)
    for dashboard in (viewer, other):
        dashboard.widget.expect_status("ready")
        expect(dashboard.widget.button("login")).to_have_text("Log in to Looker")
        expect(dashboard.cells).to_contain_text(PLACEHOLDER)

    log_in(viewer, voila.server.redirect_uri)
    viewer.widget.expect_status("logged_in")
    expect(viewer.widget.message).to_contain_text(ADA)
    expect(viewer.cells).to_contain_text(SHOWN)
    # The other viewer's kernel got nothing: still the button, still no data.
    expect(other.widget.root).to_have_attribute("data-status", "ready")
    expect(other.cells).to_contain_text(PLACEHOLDER)
    expect(other.cells).not_to_contain_text("Looks:")


def test_wait_true_does_not_hold_the_dashboard_back(voila: Jupyter) -> None:
    """``login(wait=True)`` would keep Voila's page (and its button) from showing until the
    timeout: the page shows at once, the widget says why it did not wait, the login works."""
    blocking = "from looker_nb_auth import login\n\nsession = login(wait=True, timeout=600)"
    name = write_notebook(voila.notebook_path("waiting"), [blocking, LOOKS])
    dashboard = open_dashboard(voila.context, render_url(voila, name))
    dashboard.widget.expect_status("ready")
    expect(dashboard.widget.message).to_have_text(_VOILA_NO_WAIT)
    log_in(dashboard, voila.server.redirect_uri)
    dashboard.widget.expect_status("logged_in")
    expect(dashboard.cells).to_contain_text(SHOWN)


# -- the voila command, no Jupyter server ----------------------------------------------------------


@dataclass
class StandaloneVoila(ServerProcess):
    """``voila NOTEBOOK`` on loopback, in a fresh Jupyter home, with the given environment."""

    name: ClassVar[str] = "voila"

    home: Path
    port: int
    process: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = field(default=None, repr=False)
    log_path: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log_path = self.home / "voila.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(
        self, notebook: Path, environment: Mapping[str, str], *, timeout: float = 90.0
    ) -> None:
        dirs = {
            "JUPYTER_CONFIG_DIR": self.home / "config",
            "JUPYTER_DATA_DIR": self.home / "data",
            "JUPYTER_RUNTIME_DIR": self.home / "runtime",
            "IPYTHONDIR": self.home / "ipython",
        }
        for path in dirs.values():
            path.mkdir(parents=True, exist_ok=True)
        env = {**_clean_environment(dirs), **environment}
        command = [
            sys.executable,
            "-m",
            "voila",
            str(notebook),
            "--no-browser",
            f"--port={self.port}",
            "--Voila.ip=127.0.0.1",
            "--Voila.port_retries=0",
        ]
        # A static file: the notebook's own page would start a kernel and run the cells.
        self._launch(
            command, env=env, cwd=self.home, ready_path="voila/static/voila.js", timeout=timeout
        )

    def api(self, *, timeout: float = 30.0) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=timeout, trust_env=False)


@pytest.fixture
def looker() -> Iterator[FakeLooker]:
    with FakeLooker() as looker:
        yield looker


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(UI_TIMEOUT)
    yield context
    context.close()


@pytest.fixture
def standalone(
    tmp_path: Path, looker: FakeLooker, request: pytest.FixtureRequest
) -> Iterator[Callable[[str], StandaloneVoila]]:
    """``start(redirect_uri)``: the dashboard under ``voila``, its kernels set for the stand-in
    with that redirect URI (registered there) through ``LOOKERSDK_*``, as a user would."""
    started: list[StandaloneVoila] = []

    def start(redirect_uri: str) -> StandaloneVoila:
        looker.register_app(CLIENT_GUID, redirect_uri, display_name="looker-nb-auth e2e")
        reset_consent(looker)
        server = StandaloneVoila(home=tmp_path / "voila", port=free_port())
        server.home.mkdir()
        started.append(server)
        notebook = server.home / write_notebook(server.home / "dashboard.ipynb", [LOGIN, LOOKS])
        server.start(
            notebook,
            {
                "LOOKERSDK_BASE_URL": looker.api_url,
                "LOOKERSDK_CLIENT_GUID": CLIENT_GUID,
                "LOOKERSDK_REDIRECT_URI": redirect_uri,
            },
        )
        return server

    yield start
    report = getattr(request.node, "_e2e_call", None)
    for server in started:
        server.stop()
        if report is not None and report.failed:
            print(f"{server.name} log:\n{server.log_text()[-4000:]}")


def test_standalone_voila_says_to_serve_it_with_jupyter_server(
    standalone: Callable[[str], StandaloneVoila], context: BrowserContext
) -> None:
    """The voila command loads no server extension and no cell can take a pasted address: the
    widget says so before any click, instead of offering a login that cannot come back."""
    server = standalone("https://jupyter.example.com/looker-nb-auth/callback")
    dashboard = open_dashboard(context, server.url)
    dashboard.widget.expect_status("error")
    expect(dashboard.widget.message).to_have_text(_VOILA_NO_RECEIVER)
    expect(dashboard.widget.button("login")).to_be_hidden()
    expect(dashboard.cells).to_contain_text(PLACEHOLDER)


def test_standalone_voila_logs_in_on_a_loopback_redirect_uri(
    standalone: Callable[[str], StandaloneVoila], context: BrowserContext
) -> None:
    """With a loopback redirect URI the kernel takes the answer itself, so the voila command
    works for a dashboard viewed on the machine it runs on."""
    redirect_uri = f"http://127.0.0.1:{free_port()}/looker-nb-auth/callback"
    server = standalone(redirect_uri)
    dashboard = open_dashboard(context, server.url)
    dashboard.widget.expect_status("ready")
    log_in(dashboard, redirect_uri)
    dashboard.widget.expect_status("logged_in")
    expect(dashboard.widget.message).to_contain_text(ADA)
    expect(dashboard.cells).to_contain_text(SHOWN)


def test_standalone_voila_logs_two_viewers_in_at_once_on_one_loopback_port(
    standalone: Callable[[str], StandaloneVoila], context: BrowserContext, looker: FakeLooker
) -> None:
    """Each viewer's kernel has a login pending on the redirect URI's one port: the first kernel
    listens for both, and each viewer's answer reaches that viewer's kernel."""
    redirect_uri = f"http://127.0.0.1:{free_port()}/looker-nb-auth/callback"
    server = standalone(redirect_uri)
    first = open_dashboard(context, server.url)
    first.widget.expect_status("ready")  # its kernel holds the port now
    assert context.browser is not None
    elsewhere = context.browser.new_context()  # another viewer, with a browser of their own
    try:
        second = open_dashboard(elsewhere, server.url)
        second.widget.expect_status("ready")
        log_in(second, redirect_uri)
        second.widget.expect_status("logged_in")
        expect(second.cells).to_contain_text(SHOWN)
        first.widget.expect_status("ready")  # the other viewer's login is not this one's
        reset_consent(looker)  # the consent page again, as for another Looker user
        log_in(first, redirect_uri)
        first.widget.expect_status("logged_in")
        expect(first.cells).to_contain_text(SHOWN)
    finally:
        elsewhere.close()
