"""``/api/4.0/oauth_client_apps``: register, read, update, delete apps and their users (admin)."""

from __future__ import annotations

from typing import Any, NoReturn
from urllib.parse import urlsplit

from ._api import Api40Handler
from ._config import OAuthApp
from ._shapes import DOCS_URL, app_json, error_json

__all__ = ["AppHandler", "AppTokensHandler", "AppUserHandler", "AppsHandler"]

_TEXT_FIELDS = ("redirect_uri", "display_name", "description", "group_id")
_CONFLICT = "An OAuth client app with this client_guid already exists."


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

    def app_body(self, app: OAuthApp) -> dict[str, object]:
        """The app as Looker answers it; a Looker before 26.18 (``ignore_list``) has no
        ``redirect_uris``."""
        store = self.ctx.store
        invalid_before = store.tokens.invalid_before(app.client_guid)
        activated = store.activated_users(app.client_guid)
        body = app_json(app, invalid_before, activated, self.ctx.api_url)
        if self.ctx.config.redirect_uri_precedence == "ignore_list":
            del body["redirect_uris"]
        return body

    def send_app(self, app: OAuthApp) -> None:
        self.send_model(self.app_body(app), "OauthClientApp")

    def invalid(self, field: str, code: str, message: str) -> NoReturn:
        detail = {"field": field, "code": code, "message": message, "documentation_url": DOCS_URL}
        self.abort(422, error_json("Validation Failed", errors=[detail]))

    def write_body(self, *, creating: bool) -> dict[str, Any]:
        """The WriteOauthClientApp body, checked field by field (422 on the first problem).

        The answer holds ``redirect_uris`` and ``redirect_uri`` together whenever either was
        written: the list, and its first URI.
        """
        body = self.json_body()
        if not isinstance(body, dict):
            self.abort(400, error_json("The request body must be a JSON object."))
        for name in _TEXT_FIELDS:
            if name in body and body[name] is not None and not isinstance(body[name], str):
                self.invalid(name, "invalid", f"{name} must be a string.")
        if "enabled" in body and not isinstance(body["enabled"], bool):
            self.invalid("enabled", "invalid", "enabled must be true or false.")
        uris = self.redirect_uris(body, creating=creating)
        if (creating or "display_name" in body) and not body.get("display_name"):
            self.invalid("display_name", "missing", "display_name is required.")
        fields = {k: v for k, v in body.items() if k in ("display_name", "description", "enabled")}
        if "group_id" in body:
            fields["group_id"] = body["group_id"] or None  # "" means no group, as on Looker
        if uris is not None:
            fields["redirect_uris"], fields["redirect_uri"] = uris, uris[0]
        return fields

    def redirect_uris(self, body: dict[str, Any], *, creating: bool) -> list[str] | None:
        """The app's new redirect URIs (None: unchanged): ``redirect_uris``, or else
        ``[redirect_uri]``. When both are written, ``redirect_uri_precedence`` decides: the
        list wins and ``redirect_uri`` must be its first (``list``, ``one_uri``: then only the
        first is kept), ``redirect_uri`` wins (``deprecated``), or the list is ignored
        (``ignore_list``, even when written alone)."""
        precedence = self.ctx.config.redirect_uri_precedence
        single, many = body.get("redirect_uri"), body.get("redirect_uris")
        if precedence == "ignore_list" or (precedence == "deprecated" and single is not None):
            many = None
        if many is None:
            if single is None:
                if creating or "redirect_uri" in body:
                    self.invalid("redirect_uri", "missing", "redirect_uri is required.")
                return None
            field, uris = "redirect_uri", [single]
        else:
            field = "redirect_uris"
            if not isinstance(many, list) or not many or not all(isinstance(u, str) for u in many):
                self.invalid(field, "invalid", "redirect_uris must be a non-empty list of URLs.")
            if single is not None and single != many[0]:
                sentence = "redirect_uri must be the first of redirect_uris."
                self.invalid("redirect_uri", "invalid", sentence)
            uris = list(many)
        if not all(_absolute_url(uri) for uri in uris):
            self.invalid(field, "invalid", f"{field} must be absolute URLs.")
        if len(set(uris)) != len(uris):
            self.invalid(field, "invalid", "redirect_uris lists a URI twice.")
        return uris[:1] if precedence == "one_uri" else uris


class AppsHandler(_AppsBase):
    """``GET /api/4.0/oauth_client_apps``."""

    def get(self) -> None:
        self.require_admin()
        apps = [self.app_body(app) for app in self.ctx.store.apps()]
        self.send_model(apps, "OauthClientApp")


class AppHandler(_AppsBase):
    """``/api/4.0/oauth_client_apps/{client_guid}``: GET, POST (register), PATCH, DELETE."""

    def get(self, client_guid: str) -> None:
        self.require_admin()
        self.send_app(self.app_or_404(client_guid))

    def post(self, client_guid: str) -> None:
        self.require_admin()
        fields = self.write_body(creating=True)
        if self.ctx.store.app(client_guid) is not None:
            self.abort(409, error_json(_CONFLICT))
        app = OAuthApp(
            client_guid=client_guid,
            redirect_uri=fields["redirect_uri"],
            display_name=fields["display_name"],
            description=fields.get("description") or "",
            enabled=fields.get("enabled", True),
            group_id=fields.get("group_id"),
            redirect_uris=fields["redirect_uris"],
        )
        if not self.ctx.store.add_app(app):
            self.abort(409, error_json(_CONFLICT))
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
        """Deleting an app that does not exist succeeds too, as on Looker (spec: "does not
        return an error if the indicated resource does not exist")."""
        self.require_admin()
        self.ctx.store.delete_app(client_guid)
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
