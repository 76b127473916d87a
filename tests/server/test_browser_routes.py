"""The browser's side: the page Looker redirects the popup to, and the widget's Cancel button."""

from __future__ import annotations

import asyncio
import html
import json
import re

import pytest
from tornado.httpclient import HTTPResponse

from looker_nb_auth.oauth.callback import MAX_QUERY_CHARS, MAX_VALUE_CHARS
from looker_nb_auth.oauth.state import new_state

from .helpers import ObservedStore, Routes, body_json

LOGGED_IN = "You are logged in to Looker. You can close this window and return to your notebook."
AGAIN = "go back to the notebook and click Log in to Looker again."
CANCELLED = {"error": "cancelled", "error_description": "The login was cancelled."}


async def registered(routes: Routes) -> str:
    state = new_state()
    assert (await routes.register(state)).code == 201
    return state


async def nothing_stored(routes: Routes, state: str) -> bool:
    return (await routes.pickup(state)).code == 204


def text(response: HTTPResponse) -> str:
    return response.body.decode()


def broadcast(response: HTTPResponse) -> object:
    """What the page's script posts on the BroadcastChannel (``None``: nothing): the page's
    ``data-message``, which the script (js/callback.ts) reads."""
    match = re.search(r' data-message="([^"]*)"', text(response))
    return None if match is None else json.loads(html.unescape(match.group(1)))


def assert_private_page(response: HTTPResponse) -> None:
    assert response.headers["Content-Type"] == "text/html; charset=UTF-8"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response.headers["Content-Security-Policy"].split(";")
    )
    nonce = re.fullmatch(r"'nonce-([A-Za-z0-9_-]{16,})'", policy["script-src"])
    assert nonce
    assert policy["default-src"] == "'none'"
    assert policy["style-src"] == f"'nonce-{nonce.group(1)}'"
    assert policy["frame-ancestors"] == "'none'"
    scripts = re.findall(r"<script[^>]*>", text(response))
    assert scripts == [f'<script nonce="{nonce.group(1)}">']
    assert 'history.replaceState(null, "", location.pathname)' in text(response)
    # It closes itself only when it told the widget (js/callback.ts: only with a data-channel);
    # otherwise it is the only explanation.
    told = 'data-channel="looker-nb-auth"' in text(response)
    assert told == (broadcast(response) is not None)


async def test_the_success_page(routes: Routes) -> None:
    state = await registered(routes)
    response = await routes.callback({"state": state, "code": "SECRET-CODE-1"})
    assert response.code == 200
    assert_private_page(response)
    assert LOGGED_IN in text(response)
    assert "SECRET-CODE-1" not in text(response)
    assert broadcast(response) == {"type": "looker-nb-auth", "state": state, "ok": True}
    assert 'data-channel="looker-nb-auth"' in text(response)
    assert "window.close()" in text(response)


async def test_every_page_has_its_own_nonce(routes: Routes) -> None:
    first = await routes.callback({"state": new_state(), "code": "c"})
    second = await routes.callback({"state": new_state(), "code": "c"})
    policies = {r.headers["Content-Security-Policy"] for r in (first, second)}
    assert len(policies) == 2


S = "{state}"  # replaced by a registered state in the table below

