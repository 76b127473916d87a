"""Step 5: the ``httpx.Auth`` that puts the bearer token on every request.

It refreshes before expiry through the shared ``TokenState`` (single flight across threads and
tasks), and on a 401 refreshes once and retries once.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator

import httpx

from .refresh import TokenState

__all__ = ["LookerAuth"]


class LookerAuth(httpx.Auth):
    """Bearer auth backed by a ``TokenState``; one instance serves sync and async clients."""

    def __init__(self, tokens: TokenState) -> None:
        self._tokens = tokens

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        request.read()  # so the request can be replayed after a 401
        token = self._tokens.access_token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            token = self._tokens.access_token(stale=token)
            request.headers["Authorization"] = f"Bearer {token}"
            yield request

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        await request.aread()
        token = await self._tokens.aaccess_token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            token = await self._tokens.aaccess_token(stale=token)
            request.headers["Authorization"] = f"Bearer {token}"
            yield request
