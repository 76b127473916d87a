"""The hub service's pages in a hub user's browser: their login (``/``), ``login`` (to Looker),
``callback`` (Looker's redirect), ``logout``, and the ``admin`` page.

Behind JupyterHub's OAuth (``HubOAuth``: the service's cookie, set at ``oauth_callback``), so the
hub user is whoever the hub says is browsing; forms post with XSRF. Looker's callback is
redeemed only for the hub user who started that login (``broker.complete_login``).
"""

from __future__ import annotations

from typing import Any

from jupyterhub.services.auth import (
    HubOAuthCallbackHandler,
    HubOAuthenticated,
)
from tornado import web

from .._errors import CallbackError, LookerAuthError
from .handlers import NOT_ADMIN, Context, Handler, http_status, path_only
from .pages import admin_page, message_page, user_page

__all__ = [
    "AdminPageHandler",
    "CallbackHandler",
    "LoginHandler",
    "LogoutPageHandler",
    "OAuthCallbackHandler",
    "UserPageHandler",
]


class _Page(HubOAuthenticated, Handler):  # type: ignore[misc]
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
            self.show(message_page("Looker login", str(exc), error=True), http_status(exc))
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
            self.show(message_page("Looker login", str(exc), error=True), http_status(exc))
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
            raise web.HTTPError(403, NOT_ADMIN)
        logins = await self.ctx.run(self.ctx.broker.summaries)
        self.show(admin_page(logins, prefix=self.ctx.prefix, xsrf_form=self.xsrf_form_html()))

    @web.authenticated
    async def post(self) -> None:
        if not self.is_admin():
            raise web.HTTPError(403, NOT_ADMIN)
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
        return path_only(self)
