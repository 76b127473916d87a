"""Test helpers: PKCE, authorize URLs, a full login, token requests. Written here on purpose,
independently of the stand-in's own code, so the tests check it against the RFCs."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from looker_nb_auth.fake_looker import FakeLooker, authorize_in_browser

CLIENT_GUID = "fake-looker-tests"
REDIRECT_URI = "http://127.0.0.1:8888/looker-nb-auth/callback"
ADA = "ada@example.com"
GRACE = "grace@example.com"
PASSWORD = "looker-demo"

SSL_CONTEXT = httpx.create_ssl_context()  # built once: each new one costs ~40 ms


def new_client(**options: Any) -> httpx.Client:
    """An ``httpx.Client`` without the cost of loading the CA bundle again."""
    return httpx.Client(verify=SSL_CONTEXT, **options)


HTTP = new_client()  # shared by the tests' one-off requests; conftest closes it


def challenge_of(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def new_verifier() -> str:
    return secrets.token_urlsafe(64)


def authorize_url(looker: FakeLooker, verifier: str, **overrides: str | None) -> str:
    params: dict[str, str | None] = {
        "response_type": "code",
        "client_id": CLIENT_GUID,
        "redirect_uri": REDIRECT_URI,
        "scope": "cors_api",
        "state": "state-" + secrets.token_urlsafe(16),
        "code_challenge_method": "S256",
        "code_challenge": challenge_of(verifier),
    }
    params.update(overrides)
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"{looker.web_url}/auth?{query}"


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


@dataclass
class Login:
    verifier: str
    code: str
    state: str


def log_in(
    looker: FakeLooker,
    email: str = ADA,
    *,
    client: httpx.Client | None = None,
    client_guid: str = CLIENT_GUID,
    redirect_uri: str = REDIRECT_URI,
    scope: str = "cors_api",
) -> Login:
    """Authorize through the real pages and return the code (not yet redeemed)."""
    verifier = new_verifier()
    url = authorize_url(
        looker, verifier, client_id=client_guid, redirect_uri=redirect_uri, scope=scope
    )
    redirected = authorize_in_browser(url, email=email, client=client)
    assert redirected.startswith(redirect_uri + "?"), redirected
    params = query_of(redirected)
    assert params["state"] == query_of(url)["state"]
    return Login(verifier, params["code"], params["state"])


def redeem(looker: FakeLooker, login: Login, **overrides: str) -> httpx.Response:
    body = {
        "grant_type": "authorization_code",
        "client_id": CLIENT_GUID,
        "redirect_uri": REDIRECT_URI,
        "code": login.code,
        "code_verifier": login.verifier,
        **overrides,
    }
    return HTTP.post(f"{looker.api_url}/api/token", json=body)


def refresh(looker: FakeLooker, refresh_token: str, **overrides: str) -> httpx.Response:
    body = {
        "grant_type": "refresh_token",
        "client_id": CLIENT_GUID,
        "redirect_uri": REDIRECT_URI,
        "refresh_token": refresh_token,
        **overrides,
    }
    return HTTP.post(f"{looker.api_url}/api/token", json=body)


def tokens_for(looker: FakeLooker, email: str = ADA) -> dict[str, Any]:
    """Log in and redeem: the token response body."""
    response = redeem(looker, log_in(looker, email))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def api_client(looker: FakeLooker, email: str) -> httpx.Client:
    """A client on the API's ``/api/4.0/``, logged in as ``email``."""
    headers = bearer(tokens_for(looker, email)["access_token"])
    return new_client(base_url=f"{looker.api_url}/api/4.0/", headers=headers)


def get_user(looker: FakeLooker, access_token: str) -> httpx.Response:
    return HTTP.get(f"{looker.api_url}/api/4.0/user", headers=bearer(access_token))


def admin_token(looker: FakeLooker) -> str:
    response = HTTP.post(
        f"{looker.api_url}/api/4.0/login",
        data={"client_id": "demo-admin-client-id", "client_secret": "demo-admin-client-secret"},
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token
