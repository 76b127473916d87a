"""The fallback rung with no server extension: the kernel takes Looker's redirect on loopback.

A real HTTP listener on 127.0.0.1, the Looker stand-in's real pages, and httpx as the browser
that follows Looker's redirect to the registered loopback URI.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from support import free_port, port_is_free
from widget_page import Page

from looker_nb_auth import LookerSession, Secret, login
from looker_nb_auth.client.loopback import LoopbackReceiver, loopback_address
from looker_nb_auth.fake_looker import FakeLooker, authorize_in_browser
from looker_nb_auth.oauth.state import new_state

GUID = "loopback-tests"
TIMEOUT = 30.0  # a bound for waits on events, never reached when things work


@pytest.fixture
def redirect_uri(looker: FakeLooker, monkeypatch: pytest.MonkeyPatch) -> str:
    """A loopback redirect URI registered in Looker, and no server extension in sight."""
    monkeypatch.delenv("LOOKER_NB_AUTH_SERVER_URL", raising=False)
    monkeypatch.delenv("LOOKER_NB_AUTH_SECRET", raising=False)
    uri = f"http://127.0.0.1:{free_port()}/looker-nb-auth/callback"
    looker.register_app(GUID, uri, display_name="loopback", description="Loopback tests.")
    return uri


@pytest.fixture
def session(page: Page, looker: FakeLooker, redirect_uri: str) -> Iterator[LookerSession]:
    session = login(looker.api_url, client_guid=GUID, redirect_uri=redirect_uri)
    yield session
    session.close()


def follow(redirected: str) -> httpx.Response:
    """What the browser does with Looker's redirect."""
    with httpx.Client(trust_env=False, timeout=10.0) as browser:
        return browser.get(redirected)


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("http://127.0.0.1:8765/looker-nb-auth/cb", ("127.0.0.1", 8765, "/looker-nb-auth/cb")),
        ("http://localhost:8765/cb", ("127.0.0.1", 8765, "/cb")),
        ("http://[::1]:8765/cb", ("::1", 8765, "/cb")),
        ("http://127.0.0.2/cb", ("127.0.0.2", 80, "/cb")),
        ("http://127.0.0.1:8765", ("127.0.0.1", 8765, "/")),
        ("https://127.0.0.1:8765/cb", None),  # the kernel has no certificate to serve
        ("http://jupyter.example:8765/cb", None),
        ("http://10.0.0.1:8765/cb", None),
        ("http://127.0.0.1:8765/cb?tenant=a", None),
        ("http://127.0.0.1:99999/cb", None),
    ],
)  # fmt: skip
def test_which_redirect_uris_the_kernel_can_listen_on(
    uri: str, expected: tuple[str, int, str] | None
) -> None:
    assert loopback_address(uri) == expected


def test_login_completes_through_the_kernel_s_own_listener(
    page: Page, session: LookerSession, redirect_uri: str
) -> None:
    """Non-blocking ``login()``: the button, Looker's pages, the redirect to the loopback URI;
    the kernel's background thread redeems the code; the port is let go afterwards."""
    widget = page.login_widget
    assert widget.status == "ready"
    assert widget.message == ""  # nothing to paste: the kernel listens
    port = urlsplit(redirect_uri).port
    assert port is not None and not port_is_free(port)
    logged_in = threading.Event()
    session.on_login.append(logged_in.set)

    page = follow(authorize_in_browser(widget.authorize_url))

    assert page.status_code == 200
    assert "You are logged in to Looker" in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "script-src 'nonce-" in page.headers["Content-Security-Policy"]
    assert logged_in.wait(TIMEOUT)
    assert session.user.email == "ada@example.com"
    assert widget.status == "logged_in"
    # The listener stopped when the answer was taken: the port is free again for others.
    assert port_is_free(port)


def test_a_blocking_wait_returns_when_the_browser_arrives(
    looker: FakeLooker, redirect_uri: str
) -> None:
    """``wait=True``'s path: the cell blocks on the listener until the redirect arrives."""
    receiver = LoopbackReceiver(redirect_uri)
    state = new_state()
    receiver.register(state)
    arrived: list[httpx.Response] = []
    browser = threading.Thread(
        target=lambda: arrived.append(follow(f"{redirect_uri}?code=the-code&state={state}"))
    )
    browser.start()
    result = receiver.wait(state, timeout=TIMEOUT)
    browser.join(TIMEOUT)
    assert result is not None and result.code == Secret("the-code") and result.state == state
    assert arrived[0].status_code == 200
    assert port_is_free(urlsplit(redirect_uri).port or 80)


@pytest.fixture
def receiver(redirect_uri: str) -> Iterator[LoopbackReceiver]:
    receiver = LoopbackReceiver(redirect_uri)
    yield receiver
    receiver.close()


@pytest.mark.parametrize(
    ("path", "query", "status", "says"),
    [
        ("/callback", "code=c&state={other}", 400, "This login link is unknown or has expired"),
        ("/other", "code=c&state={state}", 404, "This page is not a Looker login callback"),
        ("/callback", "code=a&code=b&state={state}", 400, "repeats a parameter"),
        ("/callback", "code=%ff&state={state}", 400, "not valid UTF-8"),
        ("/callback", "error=access_denied&error_description=No.&state={state}", 200,
         "You did not allow access in Looker"),
    ],
)  # fmt: skip
def test_the_listener_answers_each_kind_of_request_with_its_page(
    receiver: LoopbackReceiver, redirect_uri: str, path: str, query: str, status: int, says: str
) -> None:
    state = new_state()
    receiver.register(state)
    url = redirect_uri.replace("/callback", path)
    page = follow(f"{url}?{query.format(state=state, other=new_state())}")
    assert (page.status_code, says in page.text) == (status, True)


