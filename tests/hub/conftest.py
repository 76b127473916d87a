"""Fixtures for the hub service's parts: a store in a fresh SQLite file, a broker on the
Looker stand-in (``looker`` and ``clock`` from tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from support import CLIENT_GUID, REDIRECT_URI

from looker_nb_auth._settings import Settings
from looker_nb_auth.fake_looker import FakeLooker, ManualClock
from looker_nb_auth.hub.broker import Broker
from looker_nb_auth.hub.store import LoginStore


@pytest.fixture
def key() -> bytes:
    return Fernet.generate_key()


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    return tmp_path / "logins.sqlite"


@pytest.fixture
def store(db_file: Path, key: bytes, clock: ManualClock) -> Iterator[LoginStore]:
    logins = LoginStore(f"sqlite:///{db_file}", [key], clock=clock.now)
    yield logins
    logins.close()


@pytest.fixture
def broker(looker: FakeLooker, store: LoginStore, clock: ManualClock) -> Iterator[Broker]:
    settings = Settings(
        base_url=looker.api_url,
        client_guid=CLIENT_GUID,
        redirect_uri=REDIRECT_URI,
        looker_url=looker.web_url,
    )
    with httpx.Client(timeout=10.0) as http:
        yield Broker(settings, store, http, clock=clock.now)
