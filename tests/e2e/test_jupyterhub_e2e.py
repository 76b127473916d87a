"""``login()`` on a real JupyterHub: one redirect URI, the hub's user-redirect, two users at once.

The hub (configurable-http-proxy from npm, a local process spawner) is configured the way
docs/jupyterhub.md says: the Looker app's redirect URI is ``https://HUB/hub/user-redirect/
looker-nb-auth/callback`` (here under the base URL ``/jhub/``, as z2jh's ``hub.baseUrl`` can put
it), and every user's server gets the settings from ``c.Spawner.environment``, so the notebooks
call ``login()`` with no arguments.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from .conftest import HubStack
from .helpers import (
    LOGGED_IN_PAGE,
    UI_TIMEOUT,
    Notebook,
    Traffic,
    complete_looker_login,
    expect_callback_page,
    open_login_popup,
    reset_consent,
    write_notebook,
)
from .hub import HUB_PASSWORD, HubUser

LOGIN = "from looker_nb_auth import login\nsession = login()"
WHO_AM_I = "print('looker user:', session.sdk.me().email)"
#: How long a spawn may take (the hub starts jupyterhub-singleuser, then JupyterLab loads).
SPAWN_TIMEOUT = 120_000
LOOKER_USERS = {"ada": "ada@example.com", "grace": "grace@example.com"}
NAMES = {"ada": "Ada Lovelace", "grace": "Grace Hopper"}


class HubBrowser:
    """One person: a browser context logged in to the hub as ``user``."""

    def __init__(self, stack: HubStack, user: HubUser, context: BrowserContext) -> None:
        self.stack = stack
        self.user = user
        self.context = context
        self.traffic = Traffic(context)
        self.page: Page = context.new_page()

    def log_in_to_hub(self) -> None:
        self.page.goto(f"{self.stack.hub.url}hub/login")
        self.page.locator("#username_input").fill(self.user.name)
        self.page.locator("#password_input").fill(HUB_PASSWORD)
        self.page.locator("#login_submit").click()
        self.page.wait_for_url(re.compile(r"/(hub/home|hub/spawn|user/)"))

    def open(self, cells: list[str], *, server: HubUser | None = None) -> Notebook:
        """Write a notebook to the user's home and open it through the hub (default server:
        its user-redirect URL), which spawns the server if it is stopped."""
        server = server or self.user
        server.prepare_home()
        name = write_notebook(server.root_dir / f"hub-{secrets.token_hex(3)}.ipynb", cells)
        self.page.goto(server.page_url(name, workspace=f"e2e-{secrets.token_hex(6)}"))
        # A stopped server is spawned first: the hub's progress page, then JupyterLab.
        self.page.wait_for_url(f"{server.url}lab/**", timeout=SPAWN_TIMEOUT)
        notebook = Notebook(self.page, server, name)  # type: ignore[arg-type]
        notebook.wait_until_ready()
        return notebook


@contextmanager
def hub_browsers(
    stack: HubStack, browser: Browser, names: Iterable[str]
) -> Iterator[dict[str, HubBrowser]]:
    """A browser context of its own for each hub user in ``names``; afterwards the contexts
    are closed and the users' kernels shut down."""
    contexts = []
    found: dict[str, HubBrowser] = {}
    try:
        for name in names:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.set_default_timeout(UI_TIMEOUT)
            contexts.append(context)
            found[name] = HubBrowser(stack, stack.hub.user(name), context)
        yield found
    finally:
        for context in contexts:
            context.close()
        for person in found.values():
            person.user.shutdown_kernels()


@pytest.fixture
def people(hub_stack: HubStack, browser: Browser) -> Iterator[dict[str, HubBrowser]]:
    reset_consent(hub_stack.looker)
    with hub_browsers(hub_stack, browser, LOOKER_USERS) as found:
        yield found


def start_login(person: HubBrowser, notebook: Notebook) -> tuple[Page, str]:
    """Run ``login()``, click the button; returns the popup on Looker and the login's state."""
    notebook.run(0)
    widget = notebook.widget(0)
    popup = open_login_popup(notebook.page, widget)
    widget.expect_status("waiting")
    popup.wait_for_url(re.compile(r"/auth\?"))
    auth = [r.url for r in person.traffic.requests if "/auth?" in r.url]
    state = parse_qs(urlsplit(auth[0]).query)["state"][0]
    return popup, state


def finish_login(
    person: HubBrowser, notebook: Notebook, popup: Page, *, server: HubUser | None = None
) -> None:
    hub = person.stack.hub
    server = server or person.user
    email = LOOKER_USERS[person.user.name]
    callback = complete_looker_login(popup, email=email, redirect_uri=hub.redirect_uri)
    assert callback.startswith(hub.redirect_uri + "?")
    # user-redirect took the popup to the user's server that asked, where the extension answered.
    expect_callback_page(popup, server.callback_url, LOGGED_IN_PAGE)
    widget = notebook.widget(0)
    widget.expect_status("logged_in")
    host = urlsplit(person.stack.looker.web_url).netloc
    name = NAMES[person.user.name]
    expect(widget.message).to_have_text(f"Logged in as {name} ({email}) on {host}")