def test_a_denied_login_reaches_the_kernel_once(
    receiver: LoopbackReceiver, redirect_uri: str
) -> None:
    state = new_state()
    receiver.register(state)
    denied = follow(f"{redirect_uri}?error=access_denied&error_description=No.&state={state}")
    assert denied.status_code == 200
    again = follow(f"{redirect_uri}?code=c&state={state}")
    assert again.status_code == 400
    assert "already been used" in again.text
    result = receiver.wait(state, timeout=TIMEOUT)
    assert result is not None and result.error == "access_denied" and result.code is None


class _ParkingCondition(threading.Condition):
    """The receiver's condition, telling the test when a waiter has parked on it."""

    def __init__(self) -> None:
        super().__init__()
        self.parked = threading.Event()

    def wait(self, timeout: float | None = None) -> bool:
        self.parked.set()  # still holding the lock: forget() gets it only once wait releases it
        return super().wait(timeout)


def test_forget_wakes_a_waiting_login_with_cancelled(
    receiver: LoopbackReceiver, redirect_uri: str
) -> None:
    receiver._changed = condition = _ParkingCondition()
    state = new_state()
    receiver.register(state)
    results: list[object] = []
    waiting = threading.Thread(target=lambda: results.append(receiver.wait(state, timeout=TIMEOUT)))
    waiting.start()
    assert condition.parked.wait(TIMEOUT)
    receiver.forget(state)
    waiting.join(TIMEOUT)
    (result,) = results
    assert getattr(result, "error", None) == "cancelled"
    assert port_is_free(urlsplit(redirect_uri).port or 80)


def test_a_taken_port_falls_back_to_the_pasted_address(
    page: Page, looker: FakeLooker, redirect_uri: str
) -> None:
    port = urlsplit(redirect_uri).port
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port or 80))
        taken.listen()
        session = login(looker.api_url, client_guid=GUID, redirect_uri=redirect_uri)
        widget = page.login_widget
        assert widget.status == "ready"
        assert widget.message == (
            f"This kernel cannot listen on 127.0.0.1:{port}, where the redirect URI points "
            "(Address already in use, and not by a looker-nb-auth login of this user), so after "
            "Allow copy the popup's address and run session.complete_login('<that address>')."
        )  # one sentence, and no Try again button it could mean
        assert widget.quiet_after == 0  # nothing comes back by itself: no "no answer" causes
        # ...and the pasted address still logs in.
        redirected = authorize_in_browser(widget.authorize_url)
        assert session.complete_login(redirected).email == "ada@example.com"
        session.close()


def test_the_code_is_never_logged(
    page: Page,
    session: LookerSession,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    widget = page.login_widget
    logged_in = threading.Event()
    session.on_login.append(logged_in.set)
    redirected = authorize_in_browser(widget.authorize_url)
    follow(redirected)
    assert logged_in.wait(TIMEOUT)
    code = parse_qs(urlsplit(redirected).query)["code"][0]
    out, err = capfd.readouterr()
    assert code not in out + err + caplog.text


def test_only_the_redirect_uri_s_own_host_is_answered(
    receiver: LoopbackReceiver, redirect_uri: str
) -> None:
    """DNS rebinding: a page at attacker.example resolved to 127.0.0.1 sends its own Host."""
    state = new_state()
    receiver.register(state)
    port = urlsplit(redirect_uri).port
    with httpx.Client(trust_env=False, timeout=10.0) as browser:
        rebound = browser.get(
            f"{redirect_uri}?code=c&state={state}", headers={"Host": f"attacker.example:{port}"}
        )
    assert rebound.status_code == 421
    assert receiver.wait(state, timeout=0) is None  # nothing was taken for the login
    assert follow(f"{redirect_uri}?code=c&state={state}").status_code == 200  # its own Host


def test_idle_connections_are_dropped_when_the_login_ends(
    receiver: LoopbackReceiver, redirect_uri: str
) -> None:
    state = new_state()
    receiver.register(state)
    port = urlsplit(redirect_uri).port or 80
    idle = [socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) for _ in range(20)]
    try:
        # One real request, served after the idle ones: they all have their threads by now.
        assert follow(f"{redirect_uri}?code=c&state={state}").status_code == 200
        handlers = [t for t in threading.enumerate() if "process_request" in t.name]
        assert len(handlers) >= 20
        assert receiver.wait(state, timeout=TIMEOUT) is not None  # the login ends: port let go
        for connection in idle:
            assert connection.recv(1) == b""  # closed by the listener, not left hanging
        for handler in handlers:
            handler.join(TIMEOUT)
            assert not handler.is_alive()
        assert port_is_free(port)
    finally:
        for connection in idle:
            connection.close()


def test_a_pasted_address_also_ends_the_listener(
    page: Page, session: LookerSession, redirect_uri: str
) -> None:
    """The browser could not reach the port (a remote kernel): the user pastes the address; the
    listener and its waiting thread must not stay behind."""
    widget = page.login_widget
    port = urlsplit(redirect_uri).port
    assert port is not None and not port_is_free(port)
    waiting = [t for t in threading.enumerate() if t.name == "looker-nb-auth-pickup"]
    assert waiting  # the background pickup, parked on the listener
    session.complete_login(authorize_in_browser(widget.authorize_url))
    assert widget.status == "logged_in"
    for thread in waiting:
        thread.join(TIMEOUT)  # woken at once: it does not wait out the login's 10 minutes
        assert not thread.is_alive()
    assert port_is_free(port)
    assert widget.status == "logged_in"  # the woken pickup changed nothing
