"""Every route of the hub service, registered in one place under its prefix on the hub
(``JUPYTERHUB_SERVICE_PREFIX``, e.g. ``/services/looker/``)."""

from __future__ import annotations

from typing import Any

from tornado import web

from .api import AdminLoginsHandler, LogoutApiHandler, TokenHandler
from .browser import (
    AdminPageHandler,
    CallbackHandler,
    LoginHandler,
    LogoutPageHandler,
    OAuthCallbackHandler,
    UserPageHandler,
)
from .handlers import Context

__all__ = ["routes"]


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