def test_two_users_log_in_at_once_with_one_redirect_uri(
    people: dict[str, HubBrowser], tmp_path: Path
) -> None:
    """Ada and Grace, each in their own browser, their servers spawned by the hub's
    user-redirect; both logins in flight at once; each kernel gets its own Looker user.

    Grace's browser replays Ada's state (with a made-up code) to the hub's redirect URI: it
    lands on Grace's server, which refuses it, and Ada's login still completes. Afterwards no
    code, token or verifier is in the hub's log (which has both users' servers' logs too).
    """
    ada, grace = people["ada"], people["grace"]
    tokens_file = {p: tmp_path / f"{p}-tokens.json" for p in people}
    notebooks = {}
    for name, person in people.items():
        assert person.user.server() is None, f"{name}'s server should start stopped"
        person.log_in_to_hub()
        notebooks[name] = person.open(
            [
                LOGIN,
                WHO_AM_I,
                "import json, pathlib\ntoken = session._tokens.token\n"
                f"pathlib.Path({str(tokens_file[name])!r}).write_text(json.dumps(\n"
                "    [token.access_token.reveal(), token.refresh_token.reveal()]))",
            ]
        )
        assert person.user.server() is not None, f"the hub did not spawn {name}'s server"

    ada_popup, ada_state = start_login(ada, notebooks["ada"])
    grace_popup, grace_state = start_login(grace, notebooks["grace"])
    assert ada_state != grace_state

    # Ada's state, replayed in Grace's browser, reaches Grace's server: refused, and says why.
    replay = grace.context.new_page()
    response = replay.goto(f"{grace.stack.hub.redirect_uri}?code=made-up&state={ada_state}")
    assert response is not None
    assert response.url.startswith(grace.user.callback_url), response.url
    assert 400 <= response.status < 500, response.status
    expect(replay.locator("main")).to_contain_text("unknown or has expired")
    replay.close()

    finish_login(grace, notebooks["grace"], grace_popup)
    finish_login(ada, notebooks["ada"], ada_popup)
    for name in people:
        notebooks[name].run(1)
        expect(notebooks[name].output(1)).to_contain_text(f"looker user: {LOOKER_USERS[name]}")
        notebooks[name].run(2)

    found: dict[str, str] = {}
    for name, person in people.items():
        access, refresh = json.loads(tokens_file[name].read_text())
        found |= {f"{name}'s access token": access, f"{name}'s refresh token": refresh}
        codes = [c for c in person.traffic.codes(person.stack.hub.redirect_uri) if c != "made-up"]
        assert codes, f"no code was seen in {name}'s callback"
        found |= {f"{name}'s code {i}": code for i, code in enumerate(codes)}
    log = ada.stack.hub.log_text()
    assert "looker-nb-auth" in log, "the servers' logs are not in the hub's log"
    leaks = [what for what, secret in found.items() if secret in log]
    assert not leaks, leaks


def test_stopped_server_is_spawned_then_login_completes(people: dict[str, HubBrowser]) -> None:
    """Ada's server is stopped; a link through user-redirect spawns it, and login completes."""
    ada = people["ada"]
    ada.log_in_to_hub()
    if ada.user.server() is None:  # running alone: start it once, so that there is one to stop
        ada.open([LOGIN])
    ada.user.stop_server()
    assert ada.user.server() is None
    notebook = ada.open([LOGIN, WHO_AM_I, "!looker-nb-auth doctor; echo exit=$?"])
    assert ada.user.server() is not None
    popup, _ = start_login(ada, notebook)
    finish_login(ada, notebook, popup)
    notebook.run(1)
    expect(notebook.output(1)).to_contain_text("looker user: ada@example.com")
    # doctor, from inside the user's server: the extension answers the kernel's secret there.
    notebook.run(2)
    expect(notebook.output(2)).to_contain_text("exit=0")
    doctor = notebook.output_text(2)
    assert re.search(r"^ok +extension", doctor, re.MULTILINE), doctor
    assert ada.stack.hub.redirect_uri in doctor


def test_login_in_a_named_server(people: dict[str, HubBrowser]) -> None:
    """A login started in Ada's named server "second" comes back to that server: its state
    names the server, and the hub's user_redirect_hook routes on it."""
    ada = people["ada"]
    ada.log_in_to_hub()
    second = ada.stack.hub.user("ada", "second")
    notebook = ada.open([LOGIN, WHO_AM_I], server=second)
    popup, state = start_login(ada, notebook)
    assert state.endswith(".c2Vjb25k"), "the state does not name the server (base64 'second')"
    finish_login(ada, notebook, popup, server=second)
    notebook.run(1)
    expect(notebook.output(1)).to_contain_text("looker user: ada@example.com")
    second.shutdown_kernels()
    second.stop_server()


def test_server_stopped_during_login(people: dict[str, HubBrowser]) -> None:
    """Ada's server stops while she is on Looker's pages. The hub starts it again when Looker
    sends her back, without carrying the code (useless now: the verifier was in the stopped
    kernel), and the page tells her to log in again; the hub's log has no code."""
    ada = people["ada"]
    ada.log_in_to_hub()
    notebook = ada.open([LOGIN])
    popup, _ = start_login(ada, notebook)
    ada.user.stop_server()
    hub = ada.stack.hub
    complete_looker_login(popup, email=LOOKER_USERS["ada"], redirect_uri=hub.redirect_uri)
    popup.wait_for_url(f"{ada.user.callback_url}?*", timeout=SPAWN_TIMEOUT)
    expect(popup.locator("main")).to_contain_text("Your Jupyter server stopped")
    assert ada.user.server() is not None, "the hub did not start Ada's server again"
    codes = ada.traffic.codes(hub.redirect_uri)
    assert codes
    log = hub.log_text()
    assert not [code for code in codes if code in log]
