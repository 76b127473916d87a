"""Steps 2 and 3 on the Jupyter server: the extension's routes under ``{base_url}looker-nb-auth/``.

Browser (the user's normal Jupyter login): ``GET callback`` is where Looker sends the popup
(step 2), and ``POST cancel`` is the widget's Cancel button. Kernel (the per-run secret this
server gave the kernel it started, and nothing else: ``@kernel_only``): ``POST pending``
registers a state, ``POST pickup`` parks until its answer arrives (step 3), ``DELETE pending``
drops it; the state travels in their JSON bodies, never in a URL. Each kernel's secret names it
(``kernel_secrets.py``): a login is picked up and dropped by its own kernel only, and a kernel
may keep ``max_pending_per_kernel`` pending. A login whose kernel restarted or stopped cannot
finish (``kernel_ends.py``): its callback drops the code and its page says so, staying open.
Errors are 4xx with one sentence.

No code, state or secret is ever logged: every handler here drops the query from the request
before the access log sees it (``_Handler.finish``) and logs its errors with the path alone.
"""

from __future__ import annotations

import asyncio
import functools
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Concatenate, ParamSpec, TypeVar

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.base.handlers import APIHandler, JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web

from .. import _callback_page as callback_page
from .._errors import AlreadyRegistered, CallbackError, OwnerFull, StoreFull, UnknownState
from .._protocol import PICKUP_POLL, PICKUP_WAIT_MAX, SECRET_HEADER, Route, route
from ..jupyterhub import HubServer
from ..oauth.callback import START_AGAIN, parse_callback
from ..oauth.state import is_valid_state, state_server_name
from .kernel_secrets import KernelSecrets
from .pending import ResultStore

__all__ = [
    "CallbackHandler",
    "CancelHandler",
    "HandlerContext",
    "PendingHandler",
    "PickupHandler",
    "kernel_only",
    "routes",
]

_MAX_BODY_BYTES = 4096

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
    pickup_wait_max: float = PICKUP_WAIT_MAX
    pickup_wait_default: float = PICKUP_POLL
    #: On JupyterHub: this server's user, name and the hub's base URL (from the spawner's env).
    hub: HubServer | None = None
    #: Each kernel's secret, made from ``secret`` (``kernel_secrets.py``).
    kernels: KernelSecrets = field(init=False)

    def __post_init__(self) -> None:
        self.kernels = KernelSecrets(self.secret)

    def kernel_ended(self, kernel_id: str) -> None:
        """The kernel restarted or stopped (``kernel_ends.py``): its logins cannot finish."""
        self.store.kernel_ended(kernel_id)


