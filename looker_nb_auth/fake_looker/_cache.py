"""A result cache for the big explore ``demo::events``, as Looker caches query results.

It keeps the rendered answers of the last `CACHE_SIZE` distinct runs (query body, result
format, effective row limit, ``big_rows``), least recently used first out. An entry is the
answer's text after its head (`render_parts`), encoded once; a repeat run writes it in
`SLICE_BYTES` slices after a freshly rendered head, which says ``from_cache`` and the first
run's ``ran_at`` in json_detail. ``FakeLookerConfig.result_cache`` turns the cache off.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from ._data import MODEL, QueryError, _limit

__all__ = [
    "CACHE_SIZE",
    "SLICE_BYTES",
    "CachedResult",
    "ResultCache",
    "ResultCacheStats",
    "result_key",
]

CACHE_SIZE = 2  # answers kept
SLICE_BYTES = 1 << 20  # a cached answer is written 1 MiB at a time


@dataclass(frozen=True)
class CachedResult:
    """A rendered answer: its fields, when it ran first, and its text after the head."""

    fields: tuple[str, ...]
    ran_at: float
    body: bytes


@dataclass(frozen=True)
class ResultCacheStats:
    """``rendered``: events answers rendered from rows (cache misses, or the cache off);
    ``served``: answers served from the cache; ``entries``: answers held now."""

    rendered: int
    served: int
    entries: int


def result_key(
    body: dict[str, Any], result_format: str, limit: str | None, big_rows: int
) -> str | None:
    """The cache key of a run on ``demo::events``; None for any other explore, or a limit
    the query cannot run with (nothing to cache: it fails)."""
    if body.get("model") != MODEL or body.get("view") != "events":
        return None
    try:
        row_limit = _limit(body.get("limit") if limit is None else limit)
    except QueryError:
        return None
    return json.dumps([body, result_format, row_limit, big_rows], sort_keys=True)


class ResultCache:
    """The last `CACHE_SIZE` distinct answers and counters, behind one lock."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._entries: OrderedDict[str, CachedResult] = OrderedDict()
        self._rendered = 0
        self._served = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> CachedResult | None:
        """The entry for ``key`` (now the most recently used), counted as served; or None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                self._served += 1
            return entry

    def put(self, key: str, entry: CachedResult) -> None:
        """Keep ``entry``, dropping the least recently used beyond `CACHE_SIZE`."""
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def count_render(self) -> None:
        with self._lock:
            self._rendered += 1

    def stats(self) -> ResultCacheStats:
        with self._lock:
            return ResultCacheStats(self._rendered, self._served, len(self._entries))
