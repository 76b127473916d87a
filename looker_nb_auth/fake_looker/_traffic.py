"""Traffic: what the stand-in received (counters) and what it is told to do wrong (faults)."""

from __future__ import annotations

import random
import threading
from collections import Counter, deque
from typing import Literal

from ._config import FakeLookerConfig

__all__ = ["DROP", "Fault", "Traffic"]

DROP: Literal["drop"] = "drop"
Fault = int | Literal["drop"] | None  # an HTTP status to answer with, a dropped connection, or none


class Traffic:
    """Thread-safe request log, token-request counter and fault schedule."""

    def __init__(self, seed: int | None) -> None:
        self._lock = threading.Lock()
        self._random = random.Random(seed)  # noqa: S311 - fault draws, not secrets
        self._scheduled: deque[int | Literal["drop"]] = deque()
        self.requests: list[tuple[str, str]] = []
        self.token_requests: Counter[str] = Counter()

    def record(self, method: str, path: str) -> None:
        with self._lock:
            self.requests.append((method, path))

    def count_token_request(self, grant_type: str) -> None:
        with self._lock:
            self.token_requests[grant_type] += 1

    def snapshot(self) -> tuple[list[tuple[str, str]], Counter[str]]:
        """Copies of the request log and the token-request counter."""
        with self._lock:
            return list(self.requests), Counter(self.token_requests)

    def reset_counters(self) -> None:
        with self._lock:
            self.requests.clear()
            self.token_requests.clear()

    def schedule(self, fault: int | Literal["drop"], count: int) -> None:
        if count < 0:
            raise ValueError("count must be >= 0")
        with self._lock:
            self._scheduled.extend([fault] * count)

    def draw(self, config: FakeLookerConfig) -> Fault:
        """The fault for the next API request: scheduled ones first, then the random rates."""
        with self._lock:
            if self._scheduled:
                return self._scheduled.popleft()
            if config.drop_rate <= 0 and config.error_rate <= 0:
                return None
            roll = self._random.random()
        if roll < config.drop_rate:
            return DROP
        if roll < config.drop_rate + config.error_rate:
            return 503
        return None
