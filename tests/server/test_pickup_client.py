"""The kernel side (``client/pickup.ExtensionClient``) against this extension, with nothing but
the environment the extension's start exported: the HTTP contract holds."""

from __future__ import annotations

import asyncio
import logging
import os

import pytest

from looker_nb_auth import Secret
from looker_nb_auth.client.pickup import ExtensionClient
from looker_nb_auth.oauth.state import new_state

from .helpers import ObservedStore, Routes


async def test_the_kernel_client_registers_parks_and_gets_the_code(routes: Routes) -> None:
    store = ObservedStore()
    routes.use_store(store)
    client = ExtensionClient.from_environment(os.environ)
    assert client is not None
    try:
        state = new_state()
        await asyncio.to_thread(client.register, state)
        waiting = asyncio.ensure_future(asyncio.to_thread(client.wait, state, timeout=30))
        await store.parked.wait()
        assert (await routes.callback({"state": state, "code": "the-code"})).code == 200
        result = await asyncio.wait_for(waiting, 5)
    finally:
        client.close()
    assert result is not None
    assert (result.code, result.error) == (Secret("the-code"), None)


async def test_the_kernel_client_forgets_a_login(routes: Routes) -> None:
    client = ExtensionClient.from_environment(os.environ)
    assert client is not None
    try:
        state = new_state()
        await asyncio.to_thread(client.register, state)
        await asyncio.to_thread(client.forget, state)
    finally:
        client.close()
    assert state not in routes.store


async def test_the_kernel_s_http_log_never_shows_a_state(
    routes: Routes, caplog: pytest.LogCaptureFixture
) -> None:
    """httpx logs every request line at INFO in the kernel: the state must not be in one."""
    caplog.set_level(logging.DEBUG)
    client = ExtensionClient.from_environment(os.environ)
    assert client is not None
    try:
        state = new_state()
        await asyncio.to_thread(client.register, state)
        assert await asyncio.to_thread(client.wait, state, timeout=0.2) is None
        await asyncio.to_thread(client.forget, state)
    finally:
        client.close()
    assert "looker-nb-auth/pickup" in caplog.text  # the requests were logged...
    assert state not in caplog.text  # ...without the state
