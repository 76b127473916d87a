"""Every sentence names the control that is on screen, and the cell agrees with the widget
(issue 20): the widget through the fake front end (``page``), with a notebook front end drawing
it (``front_end``)."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from widget_page import Page

from looker_nb_auth import (
    AccessDenied,
    ConfigurationError,
    LoginCancelled,
    LoginRequired,
    LookerSession,
    login,
)
from looker_nb_auth.fake_looker import FakeLooker, authorize_in_browser
from looker_nb_auth.notebook.widget import TEXTS

GUID = "truth-tests"
REDIRECT = "https://notebooks.example/looker-nb-auth/callback"


@pytest.fixture
def session(page: Page, looker: FakeLooker, front_end: list[Any]) -> Iterator[LookerSession]:
    looker.register_app(GUID, REDIRECT, display_name="truth", description="Truth.")
    session = login(looker.api_url, client_guid=GUID, redirect_uri=REDIRECT)
    yield session
    session.close()


def test_a_denial_is_the_user_s_choice_and_the_cell_names_try_again(
    page: Page, session: LookerSession
) -> None:
    widget = page.login_widget
    with pytest.raises(AccessDenied):
        session.complete_login(authorize_in_browser(widget.authorize_url, approve=False))
    assert (widget.status, widget.message) == ("error", "You did not allow access to Looker.")
    with pytest.raises(LoginRequired) as info:
        session.client.get("user")
    assert 'click "Try again" above' in str(info.value)
    assert "Log in to Looker" not in str(info.value)  # not on screen: Try again is


@pytest.mark.parametrize(
    ("act", "control"),
    [
        ("nothing", '"Log in to Looker"'),
        ("opened", "popup window"),
        ("logout", '"Log in to Looker"'),
    ],
)
def test_the_cell_before_the_login_names_the_control_the_widget_shows(
    page: Page, session: LookerSession, act: str, control: str
) -> None:
    widget = page.login_widget
    if act == "opened":
        widget.send({"event": "opened", "state": widget.login_state})
        assert widget.status == "waiting"
    elif act == "logout":
        session.complete_login(authorize_in_browser(widget.authorize_url))
        session.logout()
        assert widget.status == "logged_out"
    with pytest.raises(LoginRequired) as info:
        session.client.get("user")
    assert control in str(info.value)


def test_a_cancelled_wait_says_what_happened_to_the_cell_not_a_control_that_may_go(
    page: Page, session: LookerSession, looker: FakeLooker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The error stays under the widget after a later login: it says what the cell did."""

    def interrupted(prompt: str) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr("builtins.input", interrupted)
    with pytest.raises(LoginCancelled) as info:
        login(looker.api_url, client_guid=GUID, redirect_uri=REDIRECT, wait=True)
    assert str(info.value) == (
        "The login was interrupted, so this cell stopped; the login widget above shows what to "
        "do next."
    )
    widget = page.login_widget
    session.complete_login(authorize_in_browser(widget.authorize_url))
    assert widget.status == "logged_in"
    assert "run the login cell again to get this session" in widget.message


def test_login_called_many_times_in_one_cell_shows_one_widget(
    page: Page,
    session: LookerSession,
    looker: FakeLooker,
    front_end: list[Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the kernel's shell while one cell runs
    shell = SimpleNamespace(parent_header={"msg_id": "cell-1", "msg_type": "execute_request"})
    monkeypatch.setattr("IPython.get_ipython", lambda: shell)
    front_end.clear()
    for _ in range(300):
        login(looker.api_url, client_guid=GUID, redirect_uri=REDIRECT)
    assert len(front_end) == 1
    shell.parent_header = {"msg_id": "cell-2", "msg_type": "execute_request"}
    login(looker.api_url, client_guid=GUID, redirect_uri=REDIRECT)  # the cell run again
    assert len(front_end) == 2
    assert len(page.login_widgets) == 1


def test_the_causes_name_the_client_guid_and_the_redirect_uri_apart(
    page: Page, session: LookerSession
) -> None:
    widget = page.login_widget
    assert widget.client_guid == GUID
    assert widget.redirect_uri == REDIRECT
    causes = TEXTS["causes"]
    assert "{client_guid}" in causes and "{redirect_uri}" in causes
    assert "%run -m looker_nb_auth doctor" in causes


def test_a_server_without_the_extension_is_named_not_the_settings(
    page: Page, front_end: list[Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """c.LookerNbAuth is set, but the server did not load the extension: the kernel (started by
    jupyter_server, JPY_SESSION_NAME) has none of its variables."""
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "Untitled.ipynb"))
    for name in ("LOOKERSDK_BASE_URL", "LOOKERSDK_CLIENT_GUID", "LOOKERSDK_REDIRECT_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("LOOKER_NB_AUTH_DEFAULTS", raising=False)
    monkeypatch.chdir(tmp_path)  # no looker.ini here
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(ConfigurationError) as info:
        login()
    said = str(info.value)
    assert "has not loaded the looker-nb-auth server extension" in said
    assert "jupyter server extension enable looker_nb_auth" in said
    assert "ask your" not in said
