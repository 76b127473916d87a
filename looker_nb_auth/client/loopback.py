"""The fallback when no server extension is reachable: the kernel's own callback on loopback.

VS Code's local kernels, a plain IPython or a script have no looker-nb-auth server extension.
When the registered redirect URI is itself a loopback URL, e.g.
``http://127.0.0.1:8765/looker-nb-auth/callback``, the browser that follows it runs on this
machine, so the kernel can take Looker's answer there: it listens on that port while a login is
pending, answers exactly that path with the same page as the extension, and lets nobody else use
the port longer than needed. (Looker compares redirect URIs character for character, so the port
is fixed; if something else holds it, the login says so and the pasted-URL rung still works.)

Several kernels of one OS user share the port (the ``voila`` command's viewers, two notebooks in
VS Code): the first to bind it listens (``loopback_listener.py``) for all, and a kernel that finds
it taken registers its login there and parks a pickup for the answer (``loopback_peer.py``), with
this user's key (``loopback_key.py``). Each answer goes only to the kernel that registered its
state (and the code is worthless without that kernel's PKCE verifier anyway). The listener stays
while any kernel's login is pending; when its kernel ends, a waiting kernel binds the port and
registers its logins there again.
"""

from __future__ import annotations

import contextlib
import ipaddress
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from .._errors import (
    AlreadyAnswered,
    AlreadyRegistered,
    OwnerFull,
    ReceiverUnavailable,
    UnknownState,
)
from .._protocol import CANCELLED, PICKUP_POLL
from ..oauth.callback import CallbackResult
from ..oauth.pending import Pending
from .loopback_key import loopback_key
from .loopback_listener import Listener, Outcome
from .loopback_peer import HostGone, NotAHost, PeerClient

__all__ = ["LoopbackReceiver", "loopback_address"]

_POLL = 0.05  # how soon a stopped listener lets go of the port, in seconds
#: Logins one other kernel may have pending on this kernel's listener: more are refused.
_PER_KERNEL = 16
#: Rounds of "bind the port, else register with whoever holds it" before giving up: the holder
#: can let go between the two steps.
_TRIES = 5


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


@dataclass(eq=False)
class _Login:
    """A login pending on the listener: the kernel it is for, and Looker's answer once here."""

    owner: str
    answer: dict[str, str] | None = None
    terminal: bool = False  # started by looker-nb-auth login: its page says so


