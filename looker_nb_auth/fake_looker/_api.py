"""The API host: ``/api/token``, ``/api/logout``, ``/versions`` and a slice of ``/api/4.0``."""

from __future__ import annotations

import secrets
from typing import NoReturn

from ._config import DemoUser
from ._grants import OAuthError, token_grant
from ._shapes import error_json, user_json, versions_json
from ._web import ApiHandler, parse_json

__all__ = ["Api40Handler", "LogoutHandler", "TokenHandler", "VersionsHandler"]

REQUIRES_AUTH = "Requires authentication."


def bearer_token(header: str | None) -> str | None:
    """The token of ``Authorization: Bearer <token>`` (or Looker's older ``token <token>``)."""
    scheme, _, token = (header or "").strip().partition(" ")
    if scheme.lower() in ("bearer", "token") and token.strip():
        return token.strip()
    return None


class TokenHandler(ApiHandler):
    """``POST /api/token``: JSON body only, public client (no Basic auth), RFC 6749 errors
    (or Looker's API error model: ``token_error_body``)."""

    async def prepare(self) -> None:
        body = parse_json(self.request.body)
        grant_type = body.get("grant_type") if isinstance(body, dict) else None
        if isinstance(grant_type, str):
            self.ctx.traffic.count_token_request(grant_type)
        if isinstance(body, dict):
            self.ctx.store.tokens.remember(
                *(body.get(name) for name in ("code", "code_verifier", "refresh_token"))
            )
        late = self.ctx.config.token_latency
        if late > 0 and await self._stopped_during(late):
            self._finished = True  # shutting down: the connection is gone, answer nothing
            return
        await super().prepare()

    def post(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("Pragma", "no-cache")
        authorization = self.request.headers.get("Authorization", "")
        if authorization.strip().lower().startswith("basic"):
            self.oauth_error(OAuthError("invalid_client", "Failed Basic Authentication", 401))
        media_type = self.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if media_type != "application/json":
            sentence = "The request body must be JSON (Content-Type: application/json)."
            self.oauth_error(OAuthError("invalid_request", sentence))
        body = parse_json(self.request.body)
        if not isinstance(body, dict):
            sentence = "The request body is not a JSON object."
            self.oauth_error(OAuthError("invalid_request", sentence))
        try:
            self.send_json(token_grant(self.ctx.store, body))
        except OAuthError as error:
            self.oauth_error(error)

    def oauth_error(self, error: OAuthError) -> NoReturn:
        """Refuse with RFC 6749's body or Looker's API error model (``token_error_body``), at
        the error's own status or ``token_error_status``."""
        config = self.ctx.config
        body = error.body() if config.token_error_body == "oauth" else error_json(str(error))
        self.abort(config.token_error_status or error.status, body)


class LogoutHandler(ApiHandler):
    """``DELETE /api/logout``: revoke the bearer token and the refresh token issued with it."""

    def delete(self) -> None:
        token = bearer_token(self.request.headers.get("Authorization"))
        if token is None or not self.ctx.store.tokens.logout(token):
            self.abort(401, error_json(REQUIRES_AUTH))
        self.set_status(204)
        self.finish()


class VersionsHandler(ApiHandler):
    """``GET /versions``: no authentication; tells clients where the API and the UI live."""

    def get(self) -> None:
        self.send_model(versions_json(self.ctx.api_url, self.ctx.web_url), "ApiVersion")


class Api40Handler(ApiHandler):
    """An ``/api/4.0`` endpoint: needs a live bearer token; ``self.user`` is its owner."""

    user: DemoUser

    async def prepare(self) -> None:
        await super().prepare()
        if self._finished:
            return
        token = bearer_token(self.request.headers.get("Authorization"))
        user = self.ctx.store.authenticate(token) if token else None
        if user is None:
            self.abort(401, error_json(REQUIRES_AUTH))
        self.user = user

    def require_admin(self) -> None:
        if not self.user.is_admin:
            self.abort(403, error_json("You do not have permission to do that; ask an admin."))


class MeHandler(Api40Handler):
    """``GET /api/4.0/user``: the user the token belongs to."""

    def get(self) -> None:
        self.send_model(user_json(self.user, self.ctx.api_url), "User")


class UserHandler(Api40Handler):
    """``GET /api/4.0/users/{id}``: yourself, or anyone for an admin."""

    def get(self, user_id: str) -> None:
        user = self.ctx.store.user(user_id)
        if user is None:
            self.not_found()
        if user.id != self.user.id:
            self.require_admin()
        self.send_model(user_json(user, self.ctx.api_url), "User")


class Api3LoginHandler(ApiHandler):
    """``POST /api/4.0/login``: API3 client credentials (form-encoded) log in as the admin."""

    def post(self) -> None:
        client_id = self.get_argument("client_id", "", strip=False)
        client_secret = self.get_argument("client_secret", "", strip=False)
        config = self.ctx.config
        admin = self.ctx.store.admin()
        valid = secrets.compare_digest(
            client_id.encode(), config.admin_client_id.encode()
        ) & secrets.compare_digest(client_secret.encode(), config.admin_client_secret.encode())
        if not valid or admin is None:
            self.not_found()
        store = self.ctx.store
        tokens = store.tokens.issue(store.tokens.api3_grant(admin.id), with_refresh=False)
        self.set_header("Cache-Control", "no-store")
        self.send_json(
            {
                "access_token": tokens.access_token,
                "token_type": "Bearer",
                "expires_in": tokens.expires_in,
                "refresh_token": None,
            }
        )
