"""The hub service's routes: a user's browser pages (JupyterHub OAuth cookie) and the JSON API
that kernels and admins call with a JupyterHub token.

Who the caller is comes from JupyterHub alone (``HubAuth`` / ``HubOAuth``): a token or cookie
names one hub user, and every route acts for that user; no route takes a user name from the
caller except the admin ones, which need ``admin:users``. The API routes read the token from the
``Authorization`` header only (never a cookie), so no other site can drive them from a browser.
Bad input is a 4xx with one sentence; the broker's typed errors map to their status in one place
(``_status``). Nothing here logs a query string (the access log logs paths: ``service.py``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, TypeVar

from jupyterhub.services.auth import (  # type: ignore[import-untyped]  # no py.typed
    HubAuth,
    HubAuthenticated,
    HubOAuth,
    HubOAuthCallbackHandler,
    HubOAuthenticated,
    UserNotAllowed,
)
from tornado import web
from tornado.ioloop import IOLoop

from .._errors import (
    CallbackError,
    LoginRequired,
    LookerAuthError,
    LookerServerError,
    LookerUnreachable,
)
from .broker import Broker
from .pages import admin_page, message_page, user_page

__all__ = ["Context", "routes"]

log = logging.getLogger(__name__)
T = TypeVar("T")

_NO_USER = "This token belongs to no hub user; call with a hub user's or their server's token."
_NOT_ADMIN = "Only a hub admin (the admin:users scope) may see or end other users' logins."
_NO_TOKEN = (
    "No valid JupyterHub token with access to this service; send your server's "
    "JUPYTERHUB_API_TOKEN as 'Authorization: token ...'."
)


@dataclass
class Context:
    """What every handler shares: the broker, the pool its calls run on, the hub's auth."""

    broker: Broker
    executor: Executor
    oauth: HubOAuth  # browser pages: the hub's OAuth cookie (or a token)
    token_auth: HubAuth  # the JSON API: a token in the Authorization header only
    prefix: str  # the service's prefix on the hub, e.g. /hub-base/services/looker/
    #: This service's public URL when JupyterHub knows it (``c.JupyterHub.public_url``),
    #: else "" (then the login URL is a path on the hub's own origin).
    public_url: str

    @property
    def login_url(self) -> str:
        """Where a user logs in to Looker on this hub."""
        base = self.public_url if self.public_url else self.prefix
        return f"{base.rstrip('/')}/login"

    async def run(self, call: Callable[..., T], *args: Any) -> T:
        """``call(*args)`` on the pool: the broker is synchronous (its locks are the single
        flight) and must not block the event loop."""
        return await IOLoop.current().run_in_executor(self.executor, call, *args)


def _status(exc: LookerAuthError) -> int:
    """The one map of the broker's errors to HTTP statuses."""
    if isinstance(exc, LoginRequired):
        return 401
    if isinstance(exc, LookerUnreachable):
        return 502
    if isinstance(exc, LookerServerError):
        return 503
    if isinstance(exc, CallbackError):
        return 400
    return 400 if exc.status_code is None or exc.status_code < 500 else 502


