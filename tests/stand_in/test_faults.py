"""Injected faults: scheduled errors and drops, random rates, latency, targets, drops after
Looker answered, the quota. Only on the API host."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import pytest

from looker_nb_auth.fake_looker import FakeLooker, FakeLookerConfig, ManualClock

from .helpers import (
    HTTP,
    authorize_url,
    bearer,
    get_user,
    log_in,
    new_client,
    new_verifier,
    redeem,
    refresh,
    tokens_for,
)

DOCS = "https://cloud.google.com/looker/docs/r/api/support"


def test_fail_next_answers_the_next_api_requests_with_the_status_then_recovers(
    api: httpx.Client, looker: FakeLooker
) -> None:
    looker.fail_next(2, status=500)
    for _ in range(2):
        response = api.get("/versions")
        assert response.status_code == 500
        assert response.json() == {"message": "Internal Server Error", "documentation_url": DOCS}
    assert api.get("/versions").status_code == 200


def test_fail_next_defaults_to_one_503_and_covers_the_token_endpoint(looker: FakeLooker) -> None:
    login = log_in(looker)
    looker.fail_next()
    failed = redeem(looker, login)
    assert failed.status_code == 503 and failed.json()["message"] == "Service Unavailable"
    assert redeem(looker, login).status_code == 200  # the code was never looked at
    assert looker.token_requests["authorization_code"] == 2


def test_drop_next_closes_the_connection_without_a_response(
    api: httpx.Client, looker: FakeLooker
) -> None:
    looker.drop_next(2)
    for _ in range(2):
        with pytest.raises(httpx.RemoteProtocolError):
            api.get("/api/4.0/user")
    assert api.get("/versions").status_code == 200
    assert looker.requests.count(("GET", "/api/4.0/user")) == 2


def test_scheduled_faults_come_in_the_order_they_were_scheduled(
    api: httpx.Client, looker: FakeLooker
) -> None:
    looker.fail_next(1, status=502)
    looker.drop_next(1)
    looker.fail_next(1, status=429)
    assert api.get("/versions").status_code == 502
    with pytest.raises(httpx.RemoteProtocolError):
        api.get("/versions")
    assert api.get("/versions").status_code == 429
    assert api.get("/versions").status_code == 200


def test_faults_leave_the_login_pages_alone(looker: FakeLooker) -> None:
    looker.fail_next(1)
    looker.drop_next(1)
    with new_client() as browser:
        page = browser.get(authorize_url(looker, new_verifier()))
        assert page.status_code == 200
        assert browser.get(f"{looker.api_url}/versions").status_code == 503


def test_fail_next_refuses_a_status_that_is_not_an_error(looker: FakeLooker) -> None:
    with pytest.raises(ValueError, match="400-599"):
        looker.fail_next(1, status=200)


def test_latency_delays_api_requests_but_not_the_event_loop(
    api: httpx.Client, looker: FakeLooker
) -> None:
    looker.config.latency = 0.3
    results: list[float] = []

    def timed() -> None:
        start = time.perf_counter()
        api.get("/versions")
        results.append(time.perf_counter() - start)

    threads = [threading.Thread(target=timed) for _ in range(5)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert min(results) >= 0.3
    assert time.perf_counter() - start < 1.0  # concurrent, not serialized by a blocking sleep


def test_latency_longer_than_the_client_timeout_times_out(looker: FakeLooker) -> None:
    looker.config.latency = 0.5
    with pytest.raises(httpx.ReadTimeout):
        HTTP.get(f"{looker.api_url}/versions", timeout=0.1)


def test_random_errors_follow_the_seed() -> None:
    def statuses() -> list[int]:
        config = FakeLookerConfig(error_rate=0.5, seed=7)
        with FakeLooker(config) as looker, new_client(base_url=looker.api_url) as api:
            return [api.get("/versions").status_code for _ in range(20)]

    first = statuses()
    assert first == statuses()
    assert set(first) == {200, 503}


def test_drop_rate_of_one_drops_every_api_request(looker: FakeLooker) -> None:
    looker.config.drop_rate = 1.0
    with new_client(base_url=looker.api_url) as api:
        for _ in range(3):
            with pytest.raises(httpx.RemoteProtocolError):
                api.get("/versions")
    looker.config.drop_rate = 0.0
    assert tokens_for(looker)["token_type"] == "Bearer"


def test_stopping_with_a_request_in_flight_is_clean(looker: FakeLooker) -> None:
    looker.config.latency = 30
    errors: list[Exception] = []

    def slow() -> None:
        try:
            HTTP.get(f"{looker.api_url}/versions", timeout=60)
        except httpx.HTTPError as error:
            errors.append(error)

    thread = threading.Thread(target=slow)
    thread.start()
    deadline = time.monotonic() + 10
    while ("GET", "/versions") not in looker.requests and time.monotonic() < deadline:
        time.sleep(0.001)  # polls for the request to arrive; the outcome needs no waiting
    start = time.perf_counter()
    looker.stop()
    thread.join()
    assert time.perf_counter() - start < 5
    assert len(errors) == 1


# -- targets: the token endpoint alone, the rest of the API alone --------------------------------


def test_faults_for_the_token_target_leave_the_rest_of_the_api_alone(looker: FakeLooker) -> None:
    tokens = tokens_for(looker)
    looker.fail_next(2, target="token")
    for _ in range(3):
        assert get_user(looker, tokens["access_token"]).status_code == 200
    assert HTTP.get(f"{looker.api_url}/versions").status_code == 200
    for _ in range(2):  # the API requests did not use the token endpoint's faults up
        assert refresh(looker, tokens["refresh_token"]).status_code == 503
    assert refresh(looker, tokens["refresh_token"]).status_code == 200


def test_faults_for_the_api_target_leave_the_token_endpoint_alone(looker: FakeLooker) -> None:
    tokens = tokens_for(looker)
    looker.drop_next(target="api")
    fresh = refresh(looker, tokens["refresh_token"])
    assert fresh.status_code == 200
    with pytest.raises(httpx.RemoteProtocolError):
        get_user(looker, fresh.json()["access_token"])
    assert get_user(looker, fresh.json()["access_token"]).status_code == 200


def test_each_request_takes_the_oldest_scheduled_fault_of_its_target(looker: FakeLooker) -> None:
    tokens = tokens_for(looker)
    looker.fail_next(1, status=502, target="api")
    looker.fail_next(1, status=500, target="token")
    looker.fail_next(1, status=504)
    assert refresh(looker, tokens["refresh_token"]).status_code == 500
    assert get_user(looker, tokens["access_token"]).status_code == 502
    assert get_user(looker, tokens["access_token"]).status_code == 504
    assert refresh(looker, tokens["refresh_token"]).status_code == 200


def test_random_faults_hit_only_the_fault_target(looker: FakeLooker) -> None:
    tokens = tokens_for(looker)
    looker.config.error_rate = 1.0
    looker.config.fault_target = "token"
    assert get_user(looker, tokens["access_token"]).status_code == 200
    assert refresh(looker, tokens["refresh_token"]).status_code == 503
    looker.config.fault_target = "api"
    assert get_user(looker, tokens["access_token"]).status_code == 503
    assert refresh(looker, tokens["refresh_token"]).status_code == 200


def test_unknown_fault_target_is_refused(looker: FakeLooker) -> None:
    bogus: Any = "tokens"
    with pytest.raises(ValueError, match="all, token, api"):
        looker.fail_next(target=bogus)
    with pytest.raises(ValueError, match="all, token, api"):
        looker.drop_next(target=bogus)
    with pytest.raises(ValueError, match="fault_target"):
        FakeLookerConfig(fault_target=bogus)


# -- dropped after Looker answered ----------------------------------------------------------------


def test_drop_after_a_refresh_loses_the_rotated_refresh_token(
    looker: FakeLooker, caplog: pytest.LogCaptureFixture
) -> None:
    tokens = tokens_for(looker)
    looker.drop_next(after=True, target="token")
    with pytest.raises(httpx.RemoteProtocolError):
        refresh(looker, tokens["refresh_token"])
    assert looker.token_requests["refresh_token"] == 1
    again = refresh(looker, tokens["refresh_token"])  # Looker rotated it: the client lost it
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    assert "dropped the 200 answer to POST /api/token (injected fault)" in caplog.messages


def test_drop_before_a_refresh_leaves_the_refresh_token_usable(looker: FakeLooker) -> None:
    tokens = tokens_for(looker)
    looker.drop_next(target="token")
    with pytest.raises(httpx.RemoteProtocolError):
        refresh(looker, tokens["refresh_token"])
    assert refresh(looker, tokens["refresh_token"]).status_code == 200


def test_drop_after_a_logout_still_revokes_the_token(looker: FakeLooker) -> None:
    tokens = tokens_for(looker)
    looker.drop_next(after=True)
    with pytest.raises(httpx.RemoteProtocolError):
        HTTP.delete(f"{looker.api_url}/api/logout", headers=bearer(tokens["access_token"]))
    assert get_user(looker, tokens["access_token"]).status_code == 401
    assert refresh(looker, tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_drop_after_an_error_answer_loses_the_error(looker: FakeLooker) -> None:
    looker.drop_next(after=True, target="api")
    with pytest.raises(httpx.RemoteProtocolError):
        get_user(looker, "not-a-token")
    assert get_user(looker, "not-a-token").status_code == 401


def test_drop_after_rate_redeems_the_code_and_drops_the_answer(looker: FakeLooker) -> None:
    login = log_in(looker)
    looker.config.fault_target = "token"
    looker.config.drop_after_rate = 1.0
    with pytest.raises(httpx.RemoteProtocolError):
        redeem(looker, login)
    assert HTTP.get(f"{looker.api_url}/versions").status_code == 200  # not the fault target
    looker.config.drop_after_rate = 0.0
    reused = redeem(looker, login)  # the dropped redemption used the code up
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"


# -- the quota: 429 with Retry-After --------------------------------------------------------------


def test_requests_over_the_rate_limit_get_lookers_429_with_retry_after(
    api: httpx.Client, looker: FakeLooker
) -> None:
    looker.config.rate_limit = 2
    looker.config.rate_limit_window = 10.0
    assert [api.get("/versions").status_code for _ in range(2)] == [200, 200]
    refused = api.get("/versions")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "10"
    assert refused.headers["Content-Type"].startswith("application/json")
    assert refused.json() == {"message": "Too Many Requests", "documentation_url": DOCS}


def test_the_rate_limit_window_frees_on_the_stand_ins_clock(
    api: httpx.Client, looker: FakeLooker, clock: ManualClock
) -> None:
    looker.config.rate_limit = 1
    looker.config.rate_limit_window = 10.0
    assert api.get("/versions").status_code == 200
    clock.advance(4)
    refused = api.get("/versions")
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "6"
    clock.advance(5.5)
    assert api.get("/versions").headers["Retry-After"] == "1"  # rounded up, never 0
    clock.advance(0.5)
    assert api.get("/versions").status_code == 200  # refused requests did not count


def test_rate_limit_counts_only_the_fault_target(looker: FakeLooker) -> None:
    tokens = tokens_for(looker)
    looker.config.fault_target = "token"
    looker.config.rate_limit = 1
    for _ in range(3):
        assert get_user(looker, tokens["access_token"]).status_code == 200
    assert refresh(looker, tokens["refresh_token"]).status_code == 200
    refused = refresh(looker, tokens["refresh_token"])
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"


def test_quota_comes_before_scheduled_faults(api: httpx.Client, looker: FakeLooker) -> None:
    looker.config.rate_limit = 1
    looker.config.rate_limit_window = 60.0
    assert api.get("/versions").status_code == 200
    looker.fail_next(1, status=500)
    assert api.get("/versions").status_code == 429
    looker.config.rate_limit = None
    assert api.get("/versions").status_code == 500  # still scheduled


def test_fail_next_429_sends_the_configured_retry_after(
    api: httpx.Client, looker: FakeLooker
) -> None:
    looker.config.retry_after = 7
    looker.fail_next(1, status=429)
    looker.fail_next(1, status=503)
    throttled = api.get("/versions")
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "7"
    assert throttled.json() == {"message": "Too Many Requests", "documentation_url": DOCS}
    assert "Retry-After" not in api.get("/versions").headers
