"""LookerSession against the Looker stand-in over real HTTP on loopback."""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path

import httpx
import pytest
from support import ADA, CLIENT_GUID, GRACE, REDIRECT_URI, access_token, log_in, make_session

from looker_nb_auth import (
    AccessDenied,
    FileCache,
    LoginRequired,
    LookerAuthError,
    LookerServerError,
    LookerSession,
    LookerUnreachable,
    RevokeFailed,
    Secret,
    StateMismatch,
)
from looker_nb_auth.fake_looker import FakeLooker, ManualClock, authorize_in_browser


def _bearer_status(looker: FakeLooker, access_token: str) -> int:
    headers = {"Authorization": f"Bearer {access_token}"}
    return httpx.get(f"{looker.api_url}/api/4.0/user", headers=headers).status_code


# -- the code flow ------------------------------------------------------------------------------


def test_full_code_flow_logs_in_and_fetches_the_user(
    session: LookerSession, looker: FakeLooker
) -> None:
    user = log_in(session, GRACE)
    assert (user.display_name, user.email) == ("Grace Hopper", GRACE)
    assert session.user == user and session.is_logged_in
    assert looker.token_requests["authorization_code"] == 1
    assert session.client.get("user").json()["email"] == GRACE


def test_looker_url_is_discovered_from_versions_on_a_split_host_instance(
    clock: ManualClock,
) -> None:
    with FakeLooker(clock=clock.now).start(ui_port=0) as looker:
        looker.register_app(CLIENT_GUID, REDIRECT_URI)
        assert looker.web_url != looker.api_url
        with make_session(looker, clock) as session:
            assert session.looker_url == looker.web_url
            assert session.start_login().url.startswith(f"{looker.web_url}/auth?")
            assert log_in(session).email == ADA


def test_deny_on_the_consent_page_raises_access_denied_with_lookers_words(
    session: LookerSession,
) -> None:
    with pytest.raises(AccessDenied, match="denied") as info:
        log_in(session, approve=False)
    assert info.value.error == "access_denied"
    assert not session.is_logged_in


def test_callback_for_an_unknown_state_is_refused(session: LookerSession) -> None:
    session.start_login()
    with pytest.raises(StateMismatch, match="start the login again"):
        session.complete_login({"code": "whatever", "state": "not-ours"})


def test_callback_is_single_use(session: LookerSession) -> None:
    redirected = authorize_in_browser(session.start_login().url)
    session.complete_login(redirected)
    with pytest.raises(StateMismatch):
        session.complete_login(redirected)


def test_expired_code_is_refused_as_invalid_grant(
    session: LookerSession, clock: ManualClock
) -> None:
    redirected = authorize_in_browser(session.start_login().url)
    clock.advance(61)
    with pytest.raises(LookerAuthError, match="expired") as info:
        session.complete_login(redirected)
    assert info.value.error == "invalid_grant"
    assert not session.is_logged_in


def test_client_before_login_raises_login_required(session: LookerSession) -> None:
    with pytest.raises(LoginRequired, match="log in"):
        session.client.get("user")


# -- refresh ------------------------------------------------------------------------------------


def test_expiring_token_is_refreshed_before_the_request(
    logged_in: LookerSession, looker: FakeLooker, clock: ManualClock
) -> None:
    old = access_token(logged_in)
    clock.advance(3600 - 59)  # inside the 60 s leeway
    assert logged_in.client.get("user").status_code == 200
    logged_in._tokens.settle()  # the token still worked: the refresh ran beside the request
    assert looker.token_requests["refresh_token"] == 1
    assert access_token(logged_in) != old


def test_401_refreshes_once_and_retries_once(logged_in: LookerSession, looker: FakeLooker) -> None:
    looker.expire_access_tokens()
    response = logged_in.client.get("user")
    assert response.status_code == 200
    assert looker.token_requests["refresh_token"] == 1
    assert [r.status_code for r in response.history] == [401]


def test_rotated_refresh_token_replaces_the_old_one(
    logged_in: LookerSession, looker: FakeLooker, clock: ManualClock
) -> None:
    first = logged_in._tokens.token
    assert first is not None
    for _ in range(3):
        clock.advance(3600)
        assert logged_in.client.get("user").status_code == 200
    second = logged_in._tokens.token
    assert second is not None and second.refresh_token != first.refresh_token
    assert looker.token_requests["refresh_token"] == 3


def test_refresh_response_without_refresh_token_keeps_the_old_one(
    logged_in: LookerSession, looker: FakeLooker, clock: ManualClock
) -> None:
    looker.config.omit_refresh_token = True
    before = logged_in._tokens.token
    for _ in range(2):
        clock.advance(3600)
        assert logged_in.client.get("user").status_code == 200
    after = logged_in._tokens.token
    assert before is not None and after is not None
    assert after.refresh_token == before.refresh_token
    assert looker.token_requests["refresh_token"] == 2


