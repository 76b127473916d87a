"""A call's deadline (``timeout=``): the moment by which it must be done, on the monotonic clock,
and how it reaches the waits inside httpx (the 429 back-off of ``client/auth.py``).

``dataframes/drive.py`` puts it on every request a query makes, as the request extension
`EXTENSION` (``httpx.Request.extensions``; httpcore passes extensions it does not know over);
the auth flow reads it back with `Deadline.of`. An extension rather than a context variable: it
belongs to the one request, so it cannot leak into another request of the same thread or task
(a looker_sdk call made meanwhile, a refresh), and the sync and async clients carry it alike.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

__all__ = ["EARLY", "EXTENSION", "Deadline", "DeadlinePassed", "cut_off_at"]

#: The request extension holding the deadline of the call a request belongs to (a
#: ``time.monotonic()`` reading).
EXTENSION = "looker_nb_auth.deadline"
#: Seconds a timer may fire before its time (a rounded poll, a loop's clock resolution): a
#: timeout that ends this close to the deadline is the deadline's.
EARLY = 0.05


class DeadlinePassed(Exception):
    """Raised inside a step whose deadline passed; the loop that drives the step turns it into
    its flow's error (``QueryTimeout``), so no caller sees it."""


@dataclass(frozen=True)
class Deadline:
    """A moment on ``time.monotonic()``'s clock."""

    at: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds)

    @classmethod
    def of(cls, request: httpx.Request) -> Deadline | None:
        """The deadline ``request`` carries (`EXTENSION`), if any."""
        at = request.extensions.get(EXTENSION)
        return cls(float(at)) if isinstance(at, (int, float)) else None

    def left(self) -> float:
        """Seconds until the deadline (0 once it has passed)."""
        return max(self.at - time.monotonic(), 0.0)

    def passed(self) -> bool:
        return self.at - time.monotonic() <= 0

    def reached(self) -> bool:
        """Whether a timer that just fired was this deadline's (`EARLY`)."""
        return self.at - time.monotonic() <= EARLY

    def check(self) -> None:
        """Raise `DeadlinePassed` once the deadline has passed."""
        if self.passed():
            raise DeadlinePassed

    def cap(self, timeout: httpx.Timeout) -> httpx.Timeout:
        """``timeout`` (a client's) with no phase (connect, read, write, pool) longer than what
        is left, so no single wait on the network outlasts the deadline."""
        left = self.left()
        return httpx.Timeout(
            connect=_capped(timeout.connect, left),
            read=_capped(timeout.read, left),
            write=_capped(timeout.write, left),
            pool=_capped(timeout.pool, left),
        )

    def extensions(self) -> dict[str, Any]:
        """The request extensions that carry this deadline (`EXTENSION`)."""
        return {EXTENSION: self.at}


def _capped(phase: float | None, left: float) -> float:
    return left if phase is None else min(phase, left)


@contextlib.contextmanager
def cut_off_at(deadline: Deadline | None, response: httpx.Response) -> Iterator[None]:
    """At ``deadline``, shut the socket ``response`` arrives on down, from a timer thread.

    httpx's read timeout is per read and was fixed when the request went out (what was left of
    the deadline then), so a read begun just before the deadline on a body gone silent would wait
    nearly that long again; shut down, the read returns at once and the loop sees the deadline.
    """
    network = response.extensions.get("network_stream")
    sock = network.get_extra_info("socket") if network is not None else None
    if deadline is None or not isinstance(sock, socket.socket):
        yield
        return
    timer = threading.Timer(deadline.left(), _shut_down, args=(sock,))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def _shut_down(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # closed meanwhile: nothing left to wake
        sock.shutdown(socket.SHUT_RDWR)
