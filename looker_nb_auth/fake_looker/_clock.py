"""A clock that only moves when told to, so tests drive expiry without sleeping."""

from __future__ import annotations

import threading
import time

__all__ = ["ManualClock"]


class ManualClock:
    """Injectable clock: ``now()`` returns seconds since the epoch, ``advance()`` moves it on.

    Starts at the current wall-clock time (or ``start``), so absolute times still look real.
    """

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock does not run backwards")
        with self._lock:
            self._now += seconds

    def __repr__(self) -> str:
        return f"ManualClock(now={self.now():.3f})"