class _Handler(JupyterHandler):
    """Every route's base: the query (it may carry a code or a state) never reaches a log."""

    context: HandlerContext

    def initialize(self, context: HandlerContext) -> None:
        self.context = context

    def finish(self, *args: Any, **kwargs: Any) -> asyncio.Future[None]:
        """Every response ends here, and the access log is written here: without the query.

        Not earlier: until a response is sent, Jupyter's and tornado's redirects to the login page
        need the whole URL for ``next`` (the query parsed into ``request.query`` is kept)."""
        self.request.uri = self.request.path
        return super().finish(*args, **kwargs)

    def log_exception(
        self,
        typ: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Like tornado's, with the path instead of the URL."""
        if isinstance(value, web.HTTPError):
            self.log.warning("%s %s: %s", self.request.method, self.request.path, value)
        else:
            self.log.error(
                "Uncaught exception in %s %s",
                self.request.method,
                self.request.path,
                exc_info=value,
            )


class _JsonHandler(_Handler, APIHandler):
    def _body(self) -> dict[str, Any]:
        """The JSON object the request carries (``{}`` when it carries none that is usable)."""
        body = self.request.body
        try:
            data = json.loads(body) if len(body) <= _MAX_BODY_BYTES else None
        except (ValueError, RecursionError):
            data = None
        return data if isinstance(data, dict) else {}

    def _state_from_body(self) -> str:
        state = self._body().get("state")
        if not is_valid_state(state):
            raise web.HTTPError(
                400,
                'The body must be JSON {"state": ...} with a state of 32-128 URL-safe characters.',
            )
        assert isinstance(state, str)
        return state

    def _no_content(self) -> None:
        self.set_status(204)
        self.finish()


class _KernelHandler(_JsonHandler):
    """Kernel routes: the per-run secret alone. No cookie is accepted, so no page in the
    browser (cross-site or same-site) can drive them, and the state travels only in bodies,
    never in a URL that a log records."""

    _track_activity = False  # a kernel's long-poll is not user activity
    #: The kernel the request's secret names (``kernel_only`` sets it).
    kernel_id = ""

    def _kernel_of_secret(self) -> str | None:
        return self.context.kernels.kernel_of(self.request.headers.get(SECRET_HEADER, ""))

    def check_xsrf_cookie(self) -> None:
        """Nothing to check: these routes accept no cookie at all (``kernel_only`` wants the
        secret, which a browser cannot know), so no request is cross-site forgeable."""


_H = TypeVar("_H", bound=_KernelHandler)
_P = ParamSpec("_P")
_R = TypeVar("_R")


def kernel_only(
    verb: Callable[Concatenate[_H, _P], _R],
) -> Callable[Concatenate[_H, _P], _R]:
    """A kernel verb: 403 unless the request carries a kernel's secret (then ``kernel_id`` is
    that kernel's).

    Under ``@allow_unauthenticated``, which only lets the request get this far: a kernel has no
    Jupyter login. A Jupyter login (a cookie, a token) is not enough: it is what a page in the
    user's browser could send."""

    @functools.wraps(verb)
    def guarded(self: _H, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        kernel_id = self._kernel_of_secret()
        if kernel_id is None:
            raise web.HTTPError(403, "This needs the kernel secret.")
        self.kernel_id = kernel_id
        return verb(self, *args, **kwargs)

    return guarded


class PendingHandler(_KernelHandler):
    """``POST pending {"state"}`` registers a login; ``DELETE pending {"state"}`` drops it."""

    @allow_unauthenticated
    @kernel_only
    def post(self) -> None:
        state = self._state_from_body()
        try:
            self.context.store.register(state, self.kernel_id)
        except AlreadyRegistered:
            raise web.HTTPError(409, "This login state is already registered.") from None
        except OwnerFull:
            store = self.context.store
            raise web.HTTPError(
                429,
                f"This kernel already has {store.max_per_owner} Looker logins pending on its "
                "Jupyter server; finish or cancel one, or wait up to "
                f"{math.ceil(store.ttl / 60)} minutes for them to expire, then try again.",
            ) from None
        except StoreFull:
            raise web.HTTPError(
                429,
                "Too many Looker logins are pending on this server; try again in a few minutes.",
            ) from None
        self.set_status(201)
        self.finish(json.dumps({"expires_in": self.context.store.ttl}))

    @allow_unauthenticated
    @kernel_only
    def delete(self) -> None:
        self.context.store.forget(self._state_from_body(), self.kernel_id)
        self._no_content()


class PickupHandler(_KernelHandler):
    """``POST pickup {"state", "wait"}``: parks until the answer comes (200), or 204 after
    ``wait`` seconds."""

    _waiter: asyncio.Future[dict[str, str] | None] | None = None
    _client_gone = False

    @allow_unauthenticated
    @kernel_only
    async def post(self) -> None:
        state = self._state_from_body()
        self._waiter = asyncio.ensure_future(
            self.context.store.wait(state, self._wait_seconds(), self.kernel_id)
        )
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
        wait = self._body().get("wait")
        if wait is None:
            return min(self.context.pickup_wait_default, self.context.pickup_wait_max)
        if isinstance(wait, bool) or not isinstance(wait, int | float) or not math.isfinite(wait):
            raise web.HTTPError(400, "wait must be one number of seconds.")
        return min(max(float(wait), 0.0), self.context.pickup_wait_max)


class CancelHandler(_JsonHandler):
    """``POST cancel {"state"}`` from the widget (XSRF-checked): the pickup gets ``cancelled``."""

    @web.authenticated
    def post(self) -> None:
        try:
            self.context.store.cancel(self._state_from_body())
        except UnknownState:
            raise web.HTTPError(404, "This login is unknown or has expired.") from None
        self._no_content()


class CallbackHandler(_Handler):
    """``GET callback?state=&code=`` (or ``error=&error_description=``) in the login popup."""

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
        query = self.request.query
        try:
            result = parse_callback(query)
            if (elsewhere := self._server_that_asked(result.state)) is not None:
                self.redirect(f"{elsewhere}?{query}")
                return
            if self.context.store.is_gone(result.state):
                page = callback_page.kernel_gone(result)  # the code is dropped, not stored
            else:
                page = callback_page.stored(result, self.context.store.result)
        except CallbackError as exc:
            page = callback_page.bad_callback(exc)
        self._page(page)

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


_HANDLERS: Mapping[Route, type[_Handler]] = {
    Route.CALLBACK: CallbackHandler,
    Route.CANCEL: CancelHandler,
    Route.PENDING: PendingHandler,
    Route.PICKUP: PickupHandler,
}


def routes(base_url: str, context: HandlerContext) -> list[tuple[str, type[Any], dict[str, Any]]]:
    """The URL table, for ``web_app.add_handlers(".*$", ...)``."""
    kwargs = {"context": context}
    return [
        (re.escape(url_path_join(base_url, route(name))), handler, kwargs)
        for name, handler in _HANDLERS.items()
    ]
