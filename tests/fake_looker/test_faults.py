"""Injected faults: scheduled errors and drops, random rates, latency. Only on the API host."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from looker_nb_auth.fake_looker import FakeLooker, FakeLookerConfig

from .helpers import HTTP, authorize_url, log_in, new_client, new_verifier, redeem, tokens_for

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
