"""The HTTP listener on a loopback redirect URI's port: the callback page, and the other kernels.

``GET <redirect path>`` is Looker's redirect in the browser: the callback page
(``_callback_page.py``) stores the answer under its state. ``POST /looker-nb-auth-peer/<op>`` is
this user's other kernels, which found the port taken by this one (``loopback_peer.py``): with the
user's key (``loopback_key.py``) in ``PEER_HEADER`` and a JSON body, they register a state (and
whether ``looker-nb-auth login`` started it, so its page sends the person back to the terminal),
park a pickup for its answer, or forget it. Every request must carry the redirect URI's own ``Host``
(no DNS rebinding). Nothing is logged: request lines carry codes and states.
"""

from __future__ import annotations

import contextlib
import enum
import hmac
import http.server
import json
import math
import socket
import threading
from typing import Any, Protocol

from .. import _callback_page as callback_page
from .._errors import AlreadyRegistered, OwnerFull
from .._protocol import PICKUP_POLL
from ..oauth.state import is_valid_state

__all__ = ["PEER_HEADER", "PEER_PREFIX", "Host", "Listener", "Outcome", "Peer"]

#: The other kernels' routes: ``POST {PEER_PREFIX}<Peer>``.
PEER_PREFIX = "/looker-nb-auth-peer/"
#: The header carrying this OS user's key (``loopback_key.py``).
PEER_HEADER = "X-Looker-Nb-Auth-Peer"
_NOT_HERE = "This page is not a Looker login callback."
#: An idle connection (a browser's speculative one, a port scanner) is dropped after this long.
_IDLE_TIMEOUT = 10.0
_MAX_BODY = 4096


class Peer(str, enum.Enum):
    """What another kernel asks of the listener."""

    REGISTER = "register"  # {state, owner, terminal} -> 201 {expires_in}
    PICKUP = "pickup"  # {state, owner, wait} -> 200 answer, 204 not yet, 404 gone
    FORGET = "forget"  # {state, owner} -> 204


class Outcome(enum.Enum):
    """How a pickup ended on the listener."""

    ANSWERED = 200
    NOT_YET = 204
    GONE = 404  # unknown, expired, forgotten, or another kernel's
    LEAVING = 503  # the listener lets go of the port: bind it, and register again


class Host(Protocol):
    """The receiver the listener serves (``LoopbackReceiver``)."""

    path: str
    hosts: set[str]
    key: str | None

    def store(self, state: str, result: Any) -> None: ...
    def started_in_terminal(self, state: str) -> bool: ...
    def peer_register(
        self, listener: Listener, state: str, owner: str, terminal: bool
    ) -> float | None: ...
    def peer_pickup(
        self, listener: Listener, state: str, owner: str, wait: float
    ) -> tuple[Outcome, dict[str, str] | None]: ...
    def peer_forget(self, state: str, owner: str) -> None: ...


