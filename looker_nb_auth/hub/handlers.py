"""What every route of the hub service shares: who the caller is, and one map of errors to HTTP
statuses. The routes are ``api.py`` (the JSON API kernels and admins call with a JupyterHub
token) and ``browser.py`` (a user's pages, with JupyterHub's OAuth cookie).

Who the caller is comes from JupyterHub alone (``HubAuth`` / ``HubOAuth``): a token or cookie
names one hub user, and every route acts for that user; no route takes a user name from the
caller except the admin ones, which need ``admin:users``. The API routes read the token from the
``Authorization`` header only (never a cookie), so no other site can drive them from a browser.
Bad input is a 4xx with one sentence; the broker's typed errors map to their status in one place
(``http_status``). Nothing here logs a query string (the access log logs paths: ``service.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, TypeVar

from jupyterhub.services.auth import (
    HubAuth,
    HubAuthenticated,
    HubOAuth,
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

__all__ = ["NOT_ADMIN", "NO_TOKEN", "Context", "Handler", "http_status", "path_only"]

T = TypeVar("T")

NO_USER = "This token belongs to no hub user; call with a hub user's or their server's token."
NOT_ADMIN = "Only a hub admin (the admin:users scope) may see or end other users' logins."
NO_TOKEN = (
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


def http_status(exc: LookerAuthError) -> int:
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


class Handler(HubAuthenticated, web.RequestHandler):  # type: ignore[misc]
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
            raise web.HTTPError(403, NO_TOKEN)
        if model.get("kind", "user") != "user":
            raise web.HTTPError(403, NO_USER)
        return str(model["name"])

    def is_admin(self) -> bool:
        model = self.current_user
        if not model:
            return False
        return bool(model.get("admin")) or bool(self.hub_auth.check_scopes({"admin:users"}, model))

    def _request_summary(self) -> str:
        return path_only(self)

    def set_default_headers(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("Referrer-Policy", "no-referrer")


def path_only(handler: web.RequestHandler) -> str:
    """What tornado's warnings and errors name a request by: the path, never the query
    (Looker's callback carries the code there)."""
    request = handler.request
    return f"{request.method} {request.path} ({request.remote_ip})"
