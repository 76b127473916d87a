"""``session.sdk`` runs on ``session.client``: one pool, one refresh, 401 -> refresh -> retry.

Against the Looker stand-in over loopback. The stand-in has no binary result format, so the one
binary test serves a PNG from a few lines of ``http.server``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from looker_sdk import error
from support import ADA, CLIENT_GUID, REDIRECT_URI, access_token

from looker_nb_auth import (
    LoginRequired,
    LookerAuthError,
    LookerSession,
    LookerUnreachable,
    Secret,
)
from looker_nb_auth.fake_looker import FakeLooker, ManualClock
from looker_nb_auth.oauth.token import Token


def _seen_by_client(session: LookerSession) -> list[httpx.Request]:
    """Every request ``session.client`` sends from now on (httpx's own event hook)."""
    seen: list[httpx.Request] = []
    session.client.event_hooks = {"request": [seen.append]}
    return seen


# -- refresh and the shared client ---------------------------------------------------------------


def test_sdk_calls_on_a_token_looker_ended_early_refresh_once_and_succeed(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    sdk = logged_in.sdk
    looker.expire_access_tokens()  # 401 for the token the client still thinks is fresh
    emails = [sdk.me().email for _ in range(10)]
    assert emails == [ADA] * 10
    assert looker.token_requests["refresh_token"] == 1


def test_sdk_requests_go_through_session_client_with_its_token(
    logged_in: LookerSession,
) -> None:
    sdk = logged_in.sdk
    seen = _seen_by_client(logged_in)
    sdk.me()
    (request,) = seen
    assert request.url == f"{logged_in.settings.base_url}/api/4.0/user"
    assert request.headers.get_list("Authorization") == [f"Bearer {access_token(logged_in)}"]


def test_concurrent_sdk_and_client_calls_on_an_ended_token_share_one_refresh(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    sdk, client = logged_in.sdk, logged_in.client
    looker.expire_access_tokens()
    barrier = threading.Barrier(8)
    emails: list[str | None] = []
    failures: list[BaseException] = []

    def call(use_sdk: bool) -> None:
        barrier.wait()
        try:
            emails.append(sdk.me().email if use_sdk else client.get("user").json()["email"])
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=call, args=(i % 2 == 0,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert emails == [ADA] * 8
    assert looker.token_requests["refresh_token"] == 1


def test_sdk_keeps_working_after_the_session_closes_its_clients(
    logged_in: LookerSession,
) -> None:
    sdk = logged_in.sdk
    assert sdk.me().email == ADA
    logged_in.close()
    assert sdk.me().email == ADA  # on the client the session opens again


# -- transport options and results --------------------------------------------------------------


def test_transport_options_set_the_timeout_and_add_headers(logged_in: LookerSession) -> None:
    sdk = logged_in.sdk
    seen = _seen_by_client(logged_in)
    sdk.me(transport_options={"timeout": 7, "headers": {"X-Trace": "cell-3"}})
    sdk.me()
    first, second = seen
    assert first.headers["X-Trace"] == "cell-3"
    assert first.extensions["timeout"] == httpx.Timeout(7).as_dict()
    assert "X-Trace" not in second.headers
    assert second.extensions["timeout"] == httpx.Timeout(logged_in.settings.timeout).as_dict()


def test_text_results_come_back_as_str(logged_in: LookerSession) -> None:
    csv = logged_in.sdk.run_look("1", result_format="csv")
    assert isinstance(csv, str)
    assert csv.splitlines()[0] == "Orders Region,Orders Count,Orders Total Sale Price"


PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
ACCESS = "binary-test-access-token"


class _PngApi(BaseHTTPRequestHandler):
    """Answers any GET carrying ``ACCESS`` with ``PNG`` as ``image/png``, as Looker renders."""

    def do_GET(self) -> None:
        ok = self.headers.get("Authorization") == f"Bearer {ACCESS}"
        body = PNG if ok else b'{"message": "Requires authentication."}'
        self.send_response(200 if ok else 401)
        self.send_header("Content-Type", "image/png" if ok else "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def png_session() -> Iterator[LookerSession]:
    """A session holding ``ACCESS`` for a server that renders PNGs."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PngApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with LookerSession(
            base_url=base_url, client_guid=CLIENT_GUID, redirect_uri=REDIRECT_URI
        ) as session:
            session._tokens.set(Token(Secret(ACCESS), None, 3600.0, time.time()))
            yield session
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_binary_results_come_back_as_bytes(png_session: LookerSession) -> None:
    assert png_session.sdk.run_look("1", result_format="png") == PNG


# -- errors -------------------------------------------------------------------------------------


def test_an_api_error_still_raises_sdk_error(logged_in: LookerSession) -> None:
    with pytest.raises(error.SDKError) as info:
        logged_in.sdk.look("999999")
    assert not isinstance(info.value, LookerAuthError)
    assert info.value.message == "Not found"


def test_a_dropped_connection_raises_looker_unreachable(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    sdk = logged_in.sdk
    looker.drop_next(1)
    with pytest.raises(LookerUnreachable, match=logged_in.settings.base_url):
        sdk.me()
    assert sdk.me().email == ADA


def test_a_stopped_looker_raises_looker_unreachable(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    sdk = logged_in.sdk
    looker.stop()
    with pytest.raises(LookerUnreachable, match=logged_in.settings.base_url) as info:
        sdk.me()
    assert isinstance(info.value.__cause__, httpx.TransportError)


def test_a_refused_refresh_raises_login_required_from_the_sdk(
    logged_in: LookerSession, looker: FakeLooker, clock: ManualClock
) -> None:
    sdk = logged_in.sdk
    looker.revoke_user_tokens(logged_in.user.id)
    clock.advance(3600)
    with pytest.raises(LoginRequired, match="Looker refused to renew the login"):
        sdk.me()
    assert not logged_in.is_logged_in


# -- the login belongs to the session -----------------------------------------------------------


def test_leaving_a_with_block_keeps_the_login(logged_in: LookerSession, looker: FakeLooker) -> None:
    with logged_in.sdk as sdk:
        assert sdk.me().email == ADA
    assert logged_in.is_logged_in
    assert ("DELETE", "/api/logout") not in looker.requests
    assert logged_in.sdk.me().email == ADA


def test_an_explicit_sdk_logout_ends_the_session(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    logged_in.sdk.auth.logout()
    assert not logged_in.is_logged_in
    assert ("DELETE", "/api/logout") in looker.requests


def test_sdk_auth_holds_no_copy_of_the_token(logged_in: LookerSession) -> None:
    auth = logged_in.sdk.auth
    logged_in.sdk.me()
    assert auth.is_authenticated
    assert auth.token.access_token == ""
    assert auth.authenticate({}) == {}  # the client's LookerAuth adds the one bearer header


def test_sudo_is_refused_rather_than_ignored(logged_in: LookerSession, looker: FakeLooker) -> None:
    with pytest.raises(error.SDKError, match="cannot sudo"):
        logged_in.sdk.auth.login_user(2)
    assert looker.requests == []
