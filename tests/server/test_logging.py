"""No code, state or kernel secret in the server's log, even at DEBUG and on error paths."""

from __future__ import annotations

import logging
import secrets
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
from tornado.httpclient import HTTPResponse
from traitlets.config import Config

from looker_nb_auth._protocol import SECRET_HEADER
from looker_nb_auth.oauth.state import new_state

from .helpers import Routes, body_json

CODE = f"SENTINEL-CODE-{secrets.token_hex(8)}"


@pytest.fixture(params=[False, True], ids=["jupyter-requires-login", "the-verb-requires-login"])
def jp_server_config(jp_server_config: Config, request: pytest.FixtureRequest) -> Config:
    """Both ways a server sends a browser to its login page: in Jupyter's ``prepare()`` when
    ``allow_unauthenticated_access`` is False, else in the verb's ``@web.authenticated`` (the
    default of a real server). Either way the login must keep the callback's query."""
    jp_server_config.ServerApp.allow_unauthenticated_access = request.param
    return jp_server_config


def cookies_of(response: HTTPResponse) -> dict[str, str]:
    jar = SimpleCookie()
    for header in response.headers.get_list("Set-Cookie"):
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


async def log_in_through_the_form(routes: Routes, login_location: str) -> HTTPResponse:
    """Like a browser: open the login page, post the token, follow the redirect back."""
    client = routes.client
    page = await client.fetch(login_location, raise_error=False)
    assert page.code == 200
    xsrf = cookies_of(page)["_xsrf"]
    posted = await client.fetch(
        login_location,
        method="POST",
        body=urlencode({"_xsrf": xsrf, "password": routes.token}),
        headers={"Cookie": f"_xsrf={xsrf}"},
        follow_redirects=False,
        raise_error=False,
    )
    assert posted.code == 302
    jar = "; ".join(f"{k}={v}" for k, v in {**cookies_of(posted), "_xsrf": xsrf}.items())
    back: HTTPResponse = await client.fetch(
        posted.headers["Location"], headers={"Cookie": jar}, raise_error=False
    )
    return back


async def test_a_login_in_the_middle_keeps_the_code_for_the_callback(routes: Routes) -> None:
    state = new_state()
    await routes.register(state)
    redirected = await routes.callback({"state": state, "code": CODE}, auth="anonymous")
    assert redirected.code == 302
    page = await log_in_through_the_form(routes, redirected.headers["Location"])
    assert page.code == 200
    assert body_json(await routes.pickup(state)) == {"code": CODE}


async def test_no_code_state_or_secret_in_the_log(
    routes: Routes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    states = [new_state() for _ in range(4)]
    for state in states:
        await routes.register(state)
    first, second, third, fourth = states
    # a login, with Jupyter's login form in the middle
    redirected = await routes.callback({"state": first, "code": CODE}, auth="anonymous")
    await log_in_through_the_form(routes, redirected.headers["Location"])
    await routes.pickup(first)
    # keys spelled so that Jupyter's own scrubbing does not recognise them
    await routes.callback(f"st%61te={second}&c%6Fde={CODE}", auth="anonymous")
    await routes.callback(f"st%61te={second}&c%6Fde={CODE}")
    # error paths
    await routes.callback(f"state={third}&code={CODE}&code={CODE}")
    await routes.callback(f"state={first}&code={CODE}")
    await routes.callback(f"code={CODE}")
    await routes.fetch("GET", "pickup", query={"state": fourth}, auth="anonymous")
    await routes.fetch(
        "GET", "pickup", query=f"st%61te={fourth}&wait=x", headers={SECRET_HEADER: "wrong"}
    )
    await routes.fetch("POST", "pending", body={"state": fourth}, auth="anonymous")
    await routes.fetch("POST", "pending", body=b'{"state": "' + CODE.encode() + b'"')
    await routes.forget(fourth)
    # refused before any handler code runs (Jupyter's XSRF and Host checks)
    await routes.fetch("POST", "pending", query={"state": fourth}, body={}, auth="anonymous")
    await routes.callback({"state": fourth, "code": CODE}, headers={"Host": "evil.example"})
    await routes.fetch("GET", "pickup", query={"state": fourth}, headers={"Host": "evil.example"})
    logged = caplog.text
    assert "looker-nb-auth/callback" in logged  # the log was captured at all
    for secret in (CODE, routes.secret, *states):
        assert secret not in logged
