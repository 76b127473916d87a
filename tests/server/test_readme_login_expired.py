"""The README's errors table: `LoginExpired` is what the kernel gets when its pending login
expired on the server (after `c.LookerNbAuth.pending_ttl`) before Looker answered."""

from __future__ import annotations

import asyncio
import os

import pytest

from looker_nb_auth import LoginExpired, LookerAuthError
from looker_nb_auth.client.pickup import ExtensionClient
from looker_nb_auth.oauth.state import new_state
from looker_nb_auth.server.pending import ResultStore

from .helpers import ManualClock, Routes


async def test_a_login_that_expired_on_the_server_raises_login_expired_in_the_kernel(
    routes: Routes,
) -> None:
    clock = ManualClock()
    routes.use_store(ResultStore(ttl=600, clock=clock))
    client = ExtensionClient.from_environment(os.environ)
    assert client is not None
    try:
        state = new_state()
        await asyncio.to_thread(client.register, state)
        clock.advance(600)
        with pytest.raises(LoginExpired) as info:
            await asyncio.to_thread(client.wait, state, timeout=30)
    finally:
        client.close()
    assert isinstance(info.value, LookerAuthError)
    assert str(info.value) == (
        "This login expired before Looker answered; click Log in to Looker again."
    )