def test_refused_refresh_raises_login_required_and_logs_out(
    logged_in: LookerSession, looker: FakeLooker, clock: ManualClock
) -> None:
    looker.revoke_user_tokens(logged_in.user.id)
    clock.advance(3600)
    with pytest.raises(LoginRequired, match="log in to Looker again"):
        logged_in.client.get("user")
    assert not logged_in.is_logged_in


def test_200_threads_and_200_tasks_on_an_expired_token_cause_one_refresh(
    logged_in: LookerSession, looker: FakeLooker, clock: ManualClock
) -> None:
    clock.advance(3600)
    client, async_client = logged_in.client, logged_in.async_client
    barrier = threading.Barrier(201)
    statuses: list[int] = []

    def thread_call() -> None:
        barrier.wait()
        statuses.append(client.get("user").status_code)

    async def tasks() -> list[int]:
        barrier.wait()  # release the threads, then start all tasks at once
        responses = await asyncio.gather(*(async_client.get("user") for _ in range(200)))
        await async_client.aclose()
        return [r.status_code for r in responses]

    threads = [threading.Thread(target=thread_call) for _ in range(200)]
    for thread in threads:
        thread.start()
    statuses.extend(asyncio.run(tasks()))
    for thread in threads:
        thread.join()
    assert statuses == [200] * 400
    assert looker.token_requests["refresh_token"] == 1


# -- faults -------------------------------------------------------------------------------------


def test_5xx_on_refresh_is_a_typed_error_and_the_session_recovers(
    logged_in: LookerSession, looker: FakeLooker, clock: ManualClock
) -> None:
    clock.advance(3600)
    looker.fail_next(1, status=503)
    with pytest.raises(LookerServerError, match="503") as info:
        logged_in.client.get("user")
    assert info.value.status_code == 503
    assert logged_in.client.get("user").status_code == 200


def test_dropped_connection_on_refresh_is_a_typed_error_and_the_session_recovers(
    logged_in: LookerSession, looker: FakeLooker, clock: ManualClock
) -> None:
    clock.advance(3600)
    looker.drop_next(1)
    with pytest.raises(LookerUnreachable, match="check base_url"):
        logged_in.client.get("user")
    assert logged_in.client.get("user").status_code == 200


@pytest.mark.parametrize("fault", ["503", "drop"])
def test_a_failed_proactive_refresh_keeps_the_still_valid_token_and_retries_later(
    logged_in: LookerSession, looker: FakeLooker, clock: ManualClock, fault: str
) -> None:
    """50 s of token life left and Looker cannot renew it right now: the call must not fail."""
    before = logged_in._tokens.token
    assert before is not None
    clock.advance(3600 - 50)  # inside the 60 s leeway, before expiry
    if fault == "503":
        looker.fail_next(1, status=503, target="token")
    else:
        looker.drop_next(1, target="token")
    assert logged_in.client.get("user").status_code == 200  # on the current token
    logged_in._tokens.settle()  # the refresh runs beside the call, as the token still works
    assert logged_in.client.get("user").status_code == 200  # backing off: no second attempt
    assert looker.token_requests["refresh_token"] == 1  # one attempt (a dropped one counts)
    assert logged_in._tokens.token is before
    clock.advance(6)  # past the first backoff (5 s), still before expiry
    assert logged_in.client.get("user").status_code == 200
    logged_in._tokens.settle()
    after = logged_in._tokens.token
    assert after is not None and after.access_token != before.access_token  # renewed now


def test_backing_off_never_waits_past_half_the_tokens_remaining_life(
    logged_in: LookerSession, looker: FakeLooker, clock: ManualClock
) -> None:
    """A 5 s token (refreshed 2.5 s in): a failed renewal is retried within its life, not
    after the 5 s first backoff, when it would have expired."""
    clock.advance(3600 - 4)  # 4 s of life left
    looker.fail_next(1, status=503, target="token")
    assert logged_in.client.get("user").status_code == 200
    clock.advance(1.5)  # under half the 4 s left, and no retry yet
    assert logged_in.client.get("user").status_code == 200
    assert looker.token_requests["refresh_token"] == 1
    clock.advance(1)  # 2.5 s after the failure, 1.5 s of life left: tried again, renewed
    assert logged_in.client.get("user").status_code == 200
    assert looker.token_requests["refresh_token"] == 2
    clock.advance(3)  # past the old expiry: the new token serves
    assert logged_in.client.get("user").status_code == 200


