"""A kernel on a JupyterHub with the looker-nb-auth hub service: its sessions get access tokens
from the REAL service (``looker-nb-auth hub-service``, the managed service ``looker`` of a real
JupyterHub, on the Looker stand-in), with a hub user's token as their server's kernels have.

One hub per module (``hub/service_hub.py``); each test uses hub users of its own, since the
service's logins are per hub user and outlive a test.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import threading
from collections.abc import Iterator

import httpx
import pytest
from e2e.helpers import free_port
from hub.service_hub import SERVICE_SCOPE, ServiceHub, service_hub
from widget_page import Page

from looker_nb_auth import LookerSession, login
from looker_nb_auth._errors import (
    ConfigurationError,
    LoginRequired,
    LookerUnreachable,
    QueryTimeout,
)
from looker_nb_auth.client.hub_session import HubSession
from looker_nb_auth.client.hub_tokens import API_TOKEN_ENV, SERVICE_URL_ENV
from looker_nb_auth.fake_looker import ManualClock
from looker_nb_auth.notebook.hub_login import HubController
from looker_nb_auth.oauth.token import Token

ADA = "ada@example.com"
GRACE = "grace@example.com"
BY_REGION = {
    "model": "demo",
    "view": "orders",
    "fields": ["orders.region", "orders.count"],
    "sorts": ["orders.region"],
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceHub]:
    with service_hub(tmp_path_factory.mktemp("hub-service")) as running:
        yield running


@pytest.fixture
def session(stack: ServiceHub, monkeypatch: pytest.MonkeyPatch) -> Iterator[HubSession]:
    """A session in a kernel of Ada's server, logged in to Looker through the service (here in
    place of conftest's session on the stand-in alone)."""
    as_kernel_of(monkeypatch, stack, "ada", email=ADA)
    with LookerSession.from_hub() as session:
        assert isinstance(session, HubSession)
        yield session


