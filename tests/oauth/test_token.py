import json

import httpx
import pytest

from looker_nb_auth import (
    AccessDenied,
    ConfigurationError,
    InvalidGrant,
    LoginRequired,
    LookerAuthError,
    LookerServerError,
    RedirectUriMismatch,
    Settings,
    UnexpectedResponse,
)
from looker_nb_auth._secret import Secret
from looker_nb_auth.oauth.token import (
    Token,
    parse_token_response,
    redeem_request,
    refresh_request,
    revoke_request,
    token_error,
)

SETTINGS = Settings(
    base_url="https://api.looker.example:19999",
    client_guid="nb-app",
    redirect_uri="https://hub.example/hub/user-redirect/looker-nb-auth/callback",
)


def _body(request: httpx.Request) -> dict[str, str]:
    return json.loads(request.content)  # type: ignore[no-any-return]


def test_redeem_sends_the_exact_json_body_looker_documents() -> None:
    request = redeem_request(SETTINGS, Secret("the-code"), Secret("the-verifier"))
    assert request.method == "POST"
    assert str(request.url) == "https://api.looker.example:19999/api/token"
    assert request.headers["Content-Type"] == "application/json;charset=UTF-8"
    assert _body(request) == {
        "grant_type": "authorization_code",
        "client_id": "nb-app",
        "redirect_uri": SETTINGS.redirect_uri,
        "code": "the-code",
        "code_verifier": "the-verifier",
    }
    assert "Authorization" not in request.headers  # public client: no Basic auth
    assert "x-looker-appid" not in request.headers


def test_refresh_sends_the_sdk_json_body() -> None:
    request = refresh_request(SETTINGS, Secret("rt-1"))
    assert str(request.url) == "https://api.looker.example:19999/api/token"
    assert _body(request) == {
        "grant_type": "refresh_token",
        "client_id": "nb-app",
        "redirect_uri": SETTINGS.redirect_uri,
        "refresh_token": "rt-1",
    }


def test_revoke_is_delete_api_logout_with_the_bearer() -> None:
    request = revoke_request(SETTINGS, Secret("at-1"))
    assert (request.method, str(request.url)) == (
        "DELETE",
        "https://api.looker.example:19999/api/logout",
    )
    assert request.headers["Authorization"] == "Bearer at-1"


def _response(status: int, body: object) -> httpx.Response:
    return httpx.Response(status, json=body)


OLD = Secret("rt-old")


def _parse(response: httpx.Response, previous: Secret | None = OLD) -> Token:
    return parse_token_response(
        response, grant="refresh_token", settings=SETTINGS, previous_refresh_token=previous, now=0
    )


def test_refresh_response_without_refresh_token_keeps_the_old_one() -> None:
    token = _parse(_response(200, {"access_token": "at", "token_type": "Bearer", "expires_in": 60}))
    assert token.refresh_token == Secret("rt-old")


def test_rotated_refresh_token_replaces_the_old_one() -> None:
    body = {"access_token": "at", "expires_in": 3600, "refresh_token": "rt-new"}
    assert _parse(_response(200, body)).refresh_token == Secret("rt-new")


def test_refresh_is_due_a_leeway_before_expiry_or_halfway_for_short_tokens() -> None:
    assert Token(Secret("a"), Secret("r"), 3600, 100).refresh_at == 100 + 3600 - 60
    assert Token(Secret("a"), Secret("r"), 20, 100).refresh_at == 110


def test_token_repr_shows_no_secret() -> None:
    text = repr(Token(Secret("access-secret"), Secret("refresh-secret"), 3600, 0))
    assert "access-secret" not in text and "refresh-secret" not in text


def _api(message: str) -> dict[str, str]:
    """Looker's API error model, as its API refuses anything else."""
    return {
        "message": message,
        "documentation_url": "https://cloud.google.com/looker/docs/r/api/support",
    }


@pytest.mark.parametrize(
    ("status", "body", "grant", "expected"),
    [
        (400, {"error": "invalid_grant", "error_description": "code expired"},
         "authorization_code", InvalidGrant),
        (400, {"error": "invalid_grant", "error_description": "redirect_uri does not match"},
         "authorization_code", RedirectUriMismatch),
        (400, {"error": "access_denied"}, "authorization_code", AccessDenied),
        (400, {"error": "invalid_client", "error_description": "unknown client"},
         "authorization_code", ConfigurationError),
        (400, {"error": "invalid_grant"}, "refresh_token", LoginRequired),
        (401, {"message": "Requires authentication."}, "refresh_token", LoginRequired),
        (503, {"message": "Service Unavailable"}, "refresh_token", LookerServerError),
        (500, "not json", "authorization_code", LookerServerError),
        (418, {}, "authorization_code", UnexpectedResponse),
        # Looker's API error model: no OAuth code, so the status says it is a refusal and the
        # words say whether of the client or of the grant (docs/fidelity.md).
        (400, _api("The authorization code has expired."), "authorization_code", InvalidGrant),
        (401, _api("Requires authentication."), "authorization_code", InvalidGrant),
        (403, _api("The user is not allowed to use this app."), "authorization_code",
         InvalidGrant),
        (404, _api("Not found"), "authorization_code", InvalidGrant),
        (422, _api("code_verifier does not match"), "authorization_code", InvalidGrant),
        (400, _api("The authorization code was issued to another client."),
         "authorization_code", InvalidGrant),
        (400, _api("redirect_uri does not match"), "authorization_code", RedirectUriMismatch),
        (401, _api("Unknown or disabled client_id."), "authorization_code", ConfigurationError),
        (404, _api("Invalid client"), "refresh_token", ConfigurationError),
        (401, _api("Failed Basic Authentication"), "authorization_code", ConfigurationError),
        (404, _api("Not found"), "refresh_token", LoginRequired),
        (403, _api("The refresh token is invalid, expired or revoked."), "refresh_token",
         LoginRequired),
        # Not a refusal of the grant: a status no refusal comes as, or not Looker's body.
        (409, _api("Conflict"), "authorization_code", UnexpectedResponse),
        (404, "<html>Not Found</html>", "authorization_code", UnexpectedResponse),
        (400, ["a proxy's JSON"], "authorization_code", UnexpectedResponse),
    ],
)  # fmt: skip
def test_token_errors_map_to_typed_exceptions_carrying_lookers_words(
    status: int, body: object, grant: str, expected: type[LookerAuthError]
) -> None:
    error = token_error(_response(status, body), grant=grant, settings=SETTINGS)  # type: ignore[arg-type]
    assert type(error) is expected
    assert error.status_code == status
    if isinstance(body, dict) and body:
        said = body.get("error_description") or body.get("message") or body.get("error")
        assert f"(Looker said: {said.rstrip('.')})" in str(error)
    assert str(error).count(".") >= 1 and "\n" not in str(error)


def test_error_text_never_contains_the_code_or_verifier() -> None:
    # Looker's answer does not echo secrets, and neither do we.
    error = token_error(
        _response(400, {"error": "invalid_grant", "error_description": "bad verifier"}),
        grant="authorization_code",
        settings=SETTINGS,
    )
    request = redeem_request(SETTINGS, Secret("code-123"), Secret("verifier-456"))
    assert "code-123" not in str(error) and "verifier-456" not in str(error)
    assert "code-123" not in repr(request)