def test_an_expired_token_is_not_kept_when_the_refresh_fails(
    logged_in: LookerSession, looker: FakeLooker, clock: ManualClock
) -> None:
    clock.advance(3600 - 50)
    looker.fail_next(1, status=503, target="token")
    assert logged_in.client.get("user").status_code == 200
    logged_in._tokens.settle()  # the proactive refresh (in the background) met the 503
    clock.advance(60)  # now past expiry: only a new token will do
    looker.fail_next(1, status=503, target="token")
    with pytest.raises(LookerServerError):
        logged_in.client.get("user")


def test_token_expiry_follows_the_wall_clock(session: LookerSession) -> None:
    """A suspended laptop: monotonic time stops while asleep, the token's life does not."""
    import time

    assert (
        LookerSession(
            base_url=session.settings.base_url,
            client_guid=CLIENT_GUID,
            redirect_uri=REDIRECT_URI,
        )._tokens.clock
        is time.time
    )


def test_timeout_on_refresh_is_a_typed_error_and_the_session_recovers(
    looker: FakeLooker, clock: ManualClock
) -> None:
    # Without rotation: the slow refresh still completes at Looker after the client gave up, and
    # with rotation that would race the retry for the newest refresh token.
    looker.config.rotate_refresh_tokens = False
    with make_session(looker, clock, timeout=0.2) as session:
        log_in(session)
        clock.advance(3600)
        looker.config.latency = 1.0
        with pytest.raises(LookerUnreachable, match="timed out"):
            session.client.get("user")
        looker.config.latency = 0.0
        assert session.client.get("user").status_code == 200


def test_5xx_on_redeem_is_a_typed_error(session: LookerSession, looker: FakeLooker) -> None:
    redirected = authorize_in_browser(session.start_login().url)
    looker.fail_next(1, status=500)
    with pytest.raises(LookerServerError):
        session.complete_login(redirected)


def test_unreachable_looker_is_a_typed_error(clock: ManualClock) -> None:
    with FakeLooker(clock=clock.now) as looker:
        url = looker.api_url
    session = LookerSession(base_url=url, client_guid=CLIENT_GUID, redirect_uri=REDIRECT_URI)
    with pytest.raises(LookerUnreachable, match=url):
        session.start_login()


# -- logout, sdk, async -------------------------------------------------------------------------


def test_logout_revokes_the_tokens_at_looker(logged_in: LookerSession, looker: FakeLooker) -> None:
    access = access_token(logged_in)
    assert _bearer_status(looker, access) == 200  # so the 401 below is the revocation's
    logged_in.logout()
    assert not logged_in.is_logged_in
    assert _bearer_status(looker, access) == 401
    assert ("DELETE", "/api/logout") in looker.requests
    with pytest.raises(LoginRequired):
        logged_in.client.get("user")


def _refresh_status(looker: FakeLooker, refresh_token: Secret) -> int:
    """What Looker answers a refresh with ``refresh_token`` (400 once it is revoked)."""
    body = {
        "grant_type": "refresh_token",
        "client_id": CLIENT_GUID,
        "redirect_uri": REDIRECT_URI,
        "refresh_token": refresh_token.reveal(),
    }
    with httpx.Client(trust_env=False) as client:
        return client.post(f"{looker.api_url}/api/token", json=body).status_code


def test_after_logout_the_session_says_logged_out_not_yet(logged_in: LookerSession) -> None:
    logged_in.logout()
    with pytest.raises(LoginRequired) as info:
        logged_in.client.get("user")
    assert str(info.value) == "Logged out of Looker; log in again to use this session."


