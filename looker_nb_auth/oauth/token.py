"""Step 4: the token endpoint, with the exact bodies Looker expects and the errors it can cause.

Its answers go through the one map of Looker's answers (``_answers.py``): a 429 or 5xx is what it
is for any call; OAuth's ``error`` codes come next; anything else is unexpected.

Looker does not document its token refusals: RFC 6749's ``{"error", "error_description"}`` or
its API's ``{"message", "documentation_url"}``, at a status of its choosing. Both are read
alike: a refusal in the API's model at 400, 401, 403, 404 or 422 carries no OAuth code, so its
words name the client (``invalid_client``) or it is a refused grant (``invalid_grant``). See
docs/fidelity.md ("Refusal bodies and statuses").

Redeem and refresh both ``POST {base_url}/api/token`` with a JSON body (Looker's public-client
flow: ``client_id`` in the body, no secret, no HTTP Basic, no ``x-looker-appid``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from .._answers import (
    Kind,
    LookerAnswer,
    json_object,
    unavailable,
    unexpected,
)
from .._errors import (
    AccessDenied,
    ConfigurationError,
    InvalidGrant,
    LoginRequired,
    LookerAuthError,
    RedirectUriMismatch,
    UnexpectedResponse,
)
from .._secret import Secret
from .._settings import Settings

__all__ = [
    "LEEWAY",
    "Grant",
    "Token",
    "parse_token_response",
    "redeem_request",
    "refresh_request",
    "revoke_request",
    "token_error",
]

#: Refresh this many seconds before the access token expires (at most half its lifetime).
LEEWAY = 60.0

Grant = Literal["authorization_code", "refresh_token"]
_JSON = "application/json;charset=UTF-8"
_TOKEN_REQUEST = "the token request"
#: What a refusal in the API's error model may come as: a request refused as sent (400, 422),
#: credentials not accepted (401; Looker's API3 ``/login`` refuses them with 404), a user who
#: may not (403). Any other status is not a refusal of the grant.
_REFUSALS = frozenset({Kind.REFUSED, Kind.LOGIN, Kind.FORBIDDEN, Kind.MISSING})
#: Words of a refusal that is about the client (OAuth's ``invalid_client``), not the grant.
_CLIENT_WORDS = re.compile(
    r"client[ _]?(?:id|guid)\b|\b(?:unknown|invalid|disabled) client\b|basic auth", re.IGNORECASE
)


@dataclass(frozen=True)
class Token:
    """An access token and the refresh token that renews it; ``repr`` shows neither."""

    access_token: Secret = field(repr=False)
    refresh_token: Secret | None = field(repr=False)
    expires_in: float
    obtained_at: float

    @property
    def expires_at(self) -> float:
        return self.obtained_at + self.expires_in

    @property
    def refresh_at(self) -> float:
        """When to refresh proactively: ``LEEWAY`` early, or half-way for short-lived tokens."""
        return self.obtained_at + max(self.expires_in - LEEWAY, self.expires_in / 2)


def _token_request(settings: Settings, body: dict[str, str]) -> httpx.Request:
    return httpx.Request(
        "POST",
        f"{settings.base_url}/api/token",
        json=body,
        headers={"Content-Type": _JSON, "Accept": "application/json"},
        extensions={"timeout": httpx.Timeout(settings.timeout).as_dict()},
    )


def redeem_request(settings: Settings, code: Secret, code_verifier: Secret) -> httpx.Request:
    """``grant_type=authorization_code``: trade the callback's code for tokens."""
    return _token_request(
        settings,
        {
            "grant_type": "authorization_code",
            "client_id": settings.client_guid,
            "redirect_uri": settings.redirect_uri,
            "code": code.reveal(),
            "code_verifier": code_verifier.reveal(),
        },
    )


