"""`FakeLooker`: the stand-in, served by tornado on its own event loop in a daemon thread."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from types import TracebackType
from urllib.parse import urlsplit

from tornado.httpserver import HTTPServer
from tornado.routing import AnyMatches, PathMatches, Rule, RuleRouter

from ._cache import ResultCacheStats
from ._config import FakeLookerConfig, FaultTarget, OAuthApp, checked_target
from ._routes import API_PATHS, api_application, ui_application
from ._state import Store
from ._traffic import Drop, Fail, Traffic
from ._web import Context

__all__ = ["FakeLooker"]


def _listen(host: str, port: int) -> socket.socket:
    """A non-blocking listening socket (closed again if binding fails)."""
    passive = socket.getaddrinfo(
        host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )
    family = passive[0][0]
    sock = socket.create_server((host, port), family=family, backlog=1024)
    sock.setblocking(False)
    return sock


def _url(host: str, sock: socket.socket) -> str:
    port = sock.getsockname()[1]
    if host in ("", "0.0.0.0"):  # noqa: S104 - naming the wildcard, not binding it
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class FakeLooker:
    """A Looker stand-in on loopback: OAuth login pages, ``/api/token`` and a slice of API 4.0.

    ``with FakeLooker() as looker:`` starts it on free ports; ``looker.api_url`` is the clients'
    ``base_url`` and ``looker.web_url`` their ``looker_url``. ``config`` stays live: change a knob
    and the next request sees it.
    """

    def __init__(
        self, config: FakeLookerConfig | None = None, *, clock: Callable[[], float] | None = None
    ) -> None:
        config = config if config is not None else FakeLookerConfig()
        self._store = Store(config, clock or time.time)
        self._traffic = Traffic(config.seed)
        self._ctx = Context(self._store, self._traffic)
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._failure: BaseException | None = None
        self.api_url = ""
        self.web_url = ""

    @property
    def config(self) -> FakeLookerConfig:
        """The live configuration: set its knobs (not the attribute) while the server runs."""
        return self._store.config

    def __repr__(self) -> str:
        where = f"api_url={self.api_url!r}, web_url={self.web_url!r}" if self._thread else "stopped"
        return f"FakeLooker({where})"

    # -- lifecycle --------------------------------------------------------------------------

    def start(
        self, host: str = "127.0.0.1", port: int = 0, ui_port: int | None = None
    ) -> FakeLooker:
        """Listen (``port=0``: any free port) and serve; returns once requests are accepted.

        With ``ui_port`` the login pages live only on that port and the API only on ``port``,
        like older Looker instances (9999 / 19999); otherwise one port serves both.
        """
        if self._thread is not None:
            raise RuntimeError("this FakeLooker is already running")
        api_socket = _listen(host, port)
        try:
            ui_socket = _listen(host, ui_port) if ui_port is not None else None
        except OSError:
            api_socket.close()
            raise
        self.api_url = self._ctx.api_url = _url(host, api_socket)
        self.web_url = self._ctx.web_url = _url(host, ui_socket or api_socket)
        ready = threading.Event()
        self._failure = None
        self._thread = threading.Thread(
            target=self._run, args=(api_socket, ui_socket, ready), name="fake-looker", daemon=True
        )
        self._thread.start()
        ready.wait()
        if self._failure is not None:
            self._thread.join()
            self._thread = None
            raise RuntimeError("the Looker stand-in failed to start") from self._failure
        return self

    def stop(self) -> None:
        """Close the listeners and every connection, then end the server thread. Idempotent."""
        thread, loop, stopping = self._thread, self._loop, self._stopping
        if thread is None:
            return
        if loop is not None and stopping is not None:
            with contextlib.suppress(RuntimeError):  # the loop already ended
                loop.call_soon_threadsafe(stopping.set)
        thread.join()
        self._thread = self._loop = self._stopping = None

    def __enter__(self) -> FakeLooker:
        if self._thread is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _run(
        self, api_socket: socket.socket, ui_socket: socket.socket | None, ready: threading.Event
    ) -> None:
        try:
            asyncio.run(self._serve(api_socket, ui_socket, ready))
        except BaseException as error:  # handed to start() through _failure
            self._failure = error
        finally:
            api_socket.close()
            if ui_socket is not None:
                ui_socket.close()
            ready.set()

    async def _serve(
        self, api_socket: socket.socket, ui_socket: socket.socket | None, ready: threading.Event
    ) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = self._ctx.stopping = asyncio.Event()
        api = api_application(self._ctx)
        if ui_socket is None:
            rules = [
                Rule(PathMatches(API_PATHS), api),
                Rule(AnyMatches(), ui_application(self._ctx)),
            ]
            servers = [(HTTPServer(RuleRouter(rules)), api_socket)]
        else:
            servers = [
                (HTTPServer(api), api_socket),
                (HTTPServer(ui_application(self._ctx)), ui_socket),
            ]
        for server, sock in servers:
            server.add_socket(sock)
        ready.set()
        await self._stopping.wait()
        for server, _ in servers:
            server.stop()
        for server, _ in servers:
            await server.close_all_connections()
        in_flight = asyncio.all_tasks() - {asyncio.current_task()}
        if in_flight:  # handlers woken by the stop finish now; asyncio.run cancels the rest
            await asyncio.wait(in_flight, timeout=1.0)

    # -- apps -------------------------------------------------------------------------------

    def register_app(
        self,
        client_guid: str,
        redirect_uri: str | None = None,
        display_name: str = "Demo app",
        description: str = "A notebook that calls the Looker API as you.",
        enabled: bool = True,
        *,
        redirect_uris: Sequence[str] | None = None,
        group_id: str | None = None,
    ) -> OAuthApp:
        """Register an OAuth client app, as an admin would with ``register_oauth_client_app``.

        Give ``redirect_uri`` (one URI) or ``redirect_uris`` (Looker 26.18+: ``/auth`` accepts
        any one of them exactly); with both, ``redirect_uri`` must be the first of the list.
        With ``group_id``, only members of that group (``DemoUser.group_ids``) may authorize it.
        """
        uris = list(redirect_uris) if redirect_uris is not None else []
        if redirect_uri is not None and not uris:
            uris = [redirect_uri]
        if not uris:
            raise ValueError("give redirect_uri or redirect_uris")
        if redirect_uri is not None and redirect_uri != uris[0]:
            raise ValueError("redirect_uri must be the first of redirect_uris")
        if len(set(uris)) != len(uris):
            raise ValueError("redirect_uris lists a URI twice")
        for uri in uris:
            parts = urlsplit(uri)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
                raise ValueError("redirect URIs must be absolute http(s) URLs without a fragment")
        app = OAuthApp(
            client_guid,
            uris[0],
            display_name,
            description,
            enabled,
            group_id=group_id or None,
            redirect_uris=uris,
        )
        if not self._store.add_app(app):
            raise ValueError(f"an app with client_guid {client_guid!r} is already registered")
        return app

    # -- faults and revocation --------------------------------------------------------------

    def fail_next(self, count: int = 1, status: int = 503, *, target: FaultTarget = "all") -> None:
        """Answer the next ``count`` API-host requests (``/api/*``, ``/versions``) with ``status``.

        ``target="token"``: only ``POST /api/token`` requests take these faults; ``"api"``: only
        the others. A 429 carries ``Retry-After: config.retry_after``. Scheduled faults come in
        the order they were scheduled, after the quota (``config.rate_limit``).
        """
        if not 400 <= status <= 599:
            raise ValueError("status must be an HTTP error status (400-599)")
        self._traffic.schedule(Fail(status), count, checked_target(target))

    def drop_next(
        self, count: int = 1, *, after: bool = False, target: FaultTarget = "all"
    ) -> None:
        """Close the connection of the next ``count`` API-host requests without any response.

        With ``after``, Looker handles each request first (a code is redeemed, a refresh token
        rotated, a logout done) and only the answer is lost. ``target`` as for `fail_next`.
        """
        self._traffic.schedule(Drop(after), count, checked_target(target))

    def expire_access_tokens(self) -> None:
        """Every access token issued so far stops working (401); refresh tokens stay valid."""
        self._store.tokens.expire_access_tokens()

    def revoke_user_tokens(self, user_id: str) -> None:
        """Revoke every access and refresh token of the user, as an admin can."""
        self._store.tokens.revoke_user(user_id)

    # -- what came in -----------------------------------------------------------------------

    def live_refresh_tokens(self, user_id: str) -> int:
        """How many refresh tokens of the user Looker would honour now (a login that a client
        lost while this is above 0 was lost on the client's side)."""
        return self._store.tokens.live_refresh_tokens(user_id)

    def secrets_seen(self) -> list[str]:
        """Every authorization code and token this stand-in issued, and every code, verifier
        and refresh token a client sent it: what tests search logs and tracebacks for."""
        return self._store.tokens.seen()

    @property
    def token_requests(self) -> Counter[str]:
        """``POST /api/token`` requests by ``grant_type`` (a snapshot; rejected ones count too)."""
        return self._traffic.snapshot()[1]

    @property
    def requests(self) -> list[tuple[str, str]]:
        """``(method, path)`` of every request so far, in arrival order (a snapshot)."""
        return self._traffic.snapshot()[0]

    @property
    def result_cache(self) -> ResultCacheStats:
        """The events explore's result cache (a snapshot): answers rendered from rows, answers
        served from the cache, and the entries it holds (``FakeLookerConfig.result_cache``)."""
        return self._ctx.data.results.stats()

    def reset_counters(self) -> None:
        self._traffic.reset_counters()
