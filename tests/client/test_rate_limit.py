"""429 and Retry-After: idempotent calls are retried a bounded number of times, waiting what
Looker asks; then, or at once for other methods and for long waits, ``RateLimited`` says how
long to wait. A proactive refresh that meets a 429 keeps the still-valid token."""

from __future__ import annotations

import asyncio
import time

import pytest
from support import CLIENT_GUID, REDIRECT_URI, log_in, make_session

from looker_nb_auth import LookerServerError, LookerSession, RateLimited
from looker_nb_auth.client.auth import MAX_RATE_LIMIT_RETRIES
from looker_nb_auth.fake_looker import FakeLooker, ManualClock


def user_calls(looker: FakeLooker) -> int:
    return looker.requests.count(("GET", "/api/4.0/user"))


def test_a_get_meeting_429s_is_retried_after_retry_after_and_succeeds(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    looker.fail_next(2, 429, target="api")
    response = logged_in.client.get("user")
    assert response.status_code == 200
    assert user_calls(looker) == 3


def test_a_get_still_limited_after_the_retries_raises_rate_limited_saying_how_long(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    looker.fail_next(MAX_RATE_LIMIT_RETRIES + 1, 429, target="api")
    with pytest.raises(RateLimited) as info:
        logged_in.client.get("user")
    assert str(info.value) == (
        "Looker's rate limit or API quota is used up (HTTP 429 to GET /api/4.0/user) "
        "(Looker said: Too Many Requests); wait 1 s and try again."
    )
    assert info.value.retry_after == 1 and info.value.status_code == 429
    assert isinstance(info.value, LookerServerError)  # "try later", like a 5xx
    assert user_calls(looker) == MAX_RATE_LIMIT_RETRIES + 1


def test_a_post_is_not_retried(logged_in: LookerSession, looker: FakeLooker) -> None:
    looker.fail_next(1, 429, target="api")
    body = {"model": "demo", "view": "orders", "fields": ["orders.region"]}
    with pytest.raises(RateLimited, match=r"HTTP 429 to POST /api/4.0/queries/run/json"):
        logged_in.client.post("queries/run/json", json=body)
    assert looker.requests.count(("POST", "/api/4.0/queries/run/json")) == 1
    assert logged_in.client.post("queries/run/json", json=body).status_code == 200


def test_an_exhausted_quota_is_raised_at_once_with_the_wait_in_hours(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    looker.config.retry_after = 3 * 3600
    looker.fail_next(1, 429, target="api")
    with pytest.raises(RateLimited, match=r"wait 3 h and try again") as info:
        logged_in.client.get("user")
    assert info.value.retry_after == 3 * 3600
    assert user_calls(looker) == 1  # not waited for


def test_the_stand_ins_quota_is_absorbed_by_the_retries() -> None:
    """A quota of 2 requests a second on a stand-in running on real time: the third call waits
    the Retry-After Looker sends, and gets through."""
    with FakeLooker() as looker:
        looker.register_app(CLIENT_GUID, REDIRECT_URI)
        with make_session(looker, ManualClock()) as session:
            session._tokens.clock = time.time
            log_in(session)
            looker.reset_counters()
            looker.config.fault_target = "api"
            looker.config.rate_limit = 2
            looker.config.rate_limit_window = 1.0
            statuses = [session.client.get("user").status_code for _ in range(3)]
            looker.config.rate_limit = None
    assert statuses == [200] * 3
    assert user_calls(looker) == 4  # one of them was refused with 429, then retried


def test_async_calls_are_retried_too(logged_in: LookerSession, looker: FakeLooker) -> None:
    looker.fail_next(1, 429, target="api")

    async def call() -> int:
        try:
            return (await logged_in.async_client.get("user")).status_code
        finally:
            await logged_in.async_client.aclose()

    assert asyncio.run(call()) == 200
    assert user_calls(looker) == 2


def test_a_proactive_refresh_meeting_429_keeps_the_token_and_waits_as_asked(
    logged_in: LookerSession, looker: FakeLooker, clock: ManualClock
) -> None:
    looker.config.retry_after = 30
    clock.advance(3600 - 50)  # inside the leeway: the token still works for 50 s
    looker.fail_next(1, 429, target="token")
    assert logged_in.client.get("user").status_code == 200  # the old token, still valid
    logged_in._tokens.settle()  # the refresh beside it met the 429
    clock.advance(20)  # within the 30 s Looker asked for: no new attempt
    assert logged_in.client.get("user").status_code == 200
    assert looker.token_requests["refresh_token"] == 1
    clock.advance(15)
    assert logged_in.client.get("user").status_code == 200
    logged_in._tokens.settle()
    assert looker.token_requests["refresh_token"] == 2
    assert logged_in.is_logged_in


def test_a_refresh_of_an_expired_token_meeting_429_raises_and_keeps_the_login(
    logged_in: LookerSession, looker: FakeLooker, clock: ManualClock
) -> None:
    clock.advance(3600)
    looker.fail_next(1, 429, target="token")
    with pytest.raises(RateLimited, match=r"HTTP 429 to the token request"):
        logged_in.client.get("user")
    assert logged_in.is_logged_in
    assert logged_in.client.get("user").status_code == 200


@pytest.mark.parametrize(("hostile", "words"), [("²", "wait a minute"), ("9" * 400, "wait 744 h")])
def test_a_hostile_retry_after_is_a_typed_rate_limited_with_a_sentence(
    logged_in: LookerSession, looker: FakeLooker, hostile: str, words: str
) -> None:
    """Not a ValueError or an OverflowError out of an API call (a POST: raised at once)."""
    looker.config.retry_after = hostile
    looker.fail_next(1, 429, target="api")
    body = {"model": "demo", "view": "orders", "fields": ["orders.region"]}
    with pytest.raises(RateLimited, match=words):
        logged_in.client.post("queries/run/json", json=body)


@pytest.mark.parametrize("hostile", ["²", "9" * 400])
def test_a_proactive_refresh_met_by_a_hostile_retry_after_keeps_the_valid_token(
    logged_in: LookerSession, looker: FakeLooker, clock: ManualClock, hostile: str
) -> None:
    before = logged_in._tokens.token
    clock.advance(3600 - 50)  # inside the refresh leeway, the token still valid
    looker.config.retry_after = hostile
    looker.fail_next(1, 429, target="token")
    assert logged_in.client.get("user").status_code == 200  # on the current token
    assert logged_in._tokens.token is before and logged_in.is_logged_in
