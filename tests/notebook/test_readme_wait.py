"""The README on `login(wait=True)`: it raises `LoginTimeout` after `timeout` seconds, saying what
happened to the cell; Try again still logs in, the widget then says to run the login cell again,
and running it returns that session."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import pytest
from support import free_port
from widget_page import Page

from looker_nb_auth import LoginTimeout, login
from looker_nb_auth.fake_looker import FakeLooker, authorize_in_browser

GUID = "readme-wait-tests"


@pytest.fixture
def redirect_uri(looker: FakeLooker) -> str:
    uri = f"http://127.0.0.1:{free_port()}/looker-nb-auth/callback"
    looker.register_app(GUID, uri, display_name="wait", description="Wait tests.")
    return uri


def test_wait_true_raises_login_timeout_after_timeout_s_and_try_again_still_logs_in(
    page: Page, looker: FakeLooker, front_end: list[Any], redirect_uri: str
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
        widget.send_event("retry")  # Try again
        assert widget.status == "ready"
        with httpx.Client(trust_env=False, timeout=10.0) as browser:
            assert browser.get(authorize_in_browser(widget.authorize_url)).status_code == 200
        assert logged_in.wait(30)
        assert widget.status == "logged_in"
        assert widget.message.endswith("; run the login cell again to get this session")
        assert login(looker.api_url, client_guid=GUID, redirect_uri=redirect_uri) is session
    finally:
        session.close()