class _Handler(HubAuthenticated, web.RequestHandler):  # type: ignore[misc]
    """Identifies the caller through JupyterHub before any verb runs (``prepare``), without
    blocking the event loop on the hub's API."""

    ctx: Context

    def initialize(self, ctx: Context) -> None:
        self.ctx = ctx

    async def prepare(self) -> None:
        model = await self.hub_auth.get_user(self, sync=False)
        user = None
        if model:
            try:
                user = self.check_hub_user(model)
            except UserNotAllowed:
                user = None
        self._hub_auth_user_cache = user

    @property
    def hub_user(self) -> str:
        """The hub user calling; 403 for a service's token or none."""
        model = self.current_user
        if not model:
            raise web.HTTPError(403, _NO_TOKEN)
        if model.get("kind", "user") != "user":
            raise web.HTTPError(403, _NO_USER)
        return str(model["name"])

    def is_admin(self) -> bool:
        model = self.current_user
        if not model:
            return False
        return bool(model.get("admin")) or bool(self.hub_auth.check_scopes({"admin:users"}, model))

    def _request_summary(self) -> str:
        """What tornado's warnings and errors name the request by: the path, never the query
        (Looker's callback carries the code there)."""
        return f"{self.request.method} {self.request.path} ({self.request.remote_ip})"

    def set_default_headers(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("Referrer-Policy", "no-referrer")


# -- the JSON API -------------------------------------------------------------------------------


class _Api(_Handler):
    def initialize(self, ctx: Context) -> None:
        super().initialize(ctx)
        self.hub_auth = ctx.token_auth

    def check_xsrf_cookie(self) -> None:
        """A token in a header, never a cookie: a cross-site form cannot send one."""

    async def prepare(self) -> None:
        await super().prepare()
        if not self.current_user:
            raise web.HTTPError(403, _NO_TOKEN)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        message = exc.log_message if isinstance(exc, web.HTTPError) else None
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"message": message or self._reason}))

    def reply(self, status: int, body: Any) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))

    def where(self) -> dict[str, str]:
        """Which Looker the service logs in to: a kernel on the hub has no settings of its own
        (``looker_url`` once the service knows Looker's UI host)."""
        broker = self.ctx.broker
        found = {"base_url": broker.settings.base_url}
        if broker.looker_url is not None:
            found["looker_url"] = broker.looker_url
        return found

    def failed(self, exc: LookerAuthError) -> None:
        body: dict[str, Any] = {"message": str(exc)}
        if isinstance(exc, LoginRequired):
            body.update(login_url=self.ctx.login_url, **self.where())
        self.reply(_status(exc), body)


class TokenHandler(_Api):
    """``GET api/token``: the calling user's access token (never a refresh token)."""

    async def get(self) -> None:
        user = self.hub_user
        broker = self.ctx.broker
        try:
            access, expires_at, looker_user = await self.ctx.run(broker.access_token, user)
        except LookerAuthError as exc:
            self.failed(exc)
            return
        self.reply(
            200,
            {
                **self.where(),
                "access_token": access.reveal(),
                "token_type": "Bearer",
                "expires_in": max(0.0, expires_at - broker.clock()),
                "looker_user": None
                if looker_user is None
                else {
                    "id": looker_user.id,
                    "display_name": looker_user.display_name,
                    "email": looker_user.email,
                },
            },
        )


class LogoutApiHandler(_Api):
    """``POST api/logout``: end the calling user's login (revoked at Looker)."""

    async def post(self) -> None:
        ended = await self.ctx.run(self.ctx.broker.logout, self.hub_user)
        self.reply(200, {"logged_out": ended})


class AdminLoginsHandler(_Api):
    """``GET api/admin/logins``: every login, without secrets; ``DELETE .../{user}`` ends one."""

    def _admin(self) -> None:
        if not self.is_admin():
            raise web.HTTPError(403, _NOT_ADMIN)

    async def get(self, user: str = "") -> None:
        self._admin()
        if user:
            raise web.HTTPError(405, "GET lists every login; DELETE ends one.")
        logins = await self.ctx.run(self.ctx.broker.summaries)
        self.reply(200, [summary.as_json() for summary in logins])

    async def delete(self, user: str = "") -> None:
        self._admin()
        if not user:
            raise web.HTTPError(405, "DELETE needs a user: api/admin/logins/{user}.")
        ended = await self.ctx.run(self.ctx.broker.logout, user)
        if not ended:
            raise web.HTTPError(404, f"Hub user {user} has no Looker login on this hub.")
        self.reply(200, {"user": user, "logged_out": True})


# -- browser pages ------------------------------------------------------------------------------


