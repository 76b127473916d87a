"""``session.async_client``: one ``httpx.AsyncClient`` per event loop.

An async client's pooled connections belong to the event loop that opened them, so a client
used in one ``asyncio.run()`` fails in the next. Each running loop gets a client of its own,
closed when that loop shuts down; outside any loop there is one more, for whoever takes it there.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncGenerator, Callable, Mapping
from typing import Any

import httpx

__all__ = ["AsyncClients"]


class AsyncClients:
    """The async clients of one session, by event loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: dict[asyncio.AbstractEventLoop | None, httpx.AsyncClient] = {}
        self._closers: dict[asyncio.AbstractEventLoop, AsyncGenerator[None, None]] = {}

    def get(self, options: Callable[[], Mapping[str, Any]]) -> httpx.AsyncClient:
        """The running loop's client (made with ``options()`` the first time)."""
        loop = _running_loop()
        with self._lock:
            for ended in [o for o in self._clients if o is not None and o.is_closed()]:
                del self._clients[ended]  # closed as its loop shut down
                self._closers.pop(ended, None)
            client = self._clients.get(loop)
            if client is None:
                client = self._clients[loop] = httpx.AsyncClient(**options())
                if loop is not None:
                    self._closers[loop] = _close_with_loop(client)
        return client

    async def aclose(self) -> None:
        """Close the running loop's client (a later ``get`` makes a new one)."""
        loop = _running_loop()
        with self._lock:
            client = self._clients.pop(loop, None)
            closer = self._closers.pop(loop, None) if loop is not None else None
        if closer is not None:
            await closer.aclose()  # closes the client in its finally
        elif client is not None:
            await client.aclose()


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


async def _closing(client: httpx.AsyncClient) -> AsyncGenerator[None, None]:
    try:
        yield
    finally:
        await client.aclose()


def _close_with_loop(client: httpx.AsyncClient) -> AsyncGenerator[None, None]:
    """Close ``client`` when the running loop shuts down (``asyncio.run`` ends), so no connection
    outlives the loop it belongs to: an async generator started in a loop is closed by the loop's
    ``shutdown_asyncgens()`` (PEP 525), and this one's ``finally`` closes the client. Keep what
    this returns: a generator dropped early is closed early."""
    closer = _closing(client)
    with contextlib.suppress(StopIteration):
        closer.asend(None).send(None)  # registers it with the running loop; runs to its yield
    return closer
