"""``POST /api/token``: the authorization-code and refresh-token grants, as strict as Looker."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from typing import Any

from ._config import OAuthApp
from ._state import Store
from ._tokens import CodeStatus, Issued, RefreshRefusal

__all__ = ["OAuthError", "challenge_for", "token_grant"]

_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")
_CODE_MESSAGES = {
    CodeStatus.UNKNOWN: "The authorization code is unknown.",
    CodeStatus.EXPIRED: "The authorization code has expired.",
    CodeStatus.USED: "The authorization code was already used; its tokens are revoked.",
}


class OAuthError(Exception):
    """An RFC 6749 error answer: ``{"error": ..., "error_description": ...}`` with a status."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def challenge_for(verifier: str) -> str:
    """RFC 7636 S256: base64url(sha256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def token_grant(store: Store, body: dict[str, Any]) -> dict[str, object]:
    """Answer a parsed JSON token request, or raise `OAuthError`."""
    grant_type = body.get("grant_type")
    if grant_type == "authorization_code":
        tokens = _authorization_code(store, body)
    elif grant_type == "refresh_token":
        tokens = _refresh_token(store, body)
    elif grant_type is None:
        raise OAuthError("invalid_request", "Missing required parameter: grant_type.")
    else:
        raise OAuthError("unsupported_grant_type", "Only authorization_code and refresh_token.")
    answer: dict[str, object] = {
        "access_token": tokens.access_token,
        "token_type": "Bearer",
        "expires_in": tokens.expires_in,
    }
    if tokens.refresh_token is not None:
        answer["refresh_token"] = tokens.refresh_token
    return answer


def _authorization_code(store: Store, body: dict[str, Any]) -> Issued:
    client_id, redirect_uri, code, verifier = _required(
        body, "client_id", "redirect_uri", "code", "code_verifier"
    )
    app = _app(store, client_id)
    status, issued = store.tokens.take_code(code)
    if status is not CodeStatus.OK or issued is None:
        raise OAuthError("invalid_grant", _CODE_MESSAGES[status])
    if issued.client_guid != client_id:
        raise OAuthError("invalid_grant", "The authorization code was issued to another client.")
    if redirect_uri != issued.redirect_uri:
        raise OAuthError(
            "invalid_grant",
            "redirect_uri does not match the one the authorization code was issued for.",
        )
    if redirect_uri not in app.redirect_uris:
        raise OAuthError("invalid_grant", "redirect_uri is no longer registered for this app.")
    _check_allowed(store, app, issued.user_id)
    if not _VERIFIER.fullmatch(verifier) or not secrets.compare_digest(
        challenge_for(verifier), issued.code_challenge
    ):
        raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge.")
    return store.tokens.issue(issued.grant, with_refresh=True)


def _refresh_token(store: Store, body: dict[str, Any]) -> Issued:
    client_id, refresh_token = _required(body, "client_id", "refresh_token")
    app = _app(store, client_id)
    redirect_uri = body.get("redirect_uri")
    grant = store.tokens.refresh_grant(refresh_token)
    if grant is not None and grant.client_guid == client_id:
        if redirect_uri is not None and (
            redirect_uri != grant.redirect_uri or redirect_uri not in app.redirect_uris
        ):
            raise OAuthError(
                "invalid_grant", "redirect_uri does not match the one this login used."
            )
        _check_allowed(store, app, grant.user_id)
    result = store.tokens.refresh(refresh_token, client_id)
    if result is RefreshRefusal.INVALID:
        raise OAuthError("invalid_grant", "The refresh token is invalid, expired or revoked.")
    if result is RefreshRefusal.OTHER_CLIENT:
        raise OAuthError("invalid_grant", "The refresh token was issued to another client.")
    return result


def _required(body: dict[str, Any], *names: str) -> list[str]:
    values = []
    for name in names:
        value = body.get(name)
        if value is None or value == "":
            raise OAuthError("invalid_request", f"Missing required parameter: {name}.")
        if not isinstance(value, str):
            raise OAuthError("invalid_request", f"Parameter {name} must be a string.")
        values.append(value)
    if any(value is not None and not isinstance(value, str) for value in body.values()):
        raise OAuthError("invalid_request", "Every parameter must be a string.")
    return values


def _check_allowed(store: Store, app: OAuthApp, user_id: str) -> None:
    """The user must still be allowed to use the app (its ``group_id``)."""
    user = store.user(user_id)
    if user is None or not app.allows(user):
        raise OAuthError("invalid_grant", "The user is not allowed to use this app.")


def _app(store: Store, client_id: str) -> OAuthApp:
    app = store.app(client_id)
    if app is None or not app.enabled:
        raise OAuthError("invalid_client", "Unknown or disabled client_id.")
    return app
