"""Fixtures: a real Looker stand-in on loopback, sessions logged in through its real pages, and a
fake front end (``page``) that the widgets talk to through their comms."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import comm
import pytest
from support import CLIENT_GUID, REDIRECT_URI, log_in, make_session
from widget_page import FakeComm, Page

from looker_nb_auth import LookerSession
from looker_nb_auth.fake_looker import FakeLooker, ManualClock


@pytest.fixture(autouse=True)
def fresh_kernel() -> Iterator[None]:
    """Each test is a kernel of its own: ``login()``'s registry of shown logins starts empty, or a
    test whose stand-in got a reused port (so equal settings) would be handed an earlier test's
    widget (seen once in CI: "no login widget was opened")."""
    from looker_nb_auth.notebook import login as login_module

    shown = dict(login_module._CONTROLLERS)
    login_module._CONTROLLERS.clear()
    yield
    for controller in login_module._CONTROLLERS.values():  # the kernel ends: nothing waits on
        controller.stop_waiting()
    login_module._CONTROLLERS.clear()
    login_module._CONTROLLERS.update(shown)


@pytest.fixture
def clock() -> ManualClock:
    """One clock for the stand-in and the client, so expiry is driven without sleeping."""
    return ManualClock()


@pytest.fixture
def looker(clock: ManualClock) -> Iterator[FakeLooker]:
    with FakeLooker(clock=clock.now) as fake:
        fake.register_app(
            CLIENT_GUID,
            REDIRECT_URI,
            display_name="looker-nb-auth tests",
            description="Test runs of looker-nb-auth.",
        )
        yield fake


@pytest.fixture
def session(looker: FakeLooker, clock: ManualClock) -> Iterator[LookerSession]:
    with make_session(looker, clock) as session:
        yield session


@pytest.fixture
def logged_in(session: LookerSession, looker: FakeLooker) -> LookerSession:
    log_in(session)
    looker.reset_counters()
    return session


# -- the browser's side of the widgets ------------------------------------------------------------


@pytest.fixture
def page(monkeypatch: pytest.MonkeyPatch) -> Page:
    """Widgets talk to this fake front end (a comm per widget, as ipywidgets opens them)."""
    front = Page()

    def create_comm(**kwargs: Any) -> FakeComm:
        created = FakeComm(**kwargs)
        front.comms.append(created)
        return created

    monkeypatch.setattr(comm, "create_comm", create_comm)
    return front