BAD_CALLBACKS = {
    "unknown state": (
        f"state={'u' * 43}&code=c",
        f"This login link is unknown or has expired; {AGAIN}",
    ),
    "malformed state": ("state=%3Cscript%3E&code=c", "This login link is unknown or has expired"),
    "missing state": ("code=c", f"This page was opened without a login state; {AGAIN}"),
    "empty state": ("code=c&state=", "This page was opened without a login state"),
    "no code or error": (f"state={S}", f"Looker sent neither a login code nor an error; {AGAIN}"),
    "empty code": (f"state={S}&code=", "Looker sent neither a login code nor an error"),
    "repeated code": (f"state={S}&code=a&code=b", f"This login link repeats a parameter; {AGAIN}"),
    "repeated state": (f"state={S}&state={S}&code=a", "This login link repeats a parameter"),
    "repeated encoded key": (f"state={S}&code=a&c%6Fde=b", "This login link repeats a parameter"),
    "repeated error": (f"state={S}&error=a&error=b", "This login link repeats a parameter"),
    "long value": (
        f"state={S}&code={'c' * (MAX_VALUE_CHARS + 1)}",
        f"This login link is too long; {AGAIN}",
    ),
    "long query": (
        f"state={S}&code=c&"
        + "&".join(f"p{i}={'x' * 4000}" for i in range(MAX_QUERY_CHARS // 4000 + 1)),
        "This login link is too long",
    ),
    "not utf-8": (f"state={S}&code=%FF", f"This login link is not valid UTF-8; {AGAIN}"),
    # looker_nb_auth.jupyterhub.user_redirect_hook had to spawn the server again.
    "server stopped": ("server_stopped=1", "Your Jupyter server stopped while you were logging"),
}


@pytest.mark.parametrize(("query", "sentence"), BAD_CALLBACKS.values(), ids=BAD_CALLBACKS.keys())
async def test_a_bad_callback_is_a_400_page_and_stores_nothing(
    routes: Routes, query: str, sentence: str
) -> None:
    state = await registered(routes)
    response = await routes.callback(query.replace(S, state))
    assert response.code == 400
    assert_private_page(response)
    assert sentence in text(response)
    assert broadcast(response) is None
    assert await nothing_stored(routes, state)


async def test_the_longest_accepted_value_is_accepted(routes: Routes) -> None:
    state = await registered(routes)
    code = "c" * MAX_VALUE_CHARS
    assert (await routes.callback({"state": state, "code": code})).code == 200
    assert body_json(await routes.pickup(state)) == {"code": code}


async def test_a_second_callback_for_a_state_is_refused(routes: Routes) -> None:
    state = await registered(routes)
    await routes.callback({"state": state, "code": "first"})
    response = await routes.callback({"state": state, "code": "second"})
    assert response.code == 400
    assert f"This login link has already been used; {AGAIN}" in text(response)
    assert body_json(await routes.pickup(state)) == {"code": "first"}


async def test_looker_s_error_reaches_the_kernel(routes: Routes) -> None:
    state = await registered(routes)
    response = await routes.callback(
        {"state": state, "error": "access_denied", "error_description": "The user said no."}
    )
    assert response.code == 200
    assert_private_page(response)
    assert "You did not allow access in Looker" in text(response)
    assert "The user said no." in text(response)
    assert broadcast(response) == {"type": "looker-nb-auth", "state": state, "ok": False}
    assert body_json(await routes.pickup(state)) == {
        "error": "access_denied",
        "error_description": "The user said no.",
    }


async def test_an_error_wins_over_a_code(routes: Routes) -> None:
    state = await registered(routes)
    await routes.callback({"state": state, "code": "c", "error": "server_error"})
    assert body_json(await routes.pickup(state)) == {
        "error": "server_error",
        "error_description": "",
    }


async def test_looker_s_error_is_shown_even_for_an_unknown_state(routes: Routes) -> None:
    response = await routes.callback(
        {"state": new_state(), "error": "invalid_request", "error_description": "Bad redirect_uri."}
    )
    assert response.code == 400
    assert "This login link is unknown or has expired" in text(response)
    assert "Looker said: invalid_request (Bad redirect_uri.)" in text(response)


async def test_reflected_values_are_escaped(routes: Routes) -> None:
    state = await registered(routes)
    response = await routes.callback(
        {
            "state": state,
            "error": '<img src=x onerror="alert(1)">',
            "error_description": "<script>alert(2)</script>",
        }
    )
    page = text(response)
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page
    assert "<img" not in page
    assert page.count("<script") == 1  # only the page's own


async def test_an_unauthenticated_callback_goes_to_login_and_stores_nothing(
    routes: Routes,
) -> None:
    state = await registered(routes)
    response = await routes.callback({"state": state, "code": "c"}, auth="anonymous")
    assert response.code == 302
    assert "/login?next=" in response.headers["Location"]
    assert await nothing_stored(routes, state)


async def test_other_errors_are_pages_too(routes: Routes) -> None:
    response = await routes.fetch("POST", "callback", body=b"", auth="browser")
    assert response.code == 405
    assert_private_page(response)
    assert "This page only answers Looker" in text(response)


async def test_cancel_from_the_widget_answers_the_parked_pickup(routes: Routes) -> None:
    store = ObservedStore()
    routes.use_store(store)
    state = await registered(routes)
    pickup = asyncio.ensure_future(routes.pickup(state, wait=30))
    await store.parked.wait()
    response = await routes.cancel(state)
    assert response.code == 204
    picked = await asyncio.wait_for(pickup, 5)
    assert (picked.code, body_json(picked)) == (200, CANCELLED)


async def test_cancel_needs_the_xsrf_header(routes: Routes) -> None:
    state = await registered(routes)
    headers = dict(await routes.browser_headers())
    del headers["X-XSRFToken"]
    response = await routes.cancel(state, auth="anonymous", headers=headers)
    assert response.code == 403
    assert await nothing_stored(routes, state)


async def test_cancel_needs_a_logged_in_user(routes: Routes) -> None:
    state = await registered(routes)
    assert (await routes.cancel(state, auth="anonymous")).code == 403
    assert (await routes.cancel(state, auth="kernel")).code == 403
    assert await nothing_stored(routes, state)


async def test_cancel_of_an_unknown_state_is_404(routes: Routes) -> None:
    assert (await routes.cancel(new_state())).code == 404


async def test_cancel_with_a_bad_body_is_400(routes: Routes) -> None:
    response = await routes.fetch("POST", "cancel", body=b"{", auth="browser")
    assert response.code == 400


@pytest.fixture
def hub_routes(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Routes:
    """The routes of a server started the way JupyterHub starts Ada's default server."""
    monkeypatch.setenv("JUPYTERHUB_USER", "ada lovelace")
    monkeypatch.setenv("JUPYTERHUB_SERVER_NAME", "")
    monkeypatch.setenv("JUPYTERHUB_BASE_URL", "/jhub/")
    return request.getfixturevalue("routes")  # type: ignore[no-any-return]


async def test_on_jupyterhub_a_named_server_s_login_is_sent_on_to_that_server(
    hub_routes: Routes,
) -> None:
    """Without the hub's user_redirect_hook, user-redirect brings every callback to the
    default server; one whose state names another of the user's servers is sent there."""
    state = new_state("second/§")
    response = await hub_routes.callback({"state": state, "code": "c"})
    assert response.code == 302
    assert response.headers["Location"] == (
        f"/jhub/user/ada%20lovelace/second%2F%C2%A7/looker-nb-auth/callback?state={state}&code=c"
    )
    # Its own logins are answered here, as anywhere.
    own = await registered(hub_routes)
    assert (await hub_routes.callback({"state": own, "code": "c"})).code == 200


async def test_off_jupyterhub_a_state_naming_a_server_is_just_unknown(routes: Routes) -> None:
    response = await routes.callback({"state": new_state("second"), "code": "c"})
    assert response.code == 400
    assert "This login link is unknown or has expired" in text(response)
