"""The hub service's JSON API: ``api/token`` and ``api/logout`` for a hub user's kernels and
scripts (their server's ``JUPYTERHUB_API_TOKEN``), ``api/admin/logins`` for admins.

The token comes in the ``Authorization`` header only, never a cookie, so no other site can drive
these routes from a browser, and they need no XSRF token. Every answer is JSON, every error
``{"message": sentence}``; an access token answer says which Looker it is for (a kernel on the
hub has no Looker settings of its own) and is never cached.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from tornado import web

from .._errors import LoginRequired, LookerAuthError
from .handlers import NO_TOKEN, NOT_ADMIN, Context, Handler, http_status

__all__ = ["AdminLoginsHandler", "LogoutApiHandler", "TokenHandler"]

_FINGERPRINT = re.compile(r"[0-9a-f]{64}")


class _Api(Handler):
    def initialize(self, ctx: Context) -> None:
        super().initialize(ctx)
        self.hub_auth = ctx.token_auth

    def check_xsrf_cookie(self) -> None:
        """A token in a header, never a cookie: a cross-site form cannot send one."""

    async def prepare(self) -> None:
        await super().prepare()
        if not self.current_user:
            raise web.HTTPError(403, NO_TOKEN)

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
        self.reply(http_status(exc), body)


class TokenHandler(_Api):
    """``GET api/token``: the calling user's access token (never a refresh token).

    ``?refused=<SHA-256 hex of a token>``: Looker answered 401 to that token (revoked there, or
    its token store restarted), so if it is still the stored one it is renewed now rather than
    handed out again until it expires. A fingerprint, never the token: URLs end up in logs."""

    async def get(self) -> None:
        user = self.hub_user
        broker = self.ctx.broker
        refused = self.get_query_argument("refused", None)
        if refused is not None and not _FINGERPRINT.fullmatch(refused):
            raise web.HTTPError(400, "refused= takes the SHA-256 of a token, in hex.")
        try:
            access, expires_at, looker_user = await self.ctx.run(
                functools.partial(broker.access_token, user, refused=refused)
            )
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
            raise web.HTTPError(403, NOT_ADMIN)

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
