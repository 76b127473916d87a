"""A results body at the pace of a slow network or proxy: in small pieces with pauses between
them (``FakeLookerConfig.body_trickle``), never ending (``body_endless``), or at a limited
bandwidth (``link_rate``).

No Looker source: plausible behaviours of a slow network or proxy that a client must be able
to stop (``timeout=``, Ctrl-C, a cancelled task), and a link slower than loopback, on which a
client's parse can run while the bytes arrive.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator

from ._config import FakeLookerConfig

__all__ = ["ENDLESS_PAUSE", "LINK_BYTES", "TRICKLE_BYTES", "paced"]

#: Bytes in each piece of a trickling body.
TRICKLE_BYTES = 64
#: Bytes in each piece of a body sent at ``link_rate``.
LINK_BYTES = 64 << 10
#: Seconds between the newlines of an endless body when ``body_trickle`` is 0.
ENDLESS_PAUSE = 1.0


def paced(
    chunks: Iterable[str | bytes],
    config: FakeLookerConfig,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[tuple[str | bytes, float]]:
    """The body's pieces, each with the seconds to wait once it is written."""
    trickle = max(config.body_trickle, 0.0)
    if trickle == 0 and config.link_rate > 0:
        yield from _at_rate(chunks, config, clock)
    else:
        for chunk in chunks:
            if trickle == 0:
                yield chunk, 0.0
                continue
            data = chunk.encode() if isinstance(chunk, str) else chunk
            for start in range(0, len(data), TRICKLE_BYTES):
                yield data[start : start + TRICKLE_BYTES], trickle
    while config.body_endless:
        yield b"\n", trickle or ENDLESS_PAUSE


def _at_rate(
    chunks: Iterable[str | bytes], config: FakeLookerConfig, clock: Callable[[], float]
) -> Iterator[tuple[bytes, float]]:
    """Pieces of `LINK_BYTES`, each followed by the wait that keeps the bytes sent so far at
    ``link_rate`` per second since the first (a schedule, so the waits' own overhead does not
    slow the link further)."""
    started = clock()
    sent = 0
    for chunk in chunks:
        data = chunk.encode() if isinstance(chunk, str) else chunk
        for start in range(0, len(data), LINK_BYTES):
            piece = data[start : start + LINK_BYTES]
            sent += len(piece)
            due = started + sent / config.link_rate if config.link_rate > 0 else 0.0
            yield piece, max(due - clock(), 0.0)
