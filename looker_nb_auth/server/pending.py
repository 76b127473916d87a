"""Step 3, server side: the callback's result waits here, under its state, for its kernel.

The kernel registers a ``state`` before the popup opens; the callback answers it once; the kernel's
parked pickup is woken at once and takes the answer (single use). Which states are pending, for how
long and how many is ``oauth/pending.py``'s rule: states expire after ``ttl`` seconds and at most
``max_pending`` exist, so a flood of bogus callbacks stores nothing and a flood of registrations is
refused (``StoreFull``). Each login belongs to the kernel that registered it (its ``owner``): only
that kernel picks it up or forgets it, and one kernel keeps at most ``max_per_owner`` pending
(``OwnerFull``), so a kernel's flood refuses that kernel and leaves room for the others. When a
kernel restarts or stops, its logins end with it (its process held their PKCE verifiers): they are
dropped, an answer already here too, and their states are remembered as gone until they would have
expired, so the callback page can say why the login cannot finish. This adds the answers, the
owners and the asyncio wake-ups: no tornado, no I/O, an injectable clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from .._errors import AlreadyAnswered, AlreadyRegistered, OwnerFull, UnknownState
from .._protocol import CANCELLED, MAX_PENDING, MAX_PENDING_PER_KERNEL, PENDING_TTL
from ..oauth.pending import Pending

__all__ = ["ResultStore"]


@dataclass(eq=False)
class _Entry:
    state: str = field(repr=False)
    owner: str  # the kernel that registered it
    event: asyncio.Event = field(default_factory=asyncio.Event)
    result: dict[str, str] | None = None
    taken: bool = False  # a pickup has received the result
    closed: bool = False  # no longer in the store: taken, forgotten or expired


class ResultStore:
    """Pending logins by ``state``: register, answer once, pick up once, expire, stay bounded."""

    def __init__(
        self,
        *,
        ttl: float = PENDING_TTL,
        max_pending: int = MAX_PENDING,
        max_per_owner: int = MAX_PENDING_PER_KERNEL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_per_owner < 1:
            raise ValueError("A kernel needs to keep at least one pending login.")
        self.max_per_owner = max_per_owner
        self._entries = Pending[_Entry](
            ttl=ttl, cap=max_pending, clock=clock, on_evict=self._expired
        )
        #: The states of logins whose kernel ended (``kernel_ended``), as long as they would
        #: have been pending; as many as logins may be pending, the newest kept.
        self._gone = Pending[str](ttl=ttl, cap=max_pending, when_full="drop_oldest", clock=clock)

    @property
    def ttl(self) -> float:
        """Seconds a registered state stays pending."""
        return self._entries.ttl

    @property
    def max_pending(self) -> int:
        return self._entries.cap

    def __len__(self) -> int:
        """The number of live states (pending or answered, not yet picked up)."""
        return len(self._entries)

    def __contains__(self, state: object) -> bool:
        return state in self._entries

    def register(self, state: str, owner: str = "") -> None:
        """Start waiting for ``state`` on behalf of the kernel ``owner``; it expires ``ttl``
        seconds from now.

        Raises ``AlreadyRegistered``, ``OwnerFull`` (``owner`` has ``max_per_owner`` pending) or
        ``StoreFull``."""
        if state not in self._entries:  # else AlreadyRegistered, below
            mine = sum(1 for entry in self._entries.values() if entry.owner == owner)
            if mine >= self.max_per_owner:
                raise OwnerFull("This kernel has as many logins pending as one kernel may.")
        self._entries.add(state, _Entry(state, owner))

    def result(self, state: str, result: Mapping[str, str]) -> None:
        """Answer ``state`` with ``{code}`` or ``{error, error_description}``; wakes its pickup."""
        entry = self._live(state)
        if entry.result is not None:
            raise AlreadyAnswered("This login was already answered.")
        self._answer(entry, result)

    def cancel(self, state: str) -> None:
        """Answer ``state`` with ``CANCELLED`` (replacing an answer not yet picked up)."""
        self._answer(self._live(state), CANCELLED)

    def forget(self, state: str, owner: str | None = None) -> None:
        """Drop ``state`` if it exists (and belongs to ``owner``, when given); a pickup parked on
        it receives ``CANCELLED``."""
        entry = self._entries.get(state)
        if entry is not None and owner in (None, entry.owner):
            self._entries.pop(state)
            entry.closed = True
            self._answer(entry, CANCELLED)

    def kernel_ended(self, owner: str) -> int:
        """The kernel ``owner`` restarted or stopped: drop its logins (and any answer not yet
        picked up) and remember their states as gone (``is_gone``). Returns how many."""
        ended = [entry for entry in self._entries.values() if entry.owner == owner]
        for entry in ended:
            self._entries.pop(entry.state)
            self._expired(entry)
            with contextlib.suppress(AlreadyRegistered):
                self._gone.add(entry.state, owner)
        return len(ended)

    def is_gone(self, state: str) -> bool:
        """Whether ``state`` was a login whose kernel ended before Looker's answer came."""
        return state in self._gone

    async def wait(
        self, state: str, timeout: float, owner: str | None = None
    ) -> dict[str, str] | None:
        """The answer for ``state`` (removing it), or ``None`` if none came within ``timeout``.

        Raises ``UnknownState`` for a state that is unknown, belongs to another kernel than
        ``owner`` (when given), has expired (also while waiting), or whose answer another pickup
        took. Cancelling the waiting task leaves the state untouched.
        """
        entry = self._live(state)
        if owner is not None and entry.owner != owner:
            raise UnknownState("This login is unknown or has expired.")
        if entry.result is None and timeout > 0:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(entry.event.wait(), timeout)
            self._entries.evict_expired()
        if entry.result is not None and not entry.taken:
            entry.taken = True
            self._close(state, entry)
            return dict(entry.result)
        if entry.closed:
            raise UnknownState("This login is unknown or has expired.")
        return None

    def _live(self, state: str) -> _Entry:
        entry = self._entries.get(state)
        if entry is None:
            raise UnknownState("This login is unknown or has expired.")
        return entry

    @staticmethod
    def _answer(entry: _Entry, result: Mapping[str, str]) -> None:
        entry.result = dict(result)
        entry.event.set()

    def _close(self, state: str, entry: _Entry) -> None:
        entry.closed = True
        if self._entries.get(state) is entry:
            self._entries.pop(state)

    @staticmethod
    def _expired(entry: _Entry) -> None:
        entry.closed = True
        entry.result = None  # an unpicked code dies with its state
        entry.event.set()  # a parked pickup learns at once that the state expired