class _Page(HubOAuthenticated, _Handler):  # type: ignore[misc]
    def initialize(self, ctx: Context) -> None:
        super().initialize(ctx)
        self.hub_auth = ctx.oauth

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        message = exc.log_message if isinstance(exc, web.HTTPError) else None
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(message_page("Looker login", message or self._reason, error=True))

    def show(self, html: str, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(html)


class UserPageHandler(_Page):
    """``GET /``: your Looker login on this hub, Log in / Log out."""

    @web.authenticated
    async def get(self) -> None:
        user = self.hub_user
        login = await self.ctx.run(self.ctx.broker.store.get, user)
        html = user_page(user, login, prefix=self.ctx.prefix, xsrf_form=self.xsrf_form_html())
        self.show(html)


def _local_next(value: str | None) -> str | None:
    """A ``next`` that stays on the hub (a path), or None: no open redirect."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    return value


class LoginHandler(_Page):
    """``GET login?next=``: to Looker's login page."""

    @web.authenticated
    async def get(self) -> None:
        user = self.hub_user
        next_url = _local_next(self.get_query_argument("next", None))
        try:
            url = await self.ctx.run(self._start, user, next_url)
        except LookerAuthError as exc:
            self.show(message_page("Looker login", str(exc), error=True), _status(exc))
            return
        self.redirect(url)

    def _start(self, user: str, next_url: str | None) -> str:
        return self.ctx.broker.start_login(user, next_url=next_url)


class CallbackHandler(_Page):
    """``GET callback``: Looker's redirect; redeems the code for the hub user who started it."""

    @web.authenticated
    async def get(self) -> None:
        user = self.hub_user
        try:
            looker_user, next_url = await self.ctx.run(
                self.ctx.broker.complete_login, user, self.request.query
            )
        except CallbackError as exc:
            self.show(message_page("Looker login", exc.page, error=True), 400)
            return
        except LookerAuthError as exc:
            self.show(message_page("Looker login", str(exc), error=True), _status(exc))
            return
        if next_url:
            self.redirect(next_url)
            return
        self.show(
            message_page(
                "Logged in to Looker",
                f"Logged in to Looker as {looker_user}; every notebook on this hub is logged in "
                "now. You can close this tab.",
            )
        )


class LogoutPageHandler(_Page):
    """``POST logout`` (the user page's button)."""

    @web.authenticated
    async def post(self) -> None:
        await self.ctx.run(self.ctx.broker.logout, self.hub_user)
        self.redirect(self.ctx.prefix)


class AdminPageHandler(_Page):
    """``GET admin``: every login with an End button; ``POST admin/logout`` ends one."""

    @web.authenticated
    async def get(self) -> None:
        if not self.is_admin():
            raise web.HTTPError(403, _NOT_ADMIN)
        logins = await self.ctx.run(self.ctx.broker.summaries)
        self.show(admin_page(logins, prefix=self.ctx.prefix, xsrf_form=self.xsrf_form_html()))

    @web.authenticated
    async def post(self) -> None:
        if not self.is_admin():
            raise web.HTTPError(403, _NOT_ADMIN)
        user = self.get_body_argument("user", "")
        if not user:
            raise web.HTTPError(400, "Say which hub user's login to end.")
        await self.ctx.run(self.ctx.broker.logout, user)
        self.redirect(f"{self.ctx.prefix}admin")


class OAuthCallbackHandler(HubOAuthCallbackHandler):  # type: ignore[misc]
    """JupyterHub's own OAuth callback for this service's browser pages (``oauth_callback``)."""

    def initialize(self, ctx: Context) -> None:
        self.hub_auth = ctx.oauth

    def _request_summary(self) -> str:
        return f"{self.request.method} {self.request.path} ({self.request.remote_ip})"


def routes(ctx: Context) -> list[tuple[str, type[web.RequestHandler], dict[str, Any]]]:
    """Every route, under the service's prefix."""
    p, kw = ctx.prefix, {"ctx": ctx}
    return [
        (p, UserPageHandler, kw),
        (f"{p}login", LoginHandler, kw),
        (f"{p}callback", CallbackHandler, kw),
        (f"{p}logout", LogoutPageHandler, kw),
        (f"{p}admin", AdminPageHandler, kw),
        (f"{p}admin/logout", AdminPageHandler, kw),
        (f"{p}oauth_callback", OAuthCallbackHandler, kw),
        (f"{p}api/token", TokenHandler, kw),
        (f"{p}api/logout", LogoutApiHandler, kw),
        (f"{p}api/admin/logins", AdminLoginsHandler, kw),
        (f"{p}api/admin/logins/([^/]+)", AdminLoginsHandler, kw),
    ]
