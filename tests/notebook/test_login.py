"""login() and its widget, Python side, without a browser: the widget talks to a fake front end
(the ``page`` fixture) through its comm, as it would to the JS."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from widget_page import Page

from looker_nb_auth import (
    AccessDenied,
    LoginRequired,
    LookerSession,
    LookerUnreachable,
    StateMismatch,
    login,
)
from looker_nb_auth.fake_looker import FakeLooker, authorize_in_browser
from looker_nb_auth.notebook import controller as controller_module


@pytest.fixture
def no_extension(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOOKER_NB_AUTH_SERVER_URL", raising=False)
    monkeypatch.delenv("LOOKER_NB_AUTH_SECRET", raising=False)


#: Not on loopback: only the pasted address applies (tests/client/test_loopback.py: the rest).
PASTE_GUID = "paste-tests"
PASTE_REDIRECT = "https://notebooks.example/looker-nb-auth/callback"


@pytest.fixture
def paste_app(looker: FakeLooker) -> None:
    looker.register_app(PASTE_GUID, PASTE_REDIRECT, display_name="paste", description="Paste.")


@pytest.fixture
def session(
    page: Page, looker: FakeLooker, no_extension: None, paste_app: None
) -> Iterator[LookerSession]:
    session = login(looker.api_url, client_guid=PASTE_GUID, redirect_uri=PASTE_REDIRECT)
    yield session
    session.close()


def test_login_returns_at_once_with_a_prepared_button(page: Page, session: LookerSession) -> None:
    widget = page.login_widget
    assert widget.status == "ready"
    assert widget.authorize_url.startswith(f"{session.looker_url}/auth?")
    assert "complete_login" in widget.message  # no server extension here: say what to do


def test_cells_before_the_login_raise_login_required_pointing_at_the_button(
    session: LookerSession,
) -> None:
    with pytest.raises(LoginRequired, match='click "Log in to Looker" above'):
        session.client.get("user")
    with pytest.raises(LoginRequired, match="Log in to Looker"):
        session.sdk.me()


def test_no_secret_is_in_the_synced_widget_state(page: Page, session: LookerSession) -> None:
    widget = page.login_widget
    (pending,) = session._pending.values()
    redirected = authorize_in_browser(widget.authorize_url)
    session.complete_login(redirected)
    token = session._tokens.token
    assert token is not None
    state = str(widget.sent)  # all the kernel ever sent to the page
    assert pending.state in state and widget.status == "logged_in"  # it saw the whole login
    code = parse_qs(urlsplit(redirected).query)["code"][0]
    for secret in (pending.code_verifier, token.access_token, token.refresh_token):
        assert secret and secret.reveal() not in state
    assert code not in state


def test_pasted_redirect_shows_logged_in_and_clears_the_url(
    page: Page, session: LookerSession
) -> None:
    widget = page.login_widget
    session.complete_login(authorize_in_browser(widget.authorize_url))
    assert widget.status == "logged_in"
    assert widget.message.startswith("Logged in as Ada Lovelace (ada@example.com) on 127.0.0.1:")
    assert widget.authorize_url == ""


def test_opened_then_cancel_prepares_a_fresh_login(page: Page, session: LookerSession) -> None:
    widget = page.login_widget
    first = widget.authorize_url
    state = parse_qs(urlsplit(first).query)["state"][0]
    widget.send_event("opened")
    assert widget.status == "waiting"
    widget.send({"event": "cancel", "state": state})
    assert widget.status == "ready"
    assert widget.message == "Login cancelled."
    assert widget.authorize_url and widget.authorize_url != first


def test_on_the_pasted_rung_waiting_says_what_to_paste(page: Page, session: LookerSession) -> None:
    widget = page.login_widget
    widget.send_event("opened")
    assert widget.status == "waiting"
    assert widget.message == (
        "Log in and allow access in the popup, then copy the popup's address and run "
        "session.complete_login('<that address>')."
    )
    assert widget.quiet_after == 0


def test_wait_against_an_unreachable_looker_raises_looker_unreachable(
    no_extension: None, paste_app: None
) -> None:
    with socket.socket() as sock:  # bound, never listening: connections are refused
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
        with pytest.raises(LookerUnreachable, match="check base_url and your network"):
            login(closed, client_guid=PASTE_GUID, redirect_uri=PASTE_REDIRECT, wait=True)


def test_log_out_button_revokes_and_returns_to_ready(page: Page, session: LookerSession) -> None:
    widget = page.login_widget
    session.complete_login(authorize_in_browser(widget.authorize_url))
    widget.send_event("logout")
    assert not session.is_logged_in
    assert (widget.status, widget.message) == ("logged_out", "Logged out.")
    assert widget.authorize_url


def test_denied_login_shows_the_error_and_try_again_recovers(
    page: Page, session: LookerSession
) -> None:
    widget = page.login_widget
    used = widget.authorize_url
    redirected = authorize_in_browser(used, approve=False)
    with pytest.raises(AccessDenied, match="denied"):
        session.complete_login(redirected)
    # The pasted answer used up this login: the widget says why instead of offering it again.
    assert (widget.status, widget.authorize_url) == ("error", "")
    assert widget.message == "You did not allow access to Looker."
    assert "Log in to Looker" not in widget.message  # the button there is Try again
    widget.send_event("retry")
    assert widget.status == "ready"
    assert widget.authorize_url and widget.authorize_url != used


def test_two_widgets_do_not_cross_results(
    page: Page, looker: FakeLooker, no_extension: None, paste_app: None
) -> None:
    """Two logins in one kernel (two OAuth apps here; two Looker instances alike)."""
    other = "paste-tests-other"
    looker.register_app(other, PASTE_REDIRECT, display_name="other", description="Other.")
    first = login(looker.api_url, client_guid=PASTE_GUID, redirect_uri=PASTE_REDIRECT)
    second = login(looker.api_url, client_guid=other, redirect_uri=PASTE_REDIRECT)
    first_widget, second_widget = page.login_widgets
    redirected = authorize_in_browser(first_widget.authorize_url, email="grace@example.com")
    with pytest.raises(StateMismatch, match="does not belong"):
        second.complete_login(redirected)
    assert first.complete_login(redirected).email == "grace@example.com"
    assert second_widget.status == "ready"
    assert first_widget.status == "logged_in"


def test_running_the_login_cell_again_reuses_the_session_and_its_widget(
    page: Page, session: LookerSession, looker: FakeLooker
) -> None:
    widget = page.login_widget
    first = widget.authorize_url
    again = login(looker.api_url, client_guid=PASTE_GUID, redirect_uri=PASTE_REDIRECT)
    assert again is session and page.login_widget == widget and len(page.login_widgets) == 1
    assert widget.authorize_url != first  # a pending login is replaced, not piled up
    assert len(session._pending) == 2  # (a pasted address of the older one still works)
    session.complete_login(authorize_in_browser(widget.authorize_url))
    assert login(looker.api_url, client_guid=PASTE_GUID, redirect_uri=PASTE_REDIRECT) is session
    assert widget.status == "logged_in"  # logged in stays logged in


def test_a_late_message_about_an_older_login_is_ignored(page: Page, session: LookerSession) -> None:
    widget = page.login_widget
    old_state = parse_qs(urlsplit(widget.authorize_url).query)["state"][0]
    widget.send_event("retry")  # a new login replaces the old one
    current = widget.authorize_url
    widget.send({"event": "opened", "state": old_state})
    widget.send({"event": "cancel", "state": old_state})
    assert (widget.status, widget.authorize_url) == ("ready", current)
    assert widget.message != "Login cancelled."


def test_the_wait_timeout_is_not_the_http_timeout(
    looker: FakeLooker, no_extension: None, paste_app: None
) -> None:
    session = login(looker.api_url, client_guid=PASTE_GUID, redirect_uri=PASTE_REDIRECT, timeout=7)
    assert session.settings.timeout == 120.0  # the default; 7 s bounds only login(wait=True)
    session.close()


def test_a_refused_refresh_turns_the_widget_to_logged_out(
    page: Page, session: LookerSession, looker: FakeLooker
) -> None:
    """Looker ends the login early (an admin revoked it): the widget stops saying "Logged in"."""
    widget = page.login_widget
    session.complete_login(authorize_in_browser(widget.authorize_url))
    looker.revoke_user_tokens(session.user.id)
    with pytest.raises(LoginRequired):
        session.client.get("user")  # 401, then the refresh is refused
    assert widget.status == "logged_out"
    assert widget.message.startswith("Logged out: Looker refused to renew the login")
    assert widget.authorize_url  # and the button logs in again


def test_a_logout_looker_does_not_confirm_says_so_in_the_widget(
    page: Page, session: LookerSession, looker: FakeLooker
) -> None:
    widget = page.login_widget
    session.complete_login(authorize_in_browser(widget.authorize_url))
    looker.fail_next(1, 503)
    widget.send_event("logout")
    assert not session.is_logged_in
    assert widget.status == "logged_out"
    assert widget.message == (
        "Logged out here; Looker could not revoke the token: HTTP 503, Service Unavailable."
    )


def test_on_the_pasted_rung_the_widget_says_where_to_paste_before_the_click(
    page: Page, session: LookerSession, looker: FakeLooker
) -> None:
    assert page.login_widget.message == (
        "No looker-nb-auth server extension is reachable from this kernel (it is not installed "
        "in this Jupyter server, or there is none), so log in with the button, then run "
        "session.complete_login('<the address Looker sent you to>') in the next cell."
    )


def test_a_blocking_login_on_the_pasted_rung_points_at_the_input_box(
    page: Page,
    looker: FakeLooker,
    no_extension: None,
    paste_app: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[str] = []

    def paste(prompt: str) -> str:  # the user at the input() box, reading the widget first
        widget = page.login_widget
        seen.append(widget.message)
        return authorize_in_browser(widget.authorize_url)

    monkeypatch.setattr("builtins.input", paste)
    monkeypatch.setattr(controller_module, "_front_end", lambda: True)
    session = login(looker.api_url, client_guid=PASTE_GUID, redirect_uri=PASTE_REDIRECT, wait=True)
    try:
        assert session.is_logged_in
        assert seen and seen[0].endswith(
            "then paste the address Looker sent you to into the box below this cell."
        )
    finally:
        session.close()


@pytest.fixture
def voila(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOILA_BASE_URL", "/")  # what Voila sets in every kernel it starts


def test_in_voila_without_a_way_back_the_widget_says_to_serve_it_with_jupyter_server(
    page: Page, looker: FakeLooker, no_extension: None, paste_app: None, voila: None
) -> None:
    session = login(looker.api_url, client_guid=PASTE_GUID, redirect_uri=PASTE_REDIRECT)
    try:
        widget = page.login_widget
        assert widget.status == "error"
        assert widget.message.startswith("This Voila dashboard cannot take the login back")
        assert widget.authorize_url == ""  # no button that could only lead nowhere
    finally:
        session.close()


def test_in_voila_wait_true_does_not_wait_and_says_so(
    page: Page, looker: FakeLooker, no_extension: None, voila: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Voila shows nothing until every cell ran: a waiting cell would hide the button itself."""
    monkeypatch.setattr(controller_module, "_front_end", lambda: True)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        redirect = f"http://127.0.0.1:{sock.getsockname()[1]}/cb"
    looker.register_app("voila-tests", redirect, display_name="voila", description="Voila.")
    session = login(looker.api_url, client_guid="voila-tests", redirect_uri=redirect, wait=True)
    try:
        widget = page.login_widget
        assert not session.is_logged_in  # returned at once
        assert widget.status == "ready"
        assert widget.message.startswith("Voila runs every cell before it shows this page")
        follow = httpx.get(authorize_in_browser(widget.authorize_url), trust_env=False)
        assert follow.status_code == 200  # and the button's login still completes
    finally:
        session.close()


def test_a_failing_on_login_callback_does_not_make_the_widget_say_the_login_failed(
    page: Page, session: LookerSession, caplog: pytest.LogCaptureFixture
) -> None:
    def dashboard() -> None:
        raise KeyError("a bug in the dashboard's own cell")

    session.on_login.append(dashboard)
    user = session.complete_login(authorize_in_browser(page.login_widget.authorize_url))
    assert user.email == "ada@example.com"
    assert page.login_widget.status == "logged_in"
    assert "An on_login callback failed; the login to Looker succeeded." in caplog.text


@pytest.mark.parametrize(
    "code", ["login(redi", "LookerSession(redi", "LookerSession.from_cache(redi"]
)
def test_jupyter_completes_every_setting_keyword(code: str) -> None:
    """The settings are one TypedDict behind ``**options``; the signature still shows them."""
    from IPython.core.completer import IPCompleter, provisionalcompleter

    completer = IPCompleter(namespace={"login": login, "LookerSession": LookerSession})
    with provisionalcompleter():
        completions = [c.text for c in completer.completions(code, len(code))]
    assert "redirect_uri=" in completions