def as_kernel_of(
    monkeypatch: pytest.MonkeyPatch, stack: ServiceHub, user: str, *, email: str | None = None
) -> str:
    """This process becomes a kernel of ``user``'s server (logged in to Looker as ``email``
    through the service first, if given); returns the server's token."""
    if email is not None:
        stack.log_in(user, email)
    token = stack.user_token(user, scopes=(SERVICE_SCOPE,))  # as the server's token has
    for name in [n for n in os.environ if n.startswith("LOOKERSDK_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv(SERVICE_URL_ENV, stack.service_url)
    monkeypatch.setenv(API_TOKEN_ENV, token)
    return token


def in_a_notebook(monkeypatch: pytest.MonkeyPatch) -> None:
    """A notebook front end draws the widget (``display`` is the fake page's)."""
    from looker_nb_auth.notebook import controller as controller_module

    monkeypatch.setattr(controller_module, "_front_end", lambda: True)
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: None)


def login_in_a_notebook(
    monkeypatch: pytest.MonkeyPatch, stack: ServiceHub, user: str, *, email: str | None = None
) -> HubSession:
    """``login()`` run in a notebook, in a kernel of ``user``'s server (``as_kernel_of``)."""
    as_kernel_of(monkeypatch, stack, user, email=email)
    in_a_notebook(monkeypatch)
    session = login()
    assert isinstance(session, HubSession)
    return session


def count_service_calls(session: LookerSession) -> list[str]:
    """Every request the session sends to the service, as ``METHOD path``."""
    assert isinstance(session, HubSession)
    calls: list[str] = []
    session.hub.http.event_hooks["request"].append(
        lambda request: calls.append(f"{request.method} {request.url.path}")
    )
    return calls


def on_a_manual_clock(session: LookerSession) -> tuple[ManualClock, Token]:
    """The session's token, obtained "now" on a manual clock the test advances by hand."""
    clock = ManualClock()
    session._tokens.clock = clock.now
    session._tokens.set(session._tokens.token)
    token = session._tokens.token
    assert token is not None
    return clock, token


def hub_controller(session: HubSession) -> HubController:
    """The controller ``login()`` keeps for this hub session's widget."""
    from looker_nb_auth.notebook import login as login_module

    controller = login_module._CONTROLLERS[("hub", session.hub.service_url)]
    assert isinstance(controller, HubController)
    return controller


async def async_email(session: LookerSession) -> str:
    """The user's email, asked through the session's async client (closed afterwards)."""
    response = await session.async_client.get("user")
    await session.aclose()
    return str(response.json()["email"])


# -- logged in, or where to log in ------------------------------------------------------------


def test_a_kernel_is_logged_in_at_once_when_the_service_holds_the_users_login(
    stack: ServiceHub, session: HubSession
) -> None:
    assert session.is_logged_in
    assert session.user.email == ADA
    # No Looker settings in the kernel: the service's answer says which Looker.
    assert session.settings.base_url == stack.looker.api_url
    assert session.settings.sources["base_url"].startswith("the hub service")
    assert session.looker_url == stack.looker.web_url
    assert session.client.get("user").json()["email"] == ADA


def test_a_user_without_a_login_gets_login_required_with_the_services_login_page(
    stack: ServiceHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_kernel_of(monkeypatch, stack, "nobody")
    with pytest.raises(LoginRequired) as raised:
        LookerSession.from_hub()
    login_url = raised.value.login_url
    assert login_url is not None and login_url.endswith("/services/looker/login")
    assert login_url in str(raised.value)


def test_another_users_kernel_gets_nothing_of_a_login(
    stack: ServiceHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack.log_in("ada2", ADA)
    as_kernel_of(monkeypatch, stack, "grace2")
    with pytest.raises(LoginRequired):
        LookerSession.from_hub()


def test_a_token_without_the_services_scope_is_a_configuration_error_for_the_admin(
    stack: ServiceHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_kernel_of(monkeypatch, stack, "ada", email=ADA)
    monkeypatch.setenv(API_TOKEN_ENV, stack.user_token("ada", scopes=("read:users!user",)))
    with pytest.raises(ConfigurationError, match=r"access:services!service=looker"):
        LookerSession.from_hub()


def test_the_service_down_is_looker_unreachable_naming_the_service(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = f"http://127.0.0.1:{free_port()}/services/looker/"
    monkeypatch.setenv(SERVICE_URL_ENV, url)
    monkeypatch.setenv(API_TOKEN_ENV, "a-token-of-a-server")
    with pytest.raises(LookerUnreachable) as raised:
        LookerSession.from_hub()
    assert str(raised.value).startswith(f"The connection to the hub's Looker service at {url}")
    assert "a-token-of-a-server" not in str(raised.value)


def test_not_on_such_a_hub_from_hub_says_what_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(SERVICE_URL_ENV, raising=False)
    monkeypatch.delenv(API_TOKEN_ENV, raising=False)
    with pytest.raises(ConfigurationError, match=SERVICE_URL_ENV):
        LookerSession.from_hub()


# -- renewal ---------------------------------------------------------------------------------


def test_twenty_threads_on_an_expired_token_cost_one_call_to_the_service(
    session: HubSession,
) -> None:
    clock, token = on_a_manual_clock(session)
    calls = count_service_calls(session)
    clock.advance(token.expires_in + 1)  # expired here (the service's is still valid)
    start = threading.Barrier(20)
    answers: list[int] = []

    def call() -> None:
        start.wait()
        answers.append(session.client.get("user").status_code)

    threads = [threading.Thread(target=call) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [200] * 20
    assert calls == ["GET /jhub/services/looker/api/token"]


def test_a_token_due_for_renewal_is_renewed_from_the_service_before_it_expires(
    session: HubSession,
) -> None:
    clock, token = on_a_manual_clock(session)
    calls = count_service_calls(session)
    clock.advance(token.refresh_at - token.obtained_at + 1)  # due, still valid
    assert session.client.get("user").status_code == 200  # with the token it has
    session._tokens.settle()  # the renewal ran beside the call
    assert calls == ["GET /jhub/services/looker/api/token"]
    renewed = session._tokens.token
    assert renewed is not None and renewed.obtained_at == clock.now()


# -- no refresh token in a kernel --------------------------------------------------------------


def test_no_refresh_token_ever_reaches_the_kernel(
    stack: ServiceHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    server_token = as_kernel_of(monkeypatch, stack, "ada", email=ADA)
    answer = httpx.get(
        f"{stack.service_url}api/token",
        headers={"Authorization": f"token {server_token}"},
        trust_env=False,
    )
    body = answer.json()
    assert "refresh_token" not in body
    assert answer.headers["cache-control"] == "no-store"
    with LookerSession.from_hub() as session:
        assert isinstance(session, HubSession)
        token = session._tokens.token
        assert token is not None and token.refresh_token is None
        for text in (repr(session), repr(token), repr(session.hub), str(vars(session))):
            assert body["access_token"] not in text
            assert server_token not in text


# -- the API through the hub's login -----------------------------------------------------------


def test_sdk_and_run_query_work_on_the_services_login(session: HubSession) -> None:
    pytest.importorskip("looker_sdk")
    assert session.sdk.me().email == ADA
    frame = session.run_query(BY_REGION)
    assert list(frame.columns) == ["orders.region", "orders.count"]
    assert len(frame) > 0


# -- logout ----------------------------------------------------------------------------------


def test_logout_ends_the_login_at_the_service_for_every_kernel(
    stack: ServiceHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_kernel_of(monkeypatch, stack, "linus", email=GRACE)
    with LookerSession.from_hub() as first, LookerSession.from_hub() as second:
        calls = count_service_calls(first)
        first.logout()
        assert calls == ["POST /jhub/services/looker/api/logout"]
        assert not first.is_logged_in
        # The other kernel's token was revoked at Looker: its next call renews, and is told.
        with pytest.raises(LoginRequired) as raised:
            second.client.get("user")
        assert raised.value.login_url is not None
        assert not second.is_logged_in
        with pytest.raises(LoginRequired) as again:  # this kernel's next call, in a script
            first.client.get("user")
        assert str(again.value).startswith("Logged out of Looker on this hub; log in again at")
        assert again.value.login_url is not None and again.value.login_url in str(again.value)
    with pytest.raises(LoginRequired):
        LookerSession.from_hub()


# -- login() in a notebook ---------------------------------------------------------------------


def test_login_shows_the_services_login_page_and_is_logged_in_once_the_user_logs_in(
    stack: ServiceHub, monkeypatch: pytest.MonkeyPatch, page: Page
) -> None:
    session = login_in_a_notebook(monkeypatch, stack, "barbara")
    widget = page.login_widget
    assert widget.status == "ready"
    assert widget.authorize_url == session.login_url
    logged_in = threading.Event()
    session.on_login.append(logged_in.set)
    controller = hub_controller(session)
    controller.poll = 0.05
    widget.send({"event": "opened", "state": "", "blocked": False})  # the click
    assert widget.status == "waiting"
    stack.log_in("barbara", GRACE)  # in the popup: the service's pages, Looker's
    assert logged_in.wait(30)
    assert widget.status == "logged_in"
    assert session.user.email == GRACE


def test_login_with_settings_of_its_own_logs_in_by_itself_on_the_hub(
    stack: ServiceHub, monkeypatch: pytest.MonkeyPatch, page: Page
) -> None:
    """A notebook that names its own Looker app logs in with it, as off the hub: the service's
    environment decides only for a login() that names none."""
    as_kernel_of(monkeypatch, stack, "dorothy")
    in_a_notebook(monkeypatch)
    redirect = f"http://127.0.0.1:{free_port()}/looker-nb-auth/callback"
    stack.looker.register_app("own-app", redirect, display_name="own", description="Own app.")
    session = login(stack.looker.api_url, client_guid="own-app", redirect_uri=redirect)
    try:
        assert not isinstance(session, HubSession)
        assert session.settings.client_guid == "own-app"
        assert page.login_widget.authorize_url.startswith(stack.looker.web_url)
    finally:
        session.close()


def test_a_new_login_in_another_kernel_is_logged_in_at_once(
    stack: ServiceHub, monkeypatch: pytest.MonkeyPatch, page: Page
) -> None:
    session = login_in_a_notebook(monkeypatch, stack, "edsger", email=ADA)
    widget = page.login_widget
    assert session.is_logged_in
    assert widget.status == "logged_in"
    assert "Ada Lovelace" in widget.message
    token = session._tokens.token
    assert token is not None
    assert token.access_token.reveal() not in json.dumps(widget.state)


def test_cancel_stops_the_wait_and_offers_the_button_again(
    stack: ServiceHub, monkeypatch: pytest.MonkeyPatch, page: Page
) -> None:
    session = login_in_a_notebook(monkeypatch, stack, "alan")
    widget = page.login_widget
    calls = count_service_calls(session)
    widget.send({"event": "opened", "state": "", "blocked": False})
    assert widget.status == "waiting"
    widget.send({"event": "cancel", "state": ""})
    assert widget.status == "ready"
    assert widget.authorize_url == session.login_url
    asked = len(calls)
    controller = hub_controller(session)
    assert controller._stop is None  # no wait left running
    assert len(calls) == asked


def test_an_admin_ending_the_login_logs_the_users_kernels_out_with_the_sentence(
    stack: ServiceHub, monkeypatch: pytest.MonkeyPatch, page: Page
) -> None:
    session = login_in_a_notebook(monkeypatch, stack, "ken", email=ADA)
    widget = page.login_widget
    assert widget.status == "logged_in"
    with stack.hub.api() as api:  # the tests service holds admin:users
        ended = api.delete(f"{stack.public_service_url}api/admin/logins/ken")
        assert ended.status_code == 200, ended.text
    with pytest.raises(LoginRequired) as raised:
        session.client.get("user")  # Looker refuses the revoked token; the service says why
    assert raised.value.login_url is not None
    assert widget.status == "logged_out"
    assert widget.authorize_url == raised.value.login_url


def test_a_token_looker_refused_is_renewed_by_the_service_and_the_call_succeeds(
    stack: ServiceHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_kernel_of(monkeypatch, stack, "refused1", email=ADA)
    with LookerSession.from_hub() as session:
        before = session.client.get("user").request.headers["Authorization"]
        calls = count_service_calls(session)
        stack.looker.expire_access_tokens()  # Looker's token store restarted: refresh tokens live
        stack.looker.reset_counters()
        assert session.client.get("user").json()["email"] == ADA
        assert stack.looker.token_requests["refresh_token"] == 1  # the service renewed it
        assert calls == ["GET /jhub/services/looker/api/token"]
        assert session.client.get("user").request.headers["Authorization"] != before
    # Any kernel asking later is handed the new token, with no other refresh.
    with LookerSession.from_hub() as other:
        assert other.client.get("user").json()["email"] == ADA
    assert stack.looker.token_requests["refresh_token"] == 1


def test_a_login_revoked_at_looker_is_login_required_with_the_services_sentence(
    stack: ServiceHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_kernel_of(monkeypatch, stack, "refused2", email=GRACE)
    with LookerSession.from_hub() as session:
        token = session.client.get("user").request.headers["Authorization"]
        ended = httpx.delete(  # Looker's own logout: the access token and its refresh token
            f"{stack.looker.api_url.split('/api/')[0]}/api/logout",
            headers={"Authorization": token},
        )
        assert ended.status_code == 204, ended.text
        with pytest.raises(LoginRequired) as raised:
            session.client.get("user")
    assert str(raised.value).startswith("Looker refused to renew your login on this hub")
    assert raised.value.login_url is not None and raised.value.login_url in str(raised.value)
    with pytest.raises(LoginRequired):  # the service forgot the login
        LookerSession.from_hub()


def test_the_async_client_renews_from_the_service_too(session: HubSession) -> None:
    clock, token = on_a_manual_clock(session)
    calls = count_service_calls(session)
    clock.advance(token.expires_in + 1)
    assert asyncio.run(async_email(session)) == ADA
    assert calls == ["GET /jhub/services/looker/api/token"]


def test_the_async_client_recovers_from_a_token_looker_refused_too(
    stack: ServiceHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_kernel_of(monkeypatch, stack, "refused3", email=ADA)
    with LookerSession.from_hub() as session:
        calls = count_service_calls(session)
        stack.looker.expire_access_tokens()
        stack.looker.reset_counters()
        assert asyncio.run(async_email(session)) == ADA
        assert calls == ["GET /jhub/services/looker/api/token"]
        assert stack.looker.token_requests["refresh_token"] == 1


def test_with_the_service_down_a_valid_token_is_used_until_it_expires(session: HubSession) -> None:
    clock, token = on_a_manual_clock(session)
    down = f"http://127.0.0.1:{free_port()}/jhub/services/looker/"
    session.hub.service_url = down
    clock.advance(token.refresh_at - token.obtained_at + 1)  # due, still valid
    assert session.client.get("user").status_code == 200
    session._tokens.settle()  # the renewal beside it failed: the token is kept
    assert session._tokens.token is token
    clock.advance(token.expires_in)  # expired now
    with pytest.raises(LookerUnreachable, match=r"hub's Looker service at http://127"):
        session.client.get("user")
    assert session.is_logged_in  # the service could not say: the login is not over


def test_login_in_a_script_on_the_hub_says_where_to_log_in(
    stack: ServiceHub, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    as_kernel_of(monkeypatch, stack, "joan")
    session = login()
    assert not session.is_logged_in
    assert isinstance(session, HubSession)
    printed = capsys.readouterr().out
    assert f"Log in to Looker on this hub: {session.login_url}" in printed
    with pytest.raises(LoginRequired) as raised:  # the service's sentence, and where
        session.client.get("user")
    said = str(raised.value)
    assert said.startswith("You are not logged in to Looker on this hub")
    assert said.endswith(f": {session.login_url}")
    stack.log_in("joan", GRACE)
    assert session.client.get("user").json()["email"] == GRACE  # the next call finds it
    assert session.is_logged_in


def test_a_query_deadline_ends_the_wait_for_a_silent_service(
    stack: ServiceHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The service accepts the connection and never answers: the query's ``timeout=`` ends the
    wait (``QueryTimeout``), not the session's longer HTTP timeout (``LookerUnreachable``)."""
    as_kernel_of(monkeypatch, stack, "ada", email=ADA)
    with (
        socket.create_server(("127.0.0.1", 0)) as silent,  # listens, never accepts
        LookerSession.from_hub(timeout=5) as session,
    ):
        assert isinstance(session, HubSession)
        clock, token = on_a_manual_clock(session)
        port = silent.getsockname()[1]
        session.hub.service_url = f"http://127.0.0.1:{port}/jhub/services/looker/"
        clock.advance(token.expires_in + 1)
        with pytest.raises(QueryTimeout):
            session.run_query(BY_REGION, timeout=0.5)
