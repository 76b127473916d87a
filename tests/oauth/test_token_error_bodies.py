"""Looker's refusals from ``/api/token`` become the same typed errors whatever body and status
Looker refuses with: RFC 6749's ``{"error", "error_description"}`` or its API's general
``{"message", "documentation_url"}``, at 400, 401, 403, 404 or 422 (Looker does not document
which). Against the real stand-in (``token_error_body``, ``token_error_status``)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from support import ADA, CLIENT_GUID, REDIRECT_URI, log_in, make_session

from looker_nb_auth import (
    ConfigurationError,
    InvalidGrant,
    LoginRequired,
    LookerAuthError,
    RedirectUriMismatch,
    Settings,
)
from looker_nb_auth._secret import Secret
from looker_nb_auth.fake_looker import FakeLooker, ManualClock, authorize_in_browser
from looker_nb_auth.fake_looker._config import TokenErrorBody
from looker_nb_auth.oauth.authorize import AuthorizationRequest
from looker_nb_auth.oauth.token import Grant, parse_token_response, redeem_request, refresh_request

#: (body, status): None keeps the refusal's own status (400; 401 for Basic authentication).
REFUSALS = [
    ("oauth", None),
    ("oauth", 401),
    ("looker", None),
    ("looker", 401),
    ("looker", 403),
    ("looker", 404),
    ("looker", 422),
]


@pytest.fixture(params=REFUSALS, ids=lambda r: f"{r[0]}-{r[1] or 'own'}")
def refusing(request: pytest.FixtureRequest, looker: FakeLooker) -> FakeLooker:
    """The stand-in refusing token requests with one body and status."""
    body: TokenErrorBody = request.param[0]
    looker.config.token_error_body = body
    looker.config.token_error_status = request.param[1]
    return looker


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False) as client:
        yield client


def _settings(looker: FakeLooker, **overrides: str) -> Settings:
    values = {"client_guid": CLIENT_GUID, "redirect_uri": REDIRECT_URI, **overrides}
    return Settings(base_url=looker.api_url, looker_url=looker.web_url, **values)


def _code(looker: FakeLooker) -> tuple[Secret, Secret]:
    """A fresh code from Looker's real pages, and its verifier."""
    login = AuthorizationRequest.new(
        looker.web_url, client_guid=CLIENT_GUID, redirect_uri=REDIRECT_URI
    )
    redirected = authorize_in_browser(login.url, email=ADA)
    code = parse_qs(urlsplit(redirected).query)["code"][0]
    return Secret(code), login.code_verifier


def _error(
    http: httpx.Client, settings: Settings, request: httpx.Request, grant: Grant
) -> LookerAuthError:
    response = http.send(request)
    with pytest.raises(LookerAuthError) as raised:
        parse_token_response(
            response, grant=grant, settings=settings, previous_refresh_token=None, now=0
        )
    error = raised.value
    assert error.status_code == response.status_code
    assert "\n" not in str(error) and "(Looker said: " in str(error)
    return error


def _redeem_error(
    http: httpx.Client, settings: Settings, code: Secret, verifier: Secret
) -> LookerAuthError:
    return _error(http, settings, redeem_request(settings, code, verifier), "authorization_code")


def test_a_reused_code_is_invalid_grant(refusing: FakeLooker, http: httpx.Client) -> None:
    settings = _settings(refusing)
    code, verifier = _code(refusing)
    assert http.send(redeem_request(settings, code, verifier)).status_code == 200

    error = _redeem_error(http, settings, code, verifier)

    assert type(error) is InvalidGrant
    assert "may have expired or been used already" in str(error)


def test_an_expired_code_is_invalid_grant(
    refusing: FakeLooker, http: httpx.Client, clock: ManualClock
) -> None:
    code, verifier = _code(refusing)
    clock.advance(refusing.config.code_ttl)

    assert type(_redeem_error(http, _settings(refusing), code, verifier)) is InvalidGrant


def test_a_wrong_verifier_is_invalid_grant(refusing: FakeLooker, http: httpx.Client) -> None:
    code, _ = _code(refusing)
    wrong = Secret("w" * 64)

    assert type(_redeem_error(http, _settings(refusing), code, wrong)) is InvalidGrant


def test_a_mismatched_redirect_uri_is_redirect_uri_mismatch(
    refusing: FakeLooker, http: httpx.Client
) -> None:
    """Looker's words name the redirect URI in both bodies, so the error can say which fix."""
    code, verifier = _code(refusing)
    settings = _settings(refusing, redirect_uri=REDIRECT_URI + "/")

    error = _redeem_error(http, settings, code, verifier)

    assert type(error) is RedirectUriMismatch
    assert f"register exactly {REDIRECT_URI}/" in str(error)


def test_an_unknown_client_is_a_configuration_error(
    refusing: FakeLooker, http: httpx.Client
) -> None:
    code, verifier = _code(refusing)

    error = _redeem_error(http, _settings(refusing, client_guid="nobody-knows"), code, verifier)

    assert type(error) is ConfigurationError
    assert "'nobody-knows'" in str(error)


def test_a_refused_refresh_is_login_required(refusing: FakeLooker, http: httpx.Client) -> None:
    settings = _settings(refusing)
    code, verifier = _code(refusing)
    tokens = http.send(redeem_request(settings, code, verifier)).json()
    rotated = http.send(refresh_request(settings, Secret(tokens["refresh_token"])))
    assert rotated.status_code == 200

    request = refresh_request(settings, Secret(tokens["refresh_token"]))  # rotated away
    error = _error(http, settings, request, "refresh_token")

    assert type(error) is LoginRequired


def test_a_session_whose_refresh_is_refused_asks_for_a_new_login(
    refusing: FakeLooker, clock: ManualClock
) -> None:
    """The whole client: an expired access token and a revoked login end in LoginRequired."""
    with make_session(refusing, clock) as session:
        refusing.revoke_user_tokens(log_in(session).id)
        clock.advance(3600)

        with pytest.raises(LoginRequired, match="Looker refused to renew the login"):
            session.client.get("user")
        assert not session.is_logged_in
