"""The kernel's side: register a state, park a pickup, get the answer once, or drop the login."""

from __future__ import annotations

import asyncio
import json
import logging
import time

import pytest
from tornado.tcpclient import TCPClient

from looker_nb_auth._protocol import SECRET_HEADER
from looker_nb_auth.oauth.state import new_state
from looker_nb_auth.server.pending import ResultStore

from .helpers import Auth, ManualClock, ObservedStore, Routes, body_json

CANCELLED = {"error": "cancelled", "error_description": "The login was cancelled."}


async def registered(routes: Routes) -> str:
    state = new_state()
    response = await routes.register(state)
    assert (response.code, body_json(response)) == (
        201,
        {"expires_in": routes.extension.context.store.ttl},
    )
    return state


async def test_registering_tells_the_kernel_how_long_its_login_stays_pending(
    routes: Routes,
) -> None:
    """The kernel waits as long as this server keeps the login, not a copy of the default."""
    routes.use_store(ResultStore(ttl=90.0))
    response = await routes.register(new_state())
    assert body_json(response) == {"expires_in": 90.0}


async def test_a_parked_pickup_gets_the_code_within_milliseconds_of_the_callback(
    routes: Routes,
) -> None:
    store = ObservedStore()
    routes.use_store(store)
    state = await registered(routes)
    pickup = asyncio.ensure_future(routes.pickup(state, wait=30))
    await store.parked.wait()
    assert not pickup.done()
    callback = await routes.callback({"state": state, "code": "the-code"})  # served meanwhile
    answered = time.monotonic()
    picked = await asyncio.wait_for(pickup, 5)
    assert time.monotonic() - answered < 0.5  # woken, not timed out (it would take 30 s)
    assert callback.code == 200
    assert (picked.code, body_json(picked)) == (200, {"code": "the-code"})


async def test_the_result_is_single_use(routes: Routes) -> None:
    state = await registered(routes)
    await routes.callback({"state": state, "code": "the-code"})
    assert (await routes.pickup(state)).code == 200
    assert (await routes.pickup(state)).code == 404


async def test_a_pickup_without_an_answer_in_time_is_204_and_the_state_stays(
    routes: Routes,
) -> None:
    state = await registered(routes)
    waited = await routes.pickup(state, wait=0.05)
    assert (waited.code, waited.body) == (204, b"")
    assert (await routes.callback({"state": state, "code": "later"})).code == 200
    assert body_json(await routes.pickup(state)) == {"code": "later"}


async def test_the_wait_is_clamped_to_pickup_wait_max(routes: Routes) -> None:
    routes.extension.context.pickup_wait_max = 0.05
    state = await registered(routes)
    assert (await routes.pickup(state, wait=3600)).code == 204


@pytest.mark.parametrize("wait", ["abc", "nan", "inf", "-inf", "1e999", ""])
async def test_a_bad_wait_is_400(routes: Routes, wait: str) -> None:
    state = await registered(routes)
    response = await routes.pickup(state, wait=wait)
    assert response.code == 400
    assert body_json(response)["message"] == "wait must be one number of seconds."


async def test_a_negative_wait_does_not_wait(routes: Routes) -> None:
    state = await registered(routes)
    assert (await routes.pickup(state, wait=-5)).code == 204


async def test_an_unknown_state_is_404(routes: Routes) -> None:
    response = await routes.pickup(new_state())
    assert response.code == 404
    assert body_json(response)["message"] == "This login state is unknown or has expired."


async def test_an_expired_state_is_404(routes: Routes) -> None:
    clock = ManualClock()
    routes.use_store(ResultStore(ttl=600, clock=clock))
    state = await registered(routes)
    clock.advance(600)
    assert (await routes.pickup(state)).code == 404


async def test_registering_twice_is_409(routes: Routes) -> None:
    state = await registered(routes)
    assert (await routes.register(state)).code == 409


async def test_a_full_store_is_429(routes: Routes) -> None:
    routes.use_store(ResultStore(max_pending=2))
    await registered(routes)
    await registered(routes)
    response = await routes.register(new_state())
    assert response.code == 429
    assert "try again in a few minutes" in body_json(response)["message"]


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe",
        b"[" * 3000,
        b"[]",
        b"{}",
        b'{"state": 1}',
        b'{"state": "short"}',
        json.dumps({"state": "x" * 129}).encode(),
        json.dumps({"state": "a" * 40 + "!"}).encode(),
        json.dumps({"state": "é" * 40}).encode(),
        json.dumps({"state": "a" * 43, "pad": "x" * 5000}).encode(),
    ],
)
async def test_a_bad_register_body_is_400(routes: Routes, body: bytes) -> None:
    response = await routes.fetch("POST", "pending", body=body)
    assert response.code == 400
    assert "state of 32-128 URL-safe characters" in body_json(response)["message"]
    assert len(routes.store) == 0


