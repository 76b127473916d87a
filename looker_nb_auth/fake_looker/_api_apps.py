"""``/api/4.0/oauth_client_apps``: register, read, update, delete apps and their users (admin)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from ._api import Api40Handler
from ._config import OAuthApp
from ._shapes import DOCS_URL, app_json, error_json

__all__ = ["AppHandler", "AppTokensHandler", "AppUserHandler", "AppsHandler"]

_TEXT_FIELDS = ("redirect_uri", "display_name", "description", "group_id")


def _absolute_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not parts.fragment


class _AppsBase(Api40Handler):
    def app_or_404(self, client_guid: str) -> OAuthApp:
        app = self.ctx.store.app(client_guid)
        if app is None:
            self.not_found()
        return app

    def send_app(self, app: OAuthApp) -> None:
        store = self.ctx.store
        invalid_before = store.tokens.invalid_before(app.client_guid)
        activated = store.activated_users(app.client_guid)
        self.send_json(app_json(app, invalid_before, activated, self.ctx.api_url))

    def invalid(self, field: str, code: str, message: str) -> None:
        detail = {"field": field, "code": code, "message": message, "documentation_url": DOCS_URL}
        self.abort(422, error_json("Validation Failed", errors=[detail]))

    def write_body(self, *, creating: bool) -> dict[str, Any]:
        """The WriteOauthClientApp body, checked field by field (422 on the first problem)."""
        body = self.json_body()
        if not isinstance(body, dict):
            self.abort(400, error_json("The request body must be a JSON object."))
        uris = body.pop("redirect_uris", None)
        if uris is not None:
            single = isinstance(uris, list) and len(uris) == 1
            if not single or body.get("redirect_uri") not in (None, uris[0]):
                self.invalid("redirect_uris", "invalid", "The stand-in keeps one redirect URI.")
            body["redirect_uri"] = uris[0]
        for name in _TEXT_FIELDS:
            if name in body and body[name] is not None and not isinstance(body[name], str):
                self.invalid(name, "invalid", f"{name} must be a string.")
        if "enabled" in body and not isinstance(body["enabled"], bool):
            self.invalid("enabled", "invalid", "enabled must be true or false.")
        for name in ("redirect_uri", "display_name"):
            if (creating or name in body) and not body.get(name):
                self.invalid(name, "missing", f"{name} is required.")
        if "redirect_uri" in body and not _absolute_url(body["redirect_uri"]):
            self.invalid("redirect_uri", "invalid", "redirect_uri must be an absolute URL.")
        return {k: v for k, v in body.items() if k in (*_TEXT_FIELDS, "enabled")}


class AppsHandler(_AppsBase):
    """``GET /api/4.0/oauth_client_apps``."""

    def get(self) -> None:
        self.require_admin()
        store = self.ctx.store
        self.send_json(
            [
                app_json(
                    app,
                    store.tokens.invalid_before(app.client_guid),
                    store.activated_users(app.client_guid),
                    self.ctx.api_url,
                )
                for app in store.apps()
            ]
        )


class AppHandler(_AppsBase):
    """``/api/4.0/oauth_client_apps/{client_guid}``: GET, POST (register), PATCH, DELETE."""

    def get(self, client_guid: str) -> None:
        self.require_admin()
        self.send_app(self.app_or_404(client_guid))

    def post(self, client_guid: str) -> None:
        self.require_admin()
        fields = self.write_body(creating=True)
        if self.ctx.store.app(client_guid) is not None:
            self.abort(409, error_json("An OAuth client app with this client_guid already exists."))
        app = OAuthApp(
            client_guid=client_guid,
            redirect_uri=fields["redirect_uri"],
            display_name=fields["display_name"],
            description=fields.get("description") or "",
            enabled=fields.get("enabled", True),
            group_id=fields.get("group_id"),
        )
        if not self.ctx.store.add_app(app):
            self.abort(409, error_json("An OAuth client app with this client_guid already exists."))
        self.send_app(app)

    def patch(self, client_guid: str) -> None:
        self.require_admin()
        fields = self.write_body(creating=False)
        if "description" in fields and fields["description"] is None:
            fields["description"] = ""
        app = self.ctx.store.update_app(client_guid, fields)
        if app is None:
            self.not_found()
        self.send_app(app)

    def delete(self, client_guid: str) -> None:
        self.require_admin()
        if not self.ctx.store.delete_app(client_guid):
            self.not_found()
        self.set_status(204)
        self.finish()


class AppTokensHandler(_AppsBase):
    """``DELETE /api/4.0/oauth_client_apps/{client_guid}/tokens``: invalidate_tokens."""

    def delete(self, client_guid: str) -> None:
        self.require_admin()
        self.app_or_404(client_guid)
        self.ctx.store.tokens.invalidate_app(client_guid)
        self.set_status(204)
        self.finish()


class AppUserHandler(_AppsBase):
    """``/api/4.0/oauth_client_apps/{client_guid}/users/{user_id}``: (de)activate a user.

    Admins may act for anyone; other users only for themselves.
    """

    def _target(self, client_guid: str, user_id: str) -> None:
        self.app_or_404(client_guid)
        if self.ctx.store.user(user_id) is None:
            self.not_found()
        if user_id != self.user.id:
            self.require_admin()

    def post(self, client_guid: str, user_id: str) -> None:
        self._target(client_guid, user_id)
        self.ctx.store.approve(user_id, client_guid)
        self.set_status(204)
        self.finish()

    def delete(self, client_guid: str, user_id: str) -> None:
        self._target(client_guid, user_id)
        self.ctx.store.deactivate_app_user(client_guid, user_id)
        self.set_status(204)
        self.finish()
