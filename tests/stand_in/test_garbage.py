"""Garbage in never gives a 500 or a traceback, and secrets never reach the log."""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx
import pytest

from looker_nb_auth.fake_looker import FakeLooker, authorize_in_browser

from .helpers import (
    CLIENT_GUID,
    HTTP,
    PASSWORD,
    REDIRECT_URI,
    Login,
    admin_token,
    authorize_url,
    bearer,
    new_client,
    new_verifier,
    query_of,
    redeem,
    refresh,
)

SERVER_LOGGERS = ("looker_nb_auth.fake_looker", "tornado", "asyncio")
HUGE = "x" * 20_000
NESTED = b"[" * 100_000 + b"]" * 100_000

Request = Callable[[httpx.Client, FakeLooker], httpx.Response]

GARBAGE: dict[str, Request] = {
    "huge state": lambda c, lk: c.get(authorize_url(lk, new_verifier(), state=HUGE)),
    "huge client_id": lambda c, lk: c.get(authorize_url(lk, new_verifier(), client_id=HUGE)),
    "huge challenge": lambda c, lk: c.get(authorize_url(lk, "v", code_challenge=HUGE)),
    "bad utf-8 in /auth": lambda c, lk: c.get(f"{lk.web_url}/auth?client_id=%ff%fe"),
    "bad utf-8 in state": lambda c, lk: c.get(
        authorize_url(lk, new_verifier(), state=None) + "&state=%ff"
    ),
    "control chars": lambda c, lk: c.get(authorize_url(lk, new_verifier(), state="a\r\nb\x00")),
    "bare /auth": lambda c, lk: c.get(f"{lk.web_url}/auth"),
    "empty login": lambda c, lk: c.post(f"{lk.web_url}/login"),
    "empty consent": lambda c, lk: c.post(f"{lk.web_url}/auth/consent"),
    "login as json": lambda c, lk: c.post(f"{lk.web_url}/login", json={"email": 1}),
    "HEAD /auth": lambda c, lk: c.head(f"{lk.web_url}/auth"),
    "token huge body": lambda c, lk: c.post(
        f"{lk.api_url}/api/token", json={"grant_type": "authorization_code", "code": HUGE * 50}
    ),
    "token nested json": lambda c, lk: c.post(
        f"{lk.api_url}/api/token",
        content=NESTED,
        headers={"Content-Type": "application/json"},
    ),
    "token numbers": lambda c, lk: c.post(f"{lk.api_url}/api/token", json={"grant_type": 1}),
    "token null": lambda c, lk: c.post(f"{lk.api_url}/api/token", json=None),
    "token object params": lambda c, lk: c.post(
        f"{lk.api_url}/api/token",
        json={"grant_type": "refresh_token", "client_id": {}, "refresh_token": []},
    ),
    "token GET": lambda c, lk: c.get(f"{lk.api_url}/api/token"),
    # A header value tornado itself rejects gets its 400 and a closed socket, which races the
    # request body into a connection reset; garbage the parser accepts reaches our handler.
    "token bad content type": lambda c, lk: c.post(
        f"{lk.api_url}/api/token",
        content=b"{}",
        headers={"Content-Type": 'application/json;;; charset="unterminated'},
    ),
    "token form content type": lambda c, lk: c.post(
        f"{lk.api_url}/api/token", content=b"{}", headers={"Content-Type": "text/plain"}
    ),
    "logout huge bearer": lambda c, lk: c.delete(f"{lk.api_url}/api/logout", headers=bearer(HUGE)),
    "api3 login json": lambda c, lk: c.post(f"{lk.api_url}/api/4.0/login", json=[1, 2]),
    "versions POST": lambda c, lk: c.post(f"{lk.api_url}/versions"),
    "path with nul": lambda c, lk: c.get(f"{lk.api_url}/api/4.0/looks/%00/run/json"),
    "path with unicode": lambda c, lk: c.get(f"{lk.api_url}/api/4.0/looks/%E2%98%83"),
    "bad utf-8 in path": lambda c, lk: c.get(f"{lk.api_url}/api/4.0/looks/%ff"),
    "dot dot path": lambda c, lk: c.get(f"{lk.web_url}/auth/../api/token"),
}


@pytest.mark.parametrize("name", list(GARBAGE))
def test_garbage_never_gives_a_500_or_a_traceback(looker: FakeLooker, name: str) -> None:
    with new_client() as client:
        response = GARBAGE[name](client, looker)
    assert response.status_code < 500, response.text[:300]
    assert "Traceback" not in response.text


@pytest.mark.parametrize(
    "body",
    [
        {"fields": None},
        {"model": "demo", "view": "orders", "fields": [{"a": 1}]},
        {"model": "demo", "view": "orders", "fields": ["orders.region"], "limit": [1]},
        {"model": "demo", "view": "orders", "fields": ["orders.region"], "sorts": [None]},
        {"model": "demo", "view": "orders", "fields": ["orders.region"], "filters": {"": ""}},
        {"model": ["demo"], "view": {}, "fields": ["orders.region"]},
    ],
)
def test_garbage_queries_are_400(
    looker: FakeLooker, body: dict[str, object], admin_token_value: str
) -> None:
    url = f"{looker.api_url}/api/4.0/queries/run/json"
    response = HTTP.post(url, json=body, headers=bearer(admin_token_value))
    assert response.status_code == 400


@pytest.mark.parametrize(
    "body",
    [b"[]", b"null", b"\xff", NESTED, b'{"redirect_uri": {"x": 1}, "display_name": []}'],
)
def test_garbage_app_bodies_are_4xx(
    looker: FakeLooker, body: bytes, admin_token_value: str
) -> None:
    url = f"{looker.api_url}/api/4.0/oauth_client_apps/{CLIENT_GUID}"
    for method in ("POST", "PATCH"):
        response = HTTP.request(method, url, content=body, headers=bearer(admin_token_value))
        assert 400 <= response.status_code < 500


@pytest.fixture
def admin_token_value(looker: FakeLooker) -> str:
    return admin_token(looker)


def test_log_never_holds_tokens_codes_verifiers_passwords_or_query_strings(
    looker: FakeLooker, caplog: pytest.LogCaptureFixture
) -> None:
    for name in SERVER_LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    verifier = new_verifier()
    url = authorize_url(looker, verifier)
    location = authorize_in_browser(url)
    code = query_of(location)["code"]
    redeem(looker, Login(verifier, code, ""))  # redeemed
    tokens = redeem(looker, Login(verifier, code, "")).json()  # reused: refused, revokes
    fresh = authorize_in_browser(authorize_url(looker, verifier))
    body = redeem(looker, Login(verifier, query_of(fresh)["code"], "")).json()
    new = refresh(looker, body["refresh_token"]).json()
    HTTP.delete(f"{looker.api_url}/api/logout", headers=bearer(new["access_token"]))
    secrets = [
        verifier,
        code,
        body["access_token"],
        body["refresh_token"],
        new["access_token"],
        new["refresh_token"],
        PASSWORD,
        query_of(url)["state"],
        query_of(url)["code_challenge"],
        urlsplit(url).query,
        REDIRECT_URI,
    ]
    server_log = "\n".join(
        f"{r.getMessage()} {r.exc_text or ''}"
        for r in caplog.records
        if r.name.split(".")[0] in ("looker_nb_auth", "tornado", "asyncio")
    )
    assert "error" in tokens
    assert "GET /auth" in server_log and "POST /api/token" in server_log
    for secret in secrets:
        assert secret not in server_log
