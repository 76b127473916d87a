"""Traffic: what the stand-in received (counters) and what it is told to do wrong (faults, a
quota)."""

from __future__ import annotations

import math
import random
import threading
from collections import Counter, deque
from dataclasses import dataclass
from typing import Literal

from ._config import FakeLookerConfig, FaultTarget

__all__ = ["Drop", "Fail", "Fault", "RequestKind", "Traffic"]

RequestKind = Literal["token", "api"]  # POST /api/token, or any other API-host request


@dataclass(frozen=True)
class Fail:
    """Answer with an HTTP error ``status`` (and ``Retry-After: retry_after`` when set)."""

    status: int
    retry_after: int | str | None = None


@dataclass(frozen=True)
class Drop:
    """Close the connection without an answer: before Looker reads the request, or ``after``
    it has handled it (its effects done, its answer lost)."""

    after: bool = False


Fault = Fail | Drop | None


def _hits(target: FaultTarget, kind: RequestKind) -> bool:
    return target in ("all", kind)


class Traffic:
    """Thread-safe request log, token-request counter, fault schedule and quota."""

    def __init__(self, seed: int | None) -> None:
        self._lock = threading.Lock()
        self._random = random.Random(seed)  # noqa: S311 - fault draws, not secrets
        self._scheduled: deque[tuple[FaultTarget, Fail | Drop]] = deque()
        self._admitted: deque[float] = deque()  # when the quota let requests in, oldest first
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

    def schedule(self, fault: Fail | Drop, count: int, target: FaultTarget) -> None:
        if count < 0:
            raise ValueError("count must be >= 0")
        with self._lock:
            self._scheduled.extend([(target, fault)] * count)

    def draw(self, config: FakeLookerConfig, kind: RequestKind, now: float) -> Fault:
        """The fault for the next API-host request of ``kind``: the quota first, then the
        scheduled faults (the oldest one for this kind), then the random rates."""
        covered = _hits(config.fault_target, kind)
        with self._lock:
            retry_after = self._over_quota(config, now) if covered else None
            if retry_after is not None:
                return Fail(429, retry_after)
            for index, (target, fault) in enumerate(self._scheduled):
                if _hits(target, kind):
                    del self._scheduled[index]
                    if isinstance(fault, Fail) and fault.status == 429:
                        return Fail(429, config.retry_after)
                    return fault
            drop, drop_after = config.drop_rate, config.drop_after_rate
            if not covered or max(drop, drop_after, config.error_rate) <= 0:
                return None
            roll = self._random.random()
        if roll < drop:
            return Drop()
        if roll < drop + drop_after:
            return Drop(after=True)
        if roll < drop + drop_after + config.error_rate:
            return Fail(503)
        return None

    def _over_quota(self, config: FakeLookerConfig, now: float) -> int | None:
        """None when the quota lets this request in (it then counts), else the seconds until
        the sliding window frees a place (at least 1). Times are rounded to the microsecond,
        as sums of epoch floats are off by about 1e-7."""
        limit, window = config.rate_limit, config.rate_limit_window
        if limit is None:
            return None
        admitted = self._admitted
        while admitted and round(now - admitted[0], 6) >= window:
            admitted.popleft()
        if len(admitted) < limit:
            admitted.append(now)
            return None
        frees_in = admitted[-limit] + window - now if limit > 0 else window
        return max(1, math.ceil(round(frees_in, 6)))
