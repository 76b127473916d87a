"""The ``voila`` command with a loopback redirect URI: each viewer's kernel shares the port.

Voila starts a kernel per viewer, with no server extension; each kernel's login is pending on the
redirect URI's one port from the moment its button shows. The widget is driven as the JS would
(the ``page`` fixture); Looker is the stand-in; httpx is the browser.
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from support import free_port
from widget_page import Page

from looker_nb_auth import login
from looker_nb_auth.client.loopback import LoopbackReceiver
from looker_nb_auth.fake_looker import FakeLooker, authorize_in_browser
from looker_nb_auth.notebook.controller import _VOILA_PORT_TAKEN
from looker_nb_auth.oauth.state import new_state

GUID = "voila-loopback-tests"
TIMEOUT = 30.0  # a bound for waits on events, never reached when things work


@pytest.fixture
def redirect_uri(looker: FakeLooker, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """A loopback redirect URI, in a kernel Voila started (no server extension)."""
    monkeypatch.delenv("LOOKER_NB_AUTH_SERVER_URL", raising=False)
    monkeypatch.delenv("LOOKER_NB_AUTH_SECRET", raising=False)
    monkeypatch.setenv("VOILA_BASE_URL", "/")  # what Voila sets in every kernel it starts
    monkeypatch.setenv("LOOKER_NB_AUTH_CACHE_DIR", str(tmp_path))
    uri = f"http://127.0.0.1:{free_port()}/looker-nb-auth/callback"
    looker.register_app(GUID, uri, display_name="voila", description="Voila loopback.")
    return uri


def test_a_viewer_logs_in_while_another_viewers_kernel_holds_the_port(
    page: Page, looker: FakeLooker, redirect_uri: str
) -> None:
    first_viewer = LoopbackReceiver(redirect_uri)  # its login pending: it listens on the port
    first_viewer.register(new_state())
    session = login(looker.api_url, client_guid=GUID, redirect_uri=redirect_uri)
    try:
        widget = page.login_widget
        assert (widget.status, widget.message) == ("ready", "")
        logged_in = threading.Event()
        session.on_login.append(logged_in.set)
        with httpx.Client(trust_env=False, timeout=10.0) as browser:
            assert browser.get(authorize_in_browser(widget.authorize_url)).status_code == 200
        assert logged_in.wait(TIMEOUT)
        assert widget.status == "logged_in"
    finally:
        session.close()
        first_viewer.close()


def test_a_port_another_program_holds_is_said_in_a_true_sentence(
    page: Page, looker: FakeLooker, redirect_uri: str
) -> None:
    port = urlsplit(redirect_uri).port or 80
    with socket.socket() as other_program:
        other_program.bind(("127.0.0.1", port))
        other_program.listen()
        session = login(looker.api_url, client_guid=GUID, redirect_uri=redirect_uri)
    try:
        widget = page.login_widget
        assert widget.status == "error"
        assert widget.message == _VOILA_PORT_TAKEN.format(address=f"127.0.0.1:{port}")
        assert widget.authorize_url == ""  # no button that could only lead nowhere
    finally:
        session.close()
