"""The fallback when no server extension is reachable: the kernel's own callback on loopback.

VS Code's local kernels, a plain IPython or a script have no looker-nb-auth server extension.
When the registered redirect URI is itself a loopback URL, e.g.
``http://127.0.0.1:8765/looker-nb-auth/callback``, the browser that follows it runs on this
machine, so the kernel can take Looker's answer there: it listens on that port while a login is
pending, answers exactly that path with the same page as the extension, and lets nobody else use
the port longer than needed. (Looker compares redirect URIs character for character, so the port
is fixed; if something else holds it, the login says so and the pasted-URL rung still works.)
"""

from __future__ import annotations

import contextlib
import http.server
import ipaddress
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .. import _callback_page as callback_page
from .._errors import AlreadyAnswered, ReceiverUnavailable, UnknownState
from .._protocol import CANCELLED
from ..oauth.callback import CallbackResult
from ..oauth.pending import Pending

__all__ = ["LoopbackReceiver", "loopback_address"]

_POLL = 0.05  # how soon a stopped listener lets go of the port, in seconds
_NOT_HERE = "This page is not a Looker login callback."
#: An idle connection (a browser's speculative one, a port scanner) is dropped after this long.
_IDLE_TIMEOUT = 10.0


def loopback_address(redirect_uri: str) -> tuple[str, int, str] | None:
    """``(host, port, path)`` to listen on for an ``http`` redirect URI on loopback, else None."""
    parts = urlsplit(redirect_uri)
    host = parts.hostname or ""
    if parts.scheme != "http" or parts.query or parts.fragment:
        return None
    if host != "localhost":
        try:
            if not ipaddress.ip_address(host).is_loopback:
                return None
        except ValueError:
            return None
    try:
        port = parts.port or 80
    except ValueError:
        return None
    bind = "127.0.0.1" if host == "localhost" else host
    return bind, port, parts.path or "/"


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server
    server_version = "looker-nb-auth"
    sys_version = ""

    timeout = _IDLE_TIMEOUT  # socketserver applies it to the connection

    def do_GET(self) -> None:
        if not self.server.start_answering(self.connection):
            return  # the listener stopped while this request was on its way
        try:
            self._answer()
        finally:
            self.server.done_answering(self.connection)

    def _answer(self) -> None:
        parts = urlsplit(self.path)
        receiver = self.server.receiver
        if self.headers.get("Host", "").lower() not in receiver.hosts:
            # Only the redirect URI's own host:port: a page elsewhere that points a name it
            # controls at 127.0.0.1 (DNS rebinding) gets nothing from here.
            self._send(callback_page.error_page(421, _NOT_HERE))
            return
        if parts.path != receiver.path:
            self._send(callback_page.error_page(404, _NOT_HERE))
            return
        self._send(callback_page.answer(parts.query, receiver.store))

    def _send(self, page: callback_page.Page) -> None:
        body = page.html().encode("utf-8")
        self.send_response(page.status)
        for name, value in page.headers().items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Nothing: the request line carries the code."""


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], receiver: LoopbackReceiver) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.receiver = receiver
        self._open: set[socket.socket] = set()
        self._answering: set[socket.socket] = set()  # a request read, its page being written
        self._closed = False
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def start_answering(self, connection: socket.socket) -> bool:
        """Mark ``connection`` busy, unless the listener has already dropped its connections."""
        with self._open_lock:
            if self._closed:
                return False
            self._answering.add(connection)
            return True

    def done_answering(self, connection: socket.socket) -> None:
        with self._open_lock:
            self._answering.discard(connection)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Drop every idle connection still open: their threads end with them. A connection
        whose page is being written (the one that brought Looker's answer) finishes first."""
        with self._open_lock:
            self._closed = True
            connections = [c for c in self._open if c not in self._answering]
            self._open.difference_update(connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()


@dataclass(eq=False)
class _Login:
    """A login pending on the listener: Looker's answer, once it is here."""

    answer: dict[str, str] | None = None


class LoopbackReceiver:
    """Takes Looker's redirect on a loopback redirect URI, for the states registered with it.

    The same methods as ``ExtensionClient`` (``register``, ``forget``, ``wait``, ``close``): the
    widget's controller uses either. The port is bound from the first ``register`` until no
    login is pending.
    """

    #: The widget's Cancel has no Jupyter route to post to (it tells the kernel instead).
    server_url = ""

    def __init__(self, redirect_uri: str) -> None:
        address = loopback_address(redirect_uri)
        if address is None:
            raise ValueError(f"{redirect_uri!r} is not an http URL on loopback.")
        self.host, self.port, self.path = address
        self.redirect_uri = redirect_uri
        netloc = urlsplit(redirect_uri).netloc.lower()
        #: The Host headers a browser sends for the redirect URI (no port when it is 80).
        self.hosts = {netloc} | ({netloc.removesuffix(":80")} if self.port == 80 else set())
        self._changed = threading.Condition()
        # Held as long as on a server extension, and as many; the newest login wins. A login
        # dropped or expired wakes its waiter (under the lock: every call below holds it).
        self._pending = Pending[_Login](when_full="drop_oldest", on_evict=self._dropped)
        self._waiting: set[str] = set()
        self._server: _Server | None = None

    @classmethod
    def for_redirect_uri(cls, redirect_uri: str) -> LoopbackReceiver | None:
        return cls(redirect_uri) if loopback_address(redirect_uri) else None

    def store(self, state: str, result: Mapping[str, str]) -> None:
        """The page's handler: keep the answer for the waiting login (``callback_page`` store)."""
        with self._changed:
            login = self._pending.get(state)
            if login is None:
                raise UnknownState("This login is unknown or has expired.")
            if login.answer is not None:
                raise AlreadyAnswered("This login was already answered.")
            login.answer = dict(result)
            self._changed.notify_all()

    def _dropped(self, login: _Login) -> None:
        self._changed.notify_all()  # a wait parked on it ends (returning None)

    def register(self, state: str) -> float:
        """A login with this state starts: listen on the redirect URI's port if not yet.

        The login stays pending as long as it would on a server extension."""
        with self._changed:
            if self._server is None:
                try:
                    self._server = _Server((self.host, self.port), self)
                except OSError as exc:
                    reason = exc.strerror or type(exc).__name__
                    raise ReceiverUnavailable(
                        f"This kernel cannot listen on {self.host}:{self.port}, where the redirect "
                        f"URI points ({reason}: another notebook's login?), so after Allow copy "
                        "the popup's address and run session.complete_login('<that address>')."
                    ) from exc
                threading.Thread(
                    target=self._server.serve_forever,
                    kwargs={"poll_interval": _POLL},
                    name="looker-nb-auth-loopback",
                    daemon=True,
                ).start()
            self._pending.add(state, _Login())
        return self._pending.ttl

    def forget(self, state: str) -> None:
        """Drop a pending login; a ``wait`` parked on it returns ``cancelled``."""
        with self._changed:
            login = self._pending.get(state)
            if login is not None and state in self._waiting:
                if login.answer is None:
                    login.answer = dict(CANCELLED)  # the waiter takes it and cleans up
                    self._changed.notify_all()
            elif login is not None:
                self._pending.pop(state)
            idle = self._idle_server()
        _stop(idle)

    def wait(
        self, state: str, *, timeout: float, stop: threading.Event | None = None
    ) -> CallbackResult | None:
        """Until the redirect for ``state`` arrives; ``None`` on timeout or ``stop`` (the login
        stays pending until ``forget``, as with the extension)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            self._waiting.add(state)
            try:
                while (login := self._pending.get(state)) is not None and login.answer is None:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 or (stop is not None and stop.is_set()):
                        return None
                    self._changed.wait(remaining)  # store() and forget() notify
            finally:
                self._waiting.discard(state)
            login = self._pending.pop(state)
            idle = self._idle_server()
        _stop(idle)
        if login is None or login.answer is None:
            return None  # forgotten before this wait, expired, or closed
        return CallbackResult.from_answer(state, login.answer)

    def _idle_server(self) -> _Server | None:
        """With nothing pending, the server to stop (outside the lock): the port is let go."""
        if self._pending or self._server is None:
            return None
        server, self._server = self._server, None
        return server

    def close(self) -> None:
        with self._changed:
            self._pending.clear()
            self._changed.notify_all()
            idle = self._idle_server()
        _stop(idle)


def _stop(server: _Server | None) -> None:
    """Stop serving (within one poll interval) and close the listening socket."""
    if server is not None:
        server.shutdown()
        server.server_close()
        server.close_connections()
