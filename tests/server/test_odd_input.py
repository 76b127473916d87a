"""Whatever arrives, every route answers 2xx/3xx/4xx with a message: never a 500."""

from __future__ import annotations

import random
from urllib.parse import quote_from_bytes

import pytest

from looker_nb_auth.oauth.state import new_state

from .helpers import Auth, Routes

ODD_QUERIES = [
    "state=%00%00&code=%00",
    "%FF=%FF&state=%FF",
    "state=" + "a" * 43 + "%00&code=x",
    "state&code",
    "=&=&=",
    "&&&&",
    "state=%E2%80%AE" * 3,
    "wait=1e308&state=" + "a" * 43,
    "wait=-0&state=" + "a" * 43,
    "wait=%FF&state=" + "a" * 43,
    "error=%0D%0ASet-Cookie:%20x=y&state=" + "a" * 43,
    "code=" + "%F0%9F%92%A9" * 1000 + "&state=" + "a" * 43,
]
ODD_BODIES = [
    b"null",
    b"1e999",
    b'"state"',
    b'{"state": null}',
    b'{"state": ["a"]}',
    b'{"state": {"$ne": 1}}',
    b'{"state": "' + b"a" * 43 + b'\\u0000"}',
    b"\x00" * 100,
    b"{" * 5000,
    '{"state": "\u00e9"}'.encode("utf-16"),
]


def random_queries(count: int) -> list[str]:
    rng = random.Random(20240611)  # the same "random" inputs on every run
    keys = [b"state", b"code", b"error", b"error_description", b"wait", b"x"]
    queries = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(0, 5)):
            key = rng.choice(keys) if rng.random() < 0.8 else rng.randbytes(rng.randint(1, 8))
            value = rng.randbytes(rng.randint(0, 64))
            parts.append(f"{quote_from_bytes(key)}={quote_from_bytes(value)}")
        queries.append("&".join(parts))
    return queries


ROUTES: list[tuple[str, str, Auth]] = [
    ("GET", "callback", "user"),
    ("POST", "pickup", "kernel"),
    ("DELETE", "pending", "kernel"),
    ("POST", "pending", "kernel"),
    ("POST", "cancel", "browser"),
]


@pytest.mark.parametrize(("method", "route", "auth"), ROUTES)
async def test_odd_queries_never_cause_a_500(
    routes: Routes, method: str, route: str, auth: Auth
) -> None:
    state = new_state()
    await routes.register(state)
    body = b'{"state": "' + state.encode() + b'", "wait": 0}' if method != "GET" else None
    extra = {"allow_nonstandard_methods": True} if method == "DELETE" else {}
    for query in ODD_QUERIES + random_queries(100):
        response = await routes.fetch(method, route, query=query, body=body, auth=auth, **extra)
        assert response.code < 500, (query, response.code)


@pytest.mark.parametrize(("method", "route", "auth"), [r for r in ROUTES if r[0] == "POST"])
async def test_odd_bodies_never_cause_a_500(
    routes: Routes, method: str, route: str, auth: Auth
) -> None:
    for body in ODD_BODIES:
        response = await routes.fetch(method, route, body=body, auth=auth)
        assert response.code == 400, (body[:40], response.code)