def test_logout_with_an_access_token_ended_early_still_revokes_the_refresh_token(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    """Looker answers 401 to the logout: refresh once, and revoke with the new token."""
    token = logged_in._tokens.token
    assert token is not None and token.refresh_token is not None
    looker.expire_access_tokens()
    logged_in.logout()
    renewed = looker.token_requests["refresh_token"]
    assert renewed == 1
    assert _refresh_status(looker, token.refresh_token) == 400  # rotated away and revoked


@pytest.mark.parametrize("status", [503, 500, 403])
def test_a_logout_looker_refuses_raises_but_still_forgets_the_tokens(
    logged_in: LookerSession, looker: FakeLooker, status: int
) -> None:
    token = logged_in._tokens.token
    assert token is not None and token.refresh_token is not None
    looker.fail_next(1, status)
    with pytest.raises(RevokeFailed, match=rf"did not revoke the login \(HTTP {status}") as info:
        logged_in.logout()
    assert info.value.status_code == status
    assert not logged_in.is_logged_in
    assert _refresh_status(looker, token.refresh_token) == 200  # why the error matters


def test_a_logout_without_an_answer_raises_looker_unreachable(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    looker.drop_next(1)
    with pytest.raises(LookerUnreachable):
        logged_in.logout()
    assert not logged_in.is_logged_in


def test_a_refused_refresh_ends_the_login_and_says_why(
    logged_in: LookerSession, looker: FakeLooker, clock: ManualClock
) -> None:
    ended: list[LookerAuthError | None] = []
    logged_in.on_logout.append(ended.append)
    looker.revoke_user_tokens(logged_in.user.id)
    clock.advance(3600)
    with pytest.raises(LoginRequired, match="Looker refused to renew the login") as info:
        logged_in.client.get("user")
    assert ended == [info.value]
    assert not logged_in.is_logged_in
    with pytest.raises(LoginRequired) as again:
        logged_in.client.get("user")
    assert str(again.value) == str(info.value)  # not "not logged in yet"


def test_login_again_after_logout(logged_in: LookerSession) -> None:
    logged_in.logout()
    assert log_in(logged_in, GRACE).email == GRACE


def test_sdk_me_returns_the_user(logged_in: LookerSession) -> None:
    me = logged_in.sdk.me()
    assert (me.email, me.display_name) == (ADA, "Ada Lovelace")


def test_sdk_follows_the_sessions_refresh_and_logout(
    logged_in: LookerSession, looker: FakeLooker, clock: ManualClock
) -> None:
    sdk = logged_in.sdk
    assert sdk.me().email == ADA
    clock.advance(3600)
    assert sdk.me().email == ADA
    assert logged_in.client.get("user").status_code == 200
    assert looker.token_requests["refresh_token"] == 1  # one refresh served both clients
    logged_in.logout()
    with pytest.raises(LoginRequired):
        sdk.me()


def test_async_client_shares_the_login(logged_in: LookerSession) -> None:
    async def main() -> str:
        async with logged_in.async_client as client:
            response = await client.get("user")
        return str(response.json()["email"])

    assert asyncio.run(main()) == ADA


# -- cache --------------------------------------------------------------------------------------


def test_persistent_cache_resumes_a_new_session_silently(
    looker: FakeLooker, clock: ManualClock, tmp_path: Path
) -> None:
    cache = FileCache(tmp_path / "tokens.json")
    with make_session(looker, clock, cache=cache) as first:
        log_in(first, GRACE)
    with make_session(looker, clock, cache=cache) as second:
        assert second.resume()
        assert second.user.email == GRACE
        assert second.client.get("user").json()["email"] == GRACE


def test_refreshed_tokens_are_persisted(
    looker: FakeLooker, clock: ManualClock, tmp_path: Path
) -> None:
    cache = FileCache(tmp_path / "tokens.json")
    with make_session(looker, clock, cache=cache) as first:
        log_in(first)
        clock.advance(3600)
        first.client.get("user").raise_for_status()  # rotates the refresh token
    with make_session(looker, clock, cache=cache) as second:
        assert second.resume()  # would fail with the rotated-away refresh token


def test_logout_clears_the_cache(looker: FakeLooker, clock: ManualClock, tmp_path: Path) -> None:
    cache = FileCache(tmp_path / "tokens.json")
    with make_session(looker, clock, cache=cache) as first:
        log_in(first)
        first.logout()
    with make_session(looker, clock, cache=cache) as second:
        assert not second.resume()


def test_memory_is_the_default_cache(session: LookerSession) -> None:
    assert session.cache.description == "memory"


# -- secrets ------------------------------------------------------------------------------------


def test_no_secret_in_repr_logs_or_errors(
    session: LookerSession,
    looker: FakeLooker,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    request = session.start_login()
    redirected = authorize_in_browser(request.url)  # the browser's own traffic is not ours
    caplog.set_level(logging.DEBUG)  # everything the client does from here, httpx/httpcore too
    session.complete_login(redirected)
    token = session._tokens.token
    assert token is not None and token.refresh_token is not None
    secrets = [s.reveal() for s in (token.access_token, token.refresh_token, request.code_verifier)]
    secrets.append(redirected.split("code=")[1].split("&")[0])
    user = str(session.user)
    looker.revoke_user_tokens(session.user.id)
    clock.advance(3600)
    with pytest.raises(LoginRequired) as info:
        session.client.get("user")
    texts = [repr(session), user, str(info.value), repr(info.value), caplog.text]
    for text in texts:
        for secret in secrets:
            assert secret not in text


def test_async_client_serves_one_event_loop_after_another(logged_in: LookerSession) -> None:
    """Each ``asyncio.run()`` gets a client of its own; in one loop it is the same client."""

    async def who() -> tuple[int, httpx.AsyncClient]:
        client = logged_in.async_client
        assert logged_in.async_client is client
        return (await client.get("user")).status_code, client

    try:
        (first, one), (second, other) = asyncio.run(who()), asyncio.run(who())
    finally:
        asyncio.run(logged_in.aclose())
    assert (first, second) == (200, 200)
    assert one is not other