class _Handler(http.server.BaseHTTPRequestHandler):
    server: Listener
    server_version = "looker-nb-auth"
    sys_version = ""

    timeout = _IDLE_TIMEOUT  # socketserver applies it to the connection

    def do_GET(self) -> None:
        self._busy(self._callback)

    def do_POST(self) -> None:
        self._busy(self._peer)

    def _busy(self, answer: Any) -> None:
        if not self.server.start_answering(self.connection):
            return  # the listener stopped while this request was on its way
        try:
            if self.headers.get("Host", "").lower() not in self.server.host.hosts:
                # Only the redirect URI's own host:port: a page elsewhere that points a name it
                # controls at 127.0.0.1 (DNS rebinding) gets nothing from here.
                self._send(callback_page.error_page(421, _NOT_HERE))
            else:
                answer()
        finally:
            self.server.done_answering(self.connection)

    def _callback(self) -> None:
        path, _, query = self.path.partition("?")
        if path != self.server.host.path:
            self._send(callback_page.error_page(404, _NOT_HERE))
            return
        host = self.server.host
        self._send(callback_page.answer(query, host.store, host.started_in_terminal))

    def _peer(self) -> None:
        host = self.server.host
        op = self.path.removeprefix(PEER_PREFIX) if self.path.startswith(PEER_PREFIX) else ""
        given = self.headers.get(PEER_HEADER, "").encode("utf-8", "surrogateescape")
        if op not in {p.value for p in Peer}:
            self._json(404, {"message": _NOT_HERE})
            return
        if not host.key or not hmac.compare_digest(given, host.key.encode("ascii")):
            self._json(403, {"message": "This needs this user's loopback key."})
            return
        body = self._body()
        state, owner = body.get("state"), body.get("owner")
        if not is_valid_state(state) or not isinstance(owner, str) or not 0 < len(owner) <= 64:
            self._json(400, {"message": "The body must be JSON with a state and an owner."})
            return
        assert isinstance(state, str)
        if op == Peer.REGISTER:
            try:
                terminal = body.get("terminal") is True
                ttl = host.peer_register(self.server, state, owner, terminal)
            except AlreadyRegistered:
                self._json(409, {"message": "This login is already pending."})
            except OwnerFull:
                self._json(429, {"message": "This kernel has too many logins pending."})
            else:
                leaving = {"message": "This listener is letting go of the port."}
                self._json(*((201, {"expires_in": ttl}) if ttl is not None else (503, leaving)))
        elif op == Peer.PICKUP:
            wait = body.get("wait")
            if isinstance(wait, bool) or not isinstance(wait, int | float):
                wait = 0.0
            wait = min(max(float(wait), 0.0), PICKUP_POLL) if math.isfinite(wait) else 0.0
            outcome, result = host.peer_pickup(self.server, state, owner, wait)
            self._json(outcome.value, result)
        else:
            host.peer_forget(state, owner)
            self._json(204, None)

    def _body(self) -> dict[str, Any]:
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            return {}
        if not 0 < length <= _MAX_BODY:
            return {}
        try:
            data = json.loads(self.rfile.read(length))
        except (ValueError, RecursionError):
            return {}
        return data if isinstance(data, dict) else {}

    def _json(self, status: int, data: dict[str, Any] | None) -> None:
        body = b"" if data is None or status == 204 else json.dumps(data).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

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


#: How long `Listener.stop` lets answers being written finish.
_FINISH_WRITING = 2.0


class Listener(http.server.ThreadingHTTPServer):
    """Serves ``host`` on ``address`` (a thread per connection) until ``stop``."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], host: Host) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.host = host
        self._open: set[socket.socket] = set()
        self._answering: set[socket.socket] = set()  # a request read, its answer being written
        self._closed = False
        self._open_lock = threading.Lock()
        self._answered = threading.Condition(self._open_lock)
        super().__init__(address, _Handler)

    def start(self, poll_interval: float) -> None:
        threading.Thread(
            target=self.serve_forever,
            kwargs={"poll_interval": poll_interval},
            name="looker-nb-auth-loopback",
            daemon=True,
        ).start()

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
            self._answered.notify_all()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def stop(self) -> None:
        """Stop serving (within one poll interval), close the port, drop idle connections, and
        let the answers being written finish (up to ``_FINISH_WRITING`` seconds): the page of
        the answer that ended the login is on its way, and a command that exits right after
        (a denied login) would otherwise cut it off, since the threads writing are daemons."""
        self.shutdown()
        self.server_close()
        self._close_connections()
        with self._open_lock:
            self._answered.wait_for(lambda: not self._answering, timeout=_FINISH_WRITING)

    def _close_connections(self) -> None:
        """Drop every idle connection still open: their threads end with them. A connection
        whose answer is being written (the one that brought Looker's answer, a parked pickup
        told to go elsewhere) finishes first."""
        with self._open_lock:
            self._closed = True
            connections = [c for c in self._open if c not in self._answering]
            self._open.difference_update(connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()