def refresh_request(settings: Settings, refresh_token: Secret) -> httpx.Request:
    """``grant_type=refresh_token``: the body looker_sdk and the TypeScript SDK send."""
    return _token_request(
        settings,
        {
            "grant_type": "refresh_token",
            "client_id": settings.client_guid,
            "redirect_uri": settings.redirect_uri,
            "refresh_token": refresh_token.reveal(),
        },
    )


def revoke_request(settings: Settings, access_token: Secret) -> httpx.Request:
    """``DELETE /api/logout``: revokes the access token and the refresh token issued with it."""
    return httpx.Request(
        "DELETE",
        f"{settings.base_url}/api/logout",
        headers={"Authorization": f"Bearer {access_token.reveal()}"},
        extensions={"timeout": httpx.Timeout(settings.timeout).as_dict()},
    )


def parse_token_response(
    response: httpx.Response,
    *,
    grant: Grant,
    settings: Settings,
    previous_refresh_token: Secret | None,
    now: float,
) -> Token:
    """The new token, keeping the old refresh token when Looker sends none; else a typed error."""
    if response.status_code != 200:
        raise token_error(response, grant=grant, settings=settings)
    access, refresh, expires = _token_fields(json_object(response))  # no local holds a plain token
    if access is None:
        raise UnexpectedResponse(
            "Looker's token response had no access_token; check that base_url points at the "
            "Looker API host.",
            status_code=response.status_code,
        )
    return Token(access, refresh or previous_refresh_token, expires, now)


def _token_fields(data: dict[str, Any]) -> tuple[Secret | None, Secret | None, float]:
    """The access token, refresh token (each a ``Secret``, None when absent) and lifetime."""
    try:
        expires_in = float(data.get("expires_in", 3600))
    except (TypeError, ValueError):
        expires_in = 3600.0
    return _secret(data, "access_token"), _secret(data, "refresh_token"), expires_in


def _secret(data: dict[str, Any], name: str) -> Secret | None:
    """Take ``data[name]`` out of the parsed answer as a ``Secret`` (None when absent or empty)."""
    value = data.pop(name, None)
    return Secret(value) if isinstance(value, str) and value else None


def _oauth_code(answer: LookerAnswer) -> str | None:
    """OAuth's ``error`` code, or the one a refusal in the API's error model means."""
    if answer.error is not None or not answer.api_model or answer.kind not in _REFUSALS:
        return answer.error
    if _CLIENT_WORDS.search(answer.description or ""):
        return "invalid_client"
    return "invalid_grant"


def token_error(response: httpx.Response, *, grant: Grant, settings: Settings) -> LookerAuthError:
    """Map a failed ``/api/token`` answer to the exception a user can act on: OAuth's ``error``
    codes (or what the API's error model means, ``_oauth_code``), within the map every Looker
    answer goes through (``_answers.py``)."""
    answer = LookerAnswer.of(response)
    if (busy := unavailable(answer, _TOKEN_REQUEST)) is not None:
        return busy
    said, fields, code = answer.quoted, answer.fields(), _oauth_code(answer)
    if code == "invalid_client":
        return ConfigurationError(
            f"Looker does not know the OAuth client guid {settings.client_guid!r} or it is "
            f"disabled{said}; ask your Looker admin to register it (register_oauth_client_app).",
            **fields,
        )
    if grant == "refresh_token":
        return LoginRequired(
            f"Looker refused to renew the login{said}; log in to Looker again.", **fields
        )
    if code == "access_denied":
        return AccessDenied(f"Looker denied access{said}; log in again and allow it.", **fields)
    if "redirect_uri" in (answer.description or "").lower():
        return RedirectUriMismatch(
            f"Looker refused the login because the redirect URI differs from the registered "
            f"one{said}; ask your Looker admin to register exactly {settings.redirect_uri}.",
            **fields,
        )
    if code == "invalid_grant":
        return InvalidGrant(
            f"Looker refused the login code{said}; it may have expired or been used already, "
            "so log in again.",
            **fields,
        )
    return unexpected(answer, _TOKEN_REQUEST)
