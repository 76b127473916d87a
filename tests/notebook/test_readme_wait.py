"""The README on `login(wait=True)`: it raises `LoginTimeout` after `timeout` seconds, saying what
happened to the cell; Try again still logs in, the widget then says to run the login cell again,
and running it returns that session."""

from __future__ import annotations

import threading
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from support import free_port
from widget_page import Page, WidgetView

from looker_nb_auth import LoginTimeout, login
from looker_nb_auth.fake_looker import FakeLooker, authorize_in_browser
from looker_nb_auth.notebook import controller as controller_module

GUID = "readme-wait-tests"


@pytest.fixture
def notebook(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """A notebook front end draws the widget; no server extension: the kernel's own listener."""
    for name in ("LOOKER_NB_AUTH_SERVER_URL", "LOOKER_NB_AUTH_SECRET", "JPY_SESSION_NAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(controller_module, "_front_end", lambda: True)
    shown: list[Any] = []
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: shown.append(a[0]))
    return shown


@pytest.fixture
def redirect_uri(looker: FakeLooker) -> str:
    uri = f"http://127.0.0.1:{free_port()}/looker-nb-auth/callback"
    looker.register_app(GUID, uri, display_name="wait", description="Wait tests.")
    return uri


def _send(widget: WidgetView, event: str) -> None:
    """What the JS sends for ``event`` about the login the widget shows."""
    state = parse_qs(urlsplit(widget.authorize_url).query).get("state", [""])[0]
    widget.send({"event": event, "state": state})


def test_wait_true_raises_login_timeout_after_timeout_s_and_try_again_still_logs_in(
    page: Page, looker: FakeLooker, notebook: list[Any], redirect_uri: str
) -> None:
    session = login(
        looker.api_url, client_guid=GUID, redirect_uri=redirect_uri
    )  # the cell's first run
    logged_in = threading.Event()
    session.on_login.append(logged_in.set)
    try:
        started = time.monotonic()
        with pytest.raises(LoginTimeout) as info:
            login(
                looker.api_url, client_guid=GUID, redirect_uri=redirect_uri, wait=True, timeout=1
            )  # run again, waiting
        waited = time.monotonic() - started
        assert 1 <= waited < 30  # a bound: never before the timeout, and no hang
        assert str(info.value) == (
            "No answer from Looker within 1 s, so this cell stopped; the login widget above "
            "shows what to do next."
        )
        widget = page.login_widget
        assert widget.status == "error"
        _send(widget, "retry")  # Try again
        assert widget.status == "ready"
        with httpx.Client(trust_env=False, timeout=10.0) as browser:
            assert browser.get(authorize_in_browser(widget.authorize_url)).status_code == 200
        assert logged_in.wait(30)
        assert widget.status == "logged_in"
        assert widget.message.endswith("; run the login cell again to get this session")
        assert login(looker.api_url, client_guid=GUID, redirect_uri=redirect_uri) is session
    finally:
        session.close()
