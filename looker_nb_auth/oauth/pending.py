"""Logins pending by their ``state``: each expires ``ttl`` seconds after it began, at most ``cap``.

The one rule for every place that keeps logins by state: the Jupyter server's result store
(``server/pending.py``), the kernel's loopback listener (``client/loopback.py``) and the logins a
session started (``client/session.py``). What each keeps under a state is its own (an answer to
wake a pickup with, the PKCE verifier).

Pure: no I/O, no asyncio, no threads of its own, and a clock to inject. Not thread-safe: a caller
shared by threads holds its own lock around every call (``on_evict`` runs under it too).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Generic, Literal, TypeVar

from .._errors import AlreadyRegistered, StoreFull
from .._protocol import MAX_PENDING, PENDING_TTL

__all__ = ["Pending", "WhenFull"]

V = TypeVar("V")

#: With ``cap`` logins pending, a new one is refused (``StoreFull``: a flood of registrations
#: cannot push real logins out) or pushes the oldest out (a kernel's newest login wins).
WhenFull = Literal["refuse", "drop_oldest"]


class Pending(Generic[V]):
    """Values by state, oldest first. Every call first evicts the expired ones, telling
    ``on_evict`` about each (and about each one ``drop_oldest`` pushes out)."""

    def __init__(
        self,
        *,
        ttl: float = PENDING_TTL,
        cap: int = MAX_PENDING,
        when_full: WhenFull = "refuse",
        clock: Callable[[], float] = time.monotonic,
        on_evict: Callable[[V], None] | None = None,
    ) -> None:
        if not ttl > 0 or cap < 1:
            raise ValueError("Pending logins need a ttl above 0 and a cap of at least 1.")
        self.ttl = ttl
        self.cap = cap
        self.when_full = when_full
        self._clock = clock
        self._on_evict = on_evict
        self._items: dict[str, tuple[float, V]] = {}  # state: (expires at, value), oldest first

    def add(self, state: str, value: V) -> None:
        """Keep ``value`` under ``state`` until ``ttl`` seconds from now.

        Raises ``AlreadyRegistered`` for a state already pending, and ``StoreFull`` when ``cap``
        are pending and ``when_full`` is ``"refuse"``."""
        self.evict_expired()
        if state in self._items:
            raise AlreadyRegistered("This login is already pending.")
        if len(self._items) >= self.cap:
            if self.when_full == "refuse":
                raise StoreFull("Too many logins are pending.")
            self._evict(next(iter(self._items)))
        self._items[state] = (self._clock() + self.ttl, value)

    def get(self, state: str) -> V | None:
        """The value pending under ``state``; ``None`` if there is none (or it expired)."""
        self.evict_expired()
        item = self._items.get(state)
        return None if item is None else item[1]

    def pop(self, state: str) -> V | None:
        """Take ``state`` out (single use): its value, or ``None`` if none was pending."""
        self.evict_expired()
        item = self._items.pop(state, None)
        return None if item is None else item[1]

    def clear(self) -> None:
        """Drop every pending login (``on_evict`` is not told: the caller is dropping them)."""
        self._items.clear()

    def values(self) -> list[V]:
        """The pending values, oldest first."""
        self.evict_expired()
        return [value for _, value in self._items.values()]

    def __contains__(self, state: object) -> bool:
        self.evict_expired()
        return state in self._items

    def __len__(self) -> int:
        self.evict_expired()
        return len(self._items)

    def evict_expired(self) -> None:
        """Drop every login whose time is up (each call above does this first)."""
        now = self._clock()
        for state in [s for s, (expires_at, _) in self._items.items() if expires_at <= now]:
            self._evict(state)

    def _evict(self, state: str) -> None:
        _, value = self._items.pop(state)
        if self._on_evict is not None:
            self._on_evict(value)
