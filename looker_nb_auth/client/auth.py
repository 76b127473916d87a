"""Step 5: the ``httpx.Auth`` that puts the bearer token on every request.

It refreshes before expiry through the shared ``TokenState`` (single flight across threads and
tasks), and on a 401 refreshes once and retries once. A 429 (Looker's rate limit or API quota) is
retried a bounded number of times for idempotent methods, waiting what ``Retry-After`` asks (up
to ``MAX_RETRY_WAIT``), then raises ``RateLimited`` saying how long to wait. A request that
carries its call's deadline (``_deadline.py``: a query's ``timeout=``) never waits past it: a
wait that would is not begun, and ``RateLimited`` is raised at once. The waits end at Ctrl-C
(``time.sleep`` in the main thread) and at a cancel (``asyncio.sleep``) at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Generator
from typing import Any

import httpx

from .._answers import Kind, rate_limited, retry_after
from .._deadline import Deadline
from .._errors import RateLimited
from .._settings import Settings
from .._version import __version__
from .refresh import TokenState

__all__ = [
    "IDEMPOTENT",
    "MAX_RATE_LIMIT_RETRIES",
    "MAX_RETRY_WAIT",
    "LookerAuth",
    "client_options",
]

#: Methods a 429 may be retried for: sending them twice does what sending them once does.
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
MAX_RATE_LIMIT_RETRIES = 2
#: A longer ``Retry-After`` (an exhausted monthly quota says hours) is raised at once.
MAX_RETRY_WAIT = 10.0
_USER_AGENT = f"looker-nb-auth/{__version__}"


def client_options(settings: Settings, auth: httpx.Auth) -> dict[str, Any]:
    """What ``session.client`` and ``session.async_client`` are built with."""
    return {
        "base_url": settings.api_url,
        "auth": auth,
        "timeout": settings.timeout,
        "verify": settings.verify_ssl,
        "headers": {"User-Agent": _USER_AGENT, "Accept": "application/json"},
        # No cap on connections, and none on idle ones: either cap makes httpcore's pool close
        # an "idle" connection it has already handed to a waiting thread, under a request that
        # then fails with EBADF or hangs until its read timeout (encode/httpcore#1110; seen in
        # the 200-thread refresh storm test). Idle ones close after keep-alive expiry (5 s);
        # callers bound the concurrency themselves.
        "limits": httpx.Limits(max_connections=None, max_keepalive_connections=None),
    }


def _retry_wait(request: httpx.Request, response: httpx.Response, retries: int) -> float | None:
    """Seconds to wait before sending ``request`` again after a 429, or None to give up (also
    when the wait would outlast the deadline the request carries)."""
    if request.method not in IDEMPOTENT or retries >= MAX_RATE_LIMIT_RETRIES:
        return None
    wait = retry_after(response)
    if wait is None:
        wait = float(2**retries)  # 1 s, then 2 s
    deadline = Deadline.of(request)
    if deadline is not None and wait >= deadline.left():
        return None
    return wait if wait <= MAX_RETRY_WAIT else None


def _gave_up(request: httpx.Request, response: httpx.Response) -> RateLimited:
    return rate_limited(response, f"{request.method} {request.url.path}")


class LookerAuth(httpx.Auth):
    """Bearer auth backed by a ``TokenState``; one instance serves sync and async clients."""

    def __init__(self, tokens: TokenState) -> None:
        self._tokens = tokens

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        request.read()  # so the request can be replayed after a 401 or a 429
        deadline = Deadline.of(request)  # a DataFrame call's: no wait outlasts it
        token = self._tokens.access_token(deadline=deadline)
        request.headers["Authorization"] = f"Bearer {token.reveal()}"
        response = yield request
        if Kind.of(response.status_code) is Kind.LOGIN:
            token = self._tokens.access_token(stale=token, deadline=deadline)
            request.headers["Authorization"] = f"Bearer {token.reveal()}"
            response = yield request
        retries = 0
        while Kind.of(response.status_code) is Kind.RATE_LIMITED:
            wait = _retry_wait(request, response, retries)
            if wait is None:
                response.read()
                raise _gave_up(request, response)
            time.sleep(wait)  # what Looker asked for
            retries += 1
            response = yield request

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        await request.aread()
        deadline = Deadline.of(request)
        token = await self._tokens.aaccess_token(deadline=deadline)
        request.headers["Authorization"] = f"Bearer {token.reveal()}"
        response = yield request
        if Kind.of(response.status_code) is Kind.LOGIN:
            token = await self._tokens.aaccess_token(stale=token, deadline=deadline)
            request.headers["Authorization"] = f"Bearer {token.reveal()}"
            response = yield request
        retries = 0
        while Kind.of(response.status_code) is Kind.RATE_LIMITED:
            wait = _retry_wait(request, response, retries)
            if wait is None:
                await response.aread()
                raise _gave_up(request, response)
            await asyncio.sleep(wait)
            retries += 1
            response = yield request
