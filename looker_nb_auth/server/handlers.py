"""Step 2: the server extension's routes under ``{base_url}looker-nb-auth/``.

Browser (the user's normal Jupyter login): ``GET callback`` is where Looker sends the popup, and
``POST cancel`` is the widget's Cancel button. Kernel (the per-run secret this server exported to
the kernels it starts, or a logged-in Jupyter user): ``POST pending`` registers a state, ``GET
pickup`` parks until its answer arrives, ``DELETE pending`` drops it. Errors are 4xx with one
sentence; no code, state or secret is ever logged.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import math
import re
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.base.handlers import APIHandler, JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web

from .. import _callback_page as callback_page
from .._callback_page import UnknownState
from .._errors import CallbackError
from .._protocol import SECRET_HEADER
from ..jupyterhub import HubServer, is_valid_state, state_server_name
from ..oauth.callback import START_AGAIN, parse_callback
from .pending import AlreadyRegistered, ResultStore, StoreFull

__all__ = [
    "CallbackHandler",
    "CancelHandler",
    "HandlerContext",
    "PendingHandler",
    "PickupHandler",
    "routes",
]

_MAX_BODY_BYTES = 4096
_log = logging.getLogger(__name__)

_ERROR_PAGES = {
    403: "This Jupyter server did not accept this browser's login; log in to Jupyter here, then "
    "click Log in to Looker in the notebook again.",
    405: f"This page only answers Looker's redirect; {START_AGAIN}",
}


@dataclass
class HandlerContext:
    """What the routes share for one server run (tests may swap ``store``)."""

    store: ResultStore
    secret: str
    pickup_wait_max: float = 60.0
    pickup_wait_default: float = 25.0
    #: On JupyterHub: this server's user, name and the hub's base URL (from the spawner's env).
    hub: HubServer | None = None


def routes(base_url: str, context: HandlerContext) -> list[tuple[str, type[Any], dict[str, Any]]]:
    """The URL table, for ``web_app.add_handlers(".*$", ...)``."""
    prefix = url_path_join(re.escape(base_url), "looker-nb-auth")
    kwargs = {"context": context}
    return [
        (url_path_join(prefix, "callback"), CallbackHandler, kwargs),
        (url_path_join(prefix, "cancel"), CancelHandler, kwargs),
        (url_path_join(prefix, "pending"), PendingHandler, kwargs),
        (url_path_join(prefix, "pickup"), PickupHandler, kwargs),
    ]


class _QuietHandler(web.RequestHandler):
    """Logs errors with the path only: the query may carry a code or a state."""

    def log_exception(
        self,
        typ: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if isinstance(value, web.HTTPError):
            _log.warning("%s %s: %s", self.request.method, self.request.path, value)
        else:
            _log.error(
                "Uncaught exception in %s %s",
                self.request.method,
                self.request.path,
                exc_info=value,
            )

    def _hide_query(self) -> None:
        """Keep the query out of the access log (Jupyter scrubs only well-spelled keys)."""
        self.request.uri = self.request.path


class _JsonHandler(_QuietHandler, APIHandler):
    context: HandlerContext

    def initialize(self, context: HandlerContext) -> None:
        self.context = context

    def _state_from_body(self) -> str:
        body = self.request.body
        try:
            data = json.loads(body) if len(body) <= _MAX_BODY_BYTES else None
        except (ValueError, RecursionError):
            data = None
        state = data.get("state") if isinstance(data, dict) else None
        if not is_valid_state(state):
            raise web.HTTPError(
                400,
                'The body must be JSON {"state": ...} with a state of 32-128 URL-safe characters.',
            )
        assert isinstance(state, str)
        return state

    def _state_from_query(self) -> str:
        values = self.request.query_arguments.get("state", [])
        if len(values) != 1 or not is_valid_state(values[0].decode("latin-1")):
            raise web.HTTPError(400, "The query must have one state of 32-128 URL-safe characters.")
        return values[0].decode("ascii")

    def _no_content(self) -> None:
        self.set_status(204)
        self.finish()


class _KernelHandler(_JsonHandler):
    """Kernel routes: the per-run secret, or a logged-in Jupyter user (admins' tools)."""

    _track_activity = False  # a kernel's long-poll is not user activity

    def _has_secret(self) -> bool:
        given = self.request.headers.get(SECRET_HEADER, "")
        return bool(given) and hmac.compare_digest(
            given.encode("utf-8"), self.context.secret.encode("utf-8")
        )

    def check_xsrf_cookie(self) -> None:
        if self._has_secret():
            return  # a browser cannot know the secret, so this is no cross-site request
        super().check_xsrf_cookie()

    def _require_kernel_or_user(self) -> None:
        self._hide_query()
        if not (self._has_secret() or self.current_user):
            raise web.HTTPError(403, "This needs the kernel secret or a logged-in Jupyter user.")


class PendingHandler(_KernelHandler):
    """``POST pending {"state"}`` registers a login; ``DELETE pending?state=`` drops it."""

    @allow_unauthenticated
    def post(self) -> None:
        self._require_kernel_or_user()
        state = self._state_from_body()
        try:
            self.context.store.register(state)
        except AlreadyRegistered:
            raise web.HTTPError(409, "This login state is already registered.") from None
        except StoreFull:
            raise web.HTTPError(
                429,
                "Too many Looker logins are pending on this server; try again in a few minutes.",
            ) from None
        self.set_status(201)
        self.finish(json.dumps({"expires_in": self.context.store.ttl}))

    @allow_unauthenticated
    def delete(self) -> None:
        self._require_kernel_or_user()
        self.context.store.forget(self._state_from_query())
        self._no_content()


class PickupHandler(_KernelHandler):
    """``GET pickup?state=&wait=``: parks until the answer comes (200), or 204 after ``wait``."""

    _waiter: asyncio.Future[dict[str, str] | None] | None = None
    _client_gone = False

    @allow_unauthenticated
    async def get(self) -> None:
        self._require_kernel_or_user()
        state = self._state_from_query()
        self._waiter = asyncio.ensure_future(self.context.store.wait(state, self._wait_seconds()))
        try:
            result = await self._waiter
        except asyncio.CancelledError:
            if self._client_gone:
                return  # the kernel went away; the answer stays for its next pickup
            raise
        except UnknownState:
            raise web.HTTPError(404, "This login state is unknown or has expired.") from None
        if result is None:
            self._no_content()
        else:
            self.finish(json.dumps(result))

    def on_connection_close(self) -> None:
        super().on_connection_close()
        self._client_gone = True
        if self._waiter is not None:
            self._waiter.cancel()

    def _wait_seconds(self) -> float:
        values = self.request.query_arguments.get("wait", [])
        if not values:
            return min(self.context.pickup_wait_default, self.context.pickup_wait_max)
        try:
            wait = float(values[0]) if len(values) == 1 and len(values[0]) <= 32 else None
        except ValueError:
            wait = None
        if wait is None or not math.isfinite(wait):
            raise web.HTTPError(400, "wait must be one number of seconds.")
        return min(max(wait, 0.0), self.context.pickup_wait_max)


class CancelHandler(_JsonHandler):
    """``POST cancel {"state"}`` from the widget (XSRF-checked): the pickup gets ``cancelled``."""

    @web.authenticated
    def post(self) -> None:
        self._hide_query()
        try:
            self.context.store.cancel(self._state_from_body())
        except UnknownState:
            raise web.HTTPError(404, "This login is unknown or has expired.") from None
        self._no_content()


class CallbackHandler(_QuietHandler, JupyterHandler):
    """``GET callback?state=&code=`` (or ``error=&error_description=``) in the login popup."""

    context: HandlerContext

    def initialize(self, context: HandlerContext) -> None:
        self.context = context

    @property
    def content_security_policy(self) -> str:
        """Until ``_page`` sets the page's own policy: nothing at all may load."""
        return "default-src 'none'; frame-ancestors 'none'"

    def set_default_headers(self) -> None:
        super().set_default_headers()
        for name, value in callback_page.PRIVATE.items():  # the 302 to Jupyter's login too
            self.set_header(name, value)

    @web.authenticated
    def get(self) -> None:
        self._hide_query()
        query = self.request.query
        try:
            result = parse_callback(query)
            if (elsewhere := self._server_that_asked(result.state)) is not None:
                self.redirect(f"{elsewhere}?{query}")
                return
            page = callback_page.stored(result, self.context.store.result)
        except CallbackError as exc:
            page = callback_page.bad_callback(exc)
        self._page(page)

    def redirect(self, url: str, permanent: bool = False, status: int | None = None) -> None:
        """To the login page, which returns here via ``next``: keep the query out of the log."""
        self._hide_query()  # ``url`` already carries it; finishing logs the request
        super().redirect(url, permanent, status)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        sentence = _ERROR_PAGES.get(
            status_code, f"Something went wrong on this login page; {START_AGAIN}"
        )
        self._page(callback_page.error_page(status_code, sentence))

    def _page(self, page: callback_page.Page) -> None:
        self.set_status(page.status)
        for name, value in page.headers().items():
            self.set_header(name, value)
        self.finish(page.html())

    def _server_that_asked(self, state: str) -> str | None:
        """On JupyterHub, a login started in another of this user's servers (its state names
        it) came here through the hub's plain user-redirect: that server's callback URL."""
        hub = self.context.hub
        name = state_server_name(state)
        if hub is None or name is None or name == hub.name:
            return None
        return hub.callback_of(name)