@pytest.mark.parametrize(
    "body", [b"", b"{}", b'{"state": "short"}', b'{"state": ["' + b"a" * 43 + b'"]}', b"\xff"]
)
async def test_a_bad_pickup_state_is_400(routes: Routes, body: bytes) -> None:
    response = await routes.fetch("POST", "pickup", body=body)
    assert response.code == 400


async def test_the_state_never_travels_in_a_url(routes: Routes) -> None:
    """A pickup by GET with the state in its query (which logs record) is not served."""
    state = await registered(routes)
    response = await routes.fetch("GET", "pickup", query={"state": state, "wait": 0})
    assert response.code in (403, 405)  # Jupyter refuses the verb no handler allows
    assert state in routes.store  # and nothing was taken


@pytest.mark.parametrize("secret", [None, "", "wrong", "é" * 43])
async def test_a_wrong_or_missing_secret_is_403(routes: Routes, secret: str | None) -> None:
    headers = {} if secret is None else {SECRET_HEADER: secret}
    state = await registered(routes)
    picked = await routes.fetch(
        "POST", "pickup", body={"state": state}, auth="anonymous", headers=headers
    )
    assert picked.code == 403
    assert body_json(picked)["message"] == "This needs the kernel secret."
    posted = await routes.fetch(
        "POST", "pending", body={"state": new_state()}, auth="anonymous", headers=headers
    )
    deleted = await routes.fetch(
        "DELETE",
        "pending",
        body={"state": state},
        auth="anonymous",
        headers=headers,
        allow_nonstandard_methods=True,
    )
    assert (posted.code, deleted.code) == (403, 403)
    assert len(routes.store) == 1  # nothing registered, nothing dropped


@pytest.mark.parametrize("auth", ["user", "browser"])
async def test_a_jupyter_login_alone_cannot_call_the_kernel_routes(
    routes: Routes, auth: Auth
) -> None:
    """A page in the user's browser has the Jupyter login (cookie or token), never the kernel
    secret: with the cookie alone it could take a login's code."""
    state = await registered(routes)
    routes.store.result(state, {"code": "the-code"})
    assert (await routes.pickup(state, auth=auth)).code == 403
    assert (await routes.forget(state, auth=auth)).code == 403
    assert (await routes.register(new_state(), auth=auth)).code == 403
    assert (await routes.pickup(state)).code == 200  # the answer is still there for the kernel


async def test_a_browser_without_the_xsrf_header_cannot_register(routes: Routes) -> None:
    headers = dict(await routes.browser_headers())
    del headers["X-XSRFToken"]
    response = await routes.fetch(
        "POST", "pending", body={"state": new_state()}, auth="anonymous", headers=headers
    )
    assert response.code == 403
    assert len(routes.store) == 0


async def test_delete_pending_answers_a_parked_pickup_with_cancelled(routes: Routes) -> None:
    store = ObservedStore()
    routes.use_store(store)
    state = await registered(routes)
    pickup = asyncio.ensure_future(routes.pickup(state, wait=30))
    await store.parked.wait()
    assert (await routes.forget(state)).code == 204
    picked = await asyncio.wait_for(pickup, 5)
    assert (picked.code, body_json(picked)) == (200, CANCELLED)
    assert (await routes.callback({"state": state, "code": "late"})).code == 400


async def test_delete_of_an_unknown_state_is_204(routes: Routes) -> None:
    assert (await routes.forget(new_state())).code == 204


async def test_a_kernel_that_hangs_up_mid_wait_leaves_the_answer_for_its_next_pickup(
    routes: Routes, caplog: pytest.LogCaptureFixture
) -> None:
    store = ObservedStore()
    routes.use_store(store)
    state = await registered(routes)
    port = routes.client.get_http_port()
    stream = await TCPClient().connect("127.0.0.1", port)
    body = json.dumps({"state": state, "wait": 30})
    request = (
        f"POST {routes.path('pickup')} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"{SECRET_HEADER}: {routes.secret}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n{body}"
    )
    await stream.write(request.encode())
    await asyncio.wait_for(store.parked.wait(), 30)
    stream.close()
    await asyncio.wait_for(store.abandoned.wait(), 5)
    assert (await routes.callback({"state": state, "code": "the-code"})).code == 200
    assert body_json(await routes.pickup(state)) == {"code": "the-code"}
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
