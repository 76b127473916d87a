"""Fixtures: a started Looker stand-in on loopback with one registered app and a manual clock."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest

from looker_nb_auth.fake_looker import FakeLooker, ManualClock

from .helpers import CLIENT_GUID, GRACE, HTTP, REDIRECT_URI, api_client, new_client


@pytest.fixture(scope="session", autouse=True)
def _close_the_helpers_client() -> Iterator[None]:
    yield
    HTTP.close()


@pytest.fixture(autouse=True)
def _server_logs_no_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """No test may make the server (tornado, asyncio, the stand-in) log an error."""
    caplog.set_level(logging.INFO, logger="looker_nb_auth.fake_looker")
    yield
    records = [r for phase in ("setup", "call", "teardown") for r in caplog.get_records(phase)]
    errors = [r.getMessage() for r in records if r.levelno >= logging.ERROR]
    assert errors == []


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def looker(clock: ManualClock) -> Iterator[FakeLooker]:
    with FakeLooker(clock=clock.now) as fake:
        fake.register_app(
            CLIENT_GUID, REDIRECT_URI, "Fake Looker tests", "Runs <the> tests & more."
        )
        yield fake


@pytest.fixture
def browser(looker: FakeLooker) -> Iterator[httpx.Client]:
    """A cookie-keeping client on the UI host, like one browser profile."""
    with new_client(base_url=looker.web_url) as client:
        yield client


@pytest.fixture
def grace(looker: FakeLooker) -> Iterator[httpx.Client]:
    """Grace (no admin) logged in: a client on the API's ``/api/4.0/``."""
    with api_client(looker, GRACE) as client:
        yield client


@pytest.fixture
def api(looker: FakeLooker) -> Iterator[httpx.Client]:
    with new_client(base_url=looker.api_url) as client:
        yield client