class LoopbackReceiver:
    """Takes Looker's redirect on a loopback redirect URI, for the states registered with it.

    The same methods as ``ExtensionClient`` (``register``, ``forget``, ``wait``, ``close``): the
    widget's controller uses either. The port is bound from the first ``register`` until no
    login (of this kernel or of another that registered here) is pending; if another kernel of
    this user holds it, the login is registered there. ``terminal``: looker-nb-auth login's
    logins, whose callback page (wherever it is served) sends the person back to the terminal.
    """

    #: The widget's Cancel has no Jupyter route to post to (it tells the kernel instead).
    server_url = ""

    def __init__(self, redirect_uri: str, *, terminal: bool = False) -> None:
        address = loopback_address(redirect_uri)
        if address is None:
            raise ValueError(f"{redirect_uri!r} is not an http URL on loopback.")
        self.host, self.port, self.path = address
        self.redirect_uri = redirect_uri
        self.terminal = terminal
        self.netloc = urlsplit(redirect_uri).netloc.lower()
        #: The Host headers a browser sends for the redirect URI (no port when it is 80).
        self.hosts = {self.netloc} | (
            {self.netloc.removesuffix(":80")} if self.port == 80 else set()
        )
        #: This OS user's key for sharing the port (read on the first ``register``).
        self.key: str | None = None
        #: Which kernel's logins are this receiver's, on whichever kernel's listener.
        self.owner = secrets.token_urlsafe(16)
        self._changed = threading.Condition()
        # Held as long as on a server extension, and as many; the newest login wins. A login
        # dropped or expired wakes its waiter (under the lock: every call below holds it).
        self._pending = Pending[_Login](when_full="drop_oldest", on_evict=self._dropped)
        self._waiting: set[str] = set()
        self._listener: Listener | None = None
        self._bind_error: OSError | None = None
        self._remote: set[str] = set()  # registered on another kernel's listener
        self._peer: PeerClient | None = None

    @classmethod
    def for_redirect_uri(
        cls, redirect_uri: str, *, terminal: bool = False
    ) -> LoopbackReceiver | None:
        return cls(redirect_uri, terminal=terminal) if loopback_address(redirect_uri) else None

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

    def started_in_terminal(self, state: str) -> bool:
        """Whether the login ``state`` pending here (any kernel's) is looker-nb-auth login's."""
        with self._changed:
            login = self._pending.get(state)
            return login is not None and login.terminal

    def _dropped(self, login: _Login) -> None:
        self._changed.notify_all()  # a wait parked on it ends (returning None)

    # -- this kernel's logins ----------------------------------------------------------------

    def register(self, state: str) -> float:
        """A login with this state starts: listen on the redirect URI's port if not yet, else
        register it with the kernel of this user that listens there.

        The login stays pending as long as it would on a server extension."""
        if self.key is None:
            self.key = loopback_key()
        for _ in range(_TRIES):
            with self._changed:
                if self._bound():
                    self._pending.add(state, _Login(self.owner, terminal=self.terminal))
                    return self._pending.ttl
            peer = self._peer_client()
            if peer is None:
                break
            try:
                ttl = peer.register(state)
            except HostGone:
                continue  # it let go of the port meanwhile: bind it
            except NotAHost:
                break
            with self._changed:
                self._remote.add(state)
            return ttl
        raise self._cannot_listen() from self._bind_error

    def forget(self, state: str) -> None:
        """Drop a pending login; a ``wait`` parked on it returns ``cancelled``."""
        with self._changed:
            remote = state in self._remote
            if remote and state not in self._waiting:
                self._remote.discard(state)
            login = self._pending.get(state) if self._mine(state) else None
            if login is not None and state in self._waiting:
                if login.answer is None:
                    login.answer = dict(CANCELLED)  # the waiter takes it and cleans up
                    self._changed.notify_all()
            elif login is not None:
                self._pending.pop(state)
            idle = self._idle_listener()
            peer = self._peer
        if remote and peer is not None:
            peer.forget(state)  # a pickup parked there gets cancelled
        _stop(idle)

    def wait(
        self, state: str, *, timeout: float, stop: threading.Event | None = None
    ) -> CallbackResult | None:
        """Until the redirect for ``state`` arrives; ``None`` on timeout or ``stop`` (the login
        stays pending until ``forget``, as with the extension)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._changed:
                if state not in self._remote:
                    answer = self._wait_here(state, deadline, stop)
                    idle = self._idle_listener()
                    break
                self._waiting.add(state)
                peer = self._peer
            try:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (stop is not None and stop.is_set()) or peer is None:
                    return None
                try:
                    outcome, answer = peer.pickup(state, min(remaining, PICKUP_POLL))
                except HostGone:
                    self._take_over()  # its kernel ended: listen here, or where another does
                    continue
            finally:
                with self._changed:
                    self._waiting.discard(state)
            if outcome is Outcome.NOT_YET:
                continue
            with self._changed:
                self._remote.discard(state)
            idle = None
            break
        _stop(idle)
        return None if answer is None else CallbackResult.from_answer(state, answer)

    def _wait_here(
        self, state: str, deadline: float, stop: threading.Event | None
    ) -> dict[str, str] | None:
        """Under the lock: the answer for a login on this kernel's listener (taken out), or
        ``None`` on timeout or ``stop`` (still pending) or when it is gone."""
        if not self._mine(state):
            return None  # another kernel's login, on this listener: its answer is not ours
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
        return None if login is None else login.answer

    def _mine(self, state: str) -> bool:
        """Under the lock: whether ``state`` is pending here for this kernel's own login."""
        login = self._pending.get(state)
        return login is not None and login.owner == self.owner

    def close(self) -> None:
        """Drop every login of this receiver, and let go of the port (another kernel's logins
        pending here move: their kernels take the port over)."""
        with self._changed:
            self._pending.clear()
            remote, self._remote = self._remote, set()
            idle = self._idle_listener()
            self._changed.notify_all()
            peer, self._peer = self._peer, None
        if peer is not None:
            for state in remote:
                peer.forget(state)
            peer.close()
        _stop(idle)

    # -- the port ----------------------------------------------------------------------------

    def _bound(self) -> bool:
        """Under the lock: whether this kernel listens on the port, binding it if it can."""
        if self._listener is None:
            try:
                self._listener = Listener((self.host, self.port), self)
            except OSError as exc:
                self._bind_error = exc
                return False
            self._listener.start(_POLL)
        return True

    def _idle_listener(self) -> Listener | None:
        """With nothing pending, the listener to stop (outside the lock): the port is let go."""
        if self._pending or self._listener is None:
            return None
        listener, self._listener = self._listener, None
        return listener

    def _peer_client(self) -> PeerClient | None:
        with self._changed:
            if self._peer is None and self.key is not None:
                address = (self.host, self.port)
                self._peer = PeerClient(
                    address, self.netloc, self.key, self.owner, terminal=self.terminal
                )
            return self._peer

    def _take_over(self) -> None:
        """The kernel that listened for this one's remote logins is gone: bind the port and keep
        them here, or register them with the kernel that bound it first."""
        for _ in range(_TRIES):
            with self._changed:
                states = sorted(self._remote)
                if not states:
                    return
                if self._bound():
                    for state in states:
                        with contextlib.suppress(AlreadyRegistered):
                            self._pending.add(state, _Login(self.owner, terminal=self.terminal))
                    self._remote.clear()
                    return
                peer = self._peer
            if peer is None:
                break
            try:
                for state in states:
                    with contextlib.suppress(ReceiverUnavailable):  # already there
                        peer.register(state)
            except HostGone:
                continue
            except NotAHost:
                break
            return
        raise self._cannot_listen() from self._bind_error

    def _cannot_listen(self) -> ReceiverUnavailable:
        error = self._bind_error
        reason = (error.strerror if error else None) or type(error).__name__
        return ReceiverUnavailable(
            f"This kernel cannot listen on {self.host}:{self.port}, where the redirect URI points "
            f"({reason}, and not by a looker-nb-auth login of this user), so after Allow copy the "
            "popup's address and run session.complete_login('<that address>')."
        )

    # -- other kernels' logins, on this kernel's listener --------------------------------------

    def peer_register(
        self, listener: Listener, state: str, owner: str, terminal: bool = False
    ) -> float | None:
        """Keep another kernel's login here (``terminal``: ``looker-nb-auth login``'s); ``None``
        if ``listener`` is letting go of the port.

        Raises ``AlreadyRegistered``, or ``OwnerFull`` beyond ``_PER_KERNEL`` of that kernel."""
        with self._changed:
            if listener is not self._listener:
                return None
            if sum(1 for login in self._pending.values() if login.owner == owner) >= _PER_KERNEL:
                raise OwnerFull("That kernel has as many logins pending here as one may.")
            self._pending.add(state, _Login(owner, terminal=terminal))
            return self._pending.ttl

    def peer_pickup(
        self, listener: Listener, state: str, owner: str, wait: float
    ) -> tuple[Outcome, dict[str, str] | None]:
        """Park up to ``wait`` seconds for the answer to another kernel's login (``owner``'s
        alone), taking it out once there."""
        deadline = time.monotonic() + wait
        with self._changed:
            self._waiting.add(state)
            try:
                while listener is self._listener:
                    login = self._pending.get(state)
                    if login is None or login.owner != owner:
                        return Outcome.GONE, None
                    if login.answer is not None:
                        break
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return Outcome.NOT_YET, None
                    self._changed.wait(remaining)
                else:
                    return Outcome.LEAVING, None
            finally:
                self._waiting.discard(state)
            self._pending.pop(state)
            idle = self._idle_listener()
        _stop(idle)
        return Outcome.ANSWERED, login.answer

    def peer_forget(self, state: str, owner: str) -> None:
        """Another kernel drops its login: as ``forget``, for that kernel's logins alone."""
        with self._changed:
            login = self._pending.get(state)
            if login is None or login.owner != owner:
                return
            if state in self._waiting:
                if login.answer is None:
                    login.answer = dict(CANCELLED)
                    self._changed.notify_all()
            else:
                self._pending.pop(state)
            idle = self._idle_listener()
        _stop(idle)


def _stop(listener: Listener | None) -> None:
    if listener is not None:
        listener.stop()
