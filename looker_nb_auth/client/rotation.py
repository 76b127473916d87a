"""A refresh at Looker that rotation never loses: the refresh grant's sends.

Looker rotates the refresh token on every refresh, and kernels (and cron jobs) sharing a token
cache each hold a copy. The refresh leader holds the cache's lock (`Coordinate`) while it sends:
first the refresh token the cache holds now (another process may have rotated it), and after a
refusal any token the cache or the session holds that was not sent yet, at most `MAX_SENDS`.
So a rotation done elsewhere never logs this session out (``refresh.py`` decides who refreshes;
this module only sends).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import httpx

from .._errors import LoginRequired
from .._secret import Secret
from .._settings import Settings
from ..oauth.token import refresh_request, token_error
from .endpoint import Endpoint

__all__ = ["MAX_SENDS", "Coordinate", "alone", "send_refresh"]

#: Refresh tokens one refresh sends at most: its own, the cache's, one stored meanwhile.
MAX_SENDS = 3

#: What a refresh leader holds while it refreshes: a context (the shared cache's lock) giving a
#: reader of the refresh token the cache holds now (None when it holds none).
Coordinate = Callable[[], AbstractContextManager[Callable[[], Secret | None]]]


@contextlib.contextmanager
def alone() -> Iterator[Callable[[], Secret | None]]:
    """A session that shares no cache: nothing to hold, no other token to read."""
    yield lambda: None


def send_refresh(
    endpoint: Endpoint, settings: Settings, ours: Secret, cached: Callable[[], Secret | None]
) -> tuple[httpx.Response, Secret]:
    """Refresh with the newest refresh token known here (``ours``) or in the shared cache
    (``cached``); after a refusal, with any token either holds that was not sent yet. Returns
    Looker's last answer and the refresh token it answered."""
    sent = cached() or ours  # another kernel rotated it: its token is the live one
    tried = [sent]
    response = endpoint.http.send(refresh_request(settings, sent))
    while _refused(response, settings) and len(tried) < MAX_SENDS:
        untried = [t for t in (cached(), ours) if t is not None and t not in tried]
        if not untried:  # the cache still holds a refused token: the login is over
            break
        sent = untried[0]
        tried.append(sent)
        response = endpoint.http.send(refresh_request(settings, sent))
    return response, sent


def _refused(response: httpx.Response, settings: Settings) -> bool:
    if response.status_code == 200:
        return False
    return isinstance(
        token_error(response, grant="refresh_token", settings=settings), LoginRequired
    )
