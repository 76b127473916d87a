"""The README: running the login cell again replaces its pending login, and the server forgets
the old one: 300 re-runs leave one pending login (the kernel's own `login()` against a real
Jupyter server's extension, the stand-in as Looker)."""

from __future__ import annotations

import asyncio

from widget_page import Page

from looker_nb_auth import LookerSession, login
from looker_nb_auth.fake_looker import FakeLooker

from .helpers import Routes

GUID = "readme-rerun-tests"
REDIRECT = "https://notebooks.example/looker-nb-auth/callback"


async def test_300_reruns_of_the_login_cell_leave_one_pending_login_on_the_server(
    routes: Routes, page: Page, looker: FakeLooker
) -> None:
    looker.register_app(GUID, REDIRECT, display_name="reruns", description="Re-runs.")

    def run_the_cell() -> LookerSession:
        return login(looker.api_url, client_guid=GUID, redirect_uri=REDIRECT)

    session = await asyncio.to_thread(run_the_cell)  # the kernel's login() is synchronous
    try:
        assert len(routes.store) == 1  # registered with this server's extension
        for _ in range(299):
            assert await asyncio.to_thread(run_the_cell) is session
        assert len(routes.store) == 1
    finally:
        await asyncio.to_thread(session.close)
