"""A results body at the pace of a slow network or proxy: in small pieces with pauses between
them (``FakeLookerConfig.body_trickle``), or never ending (``body_endless``).

No Looker source: a plausible behaviour of a slow network or proxy that a client must be able
to stop (``timeout=``, Ctrl-C, a cancelled task).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ._config import FakeLookerConfig

__all__ = ["ENDLESS_PAUSE", "TRICKLE_BYTES", "paced"]

#: Bytes in each piece of a trickling body.
TRICKLE_BYTES = 64
#: Seconds between the newlines of an endless body when ``body_trickle`` is 0.
ENDLESS_PAUSE = 1.0


def paced(
    chunks: Iterable[str | bytes], config: FakeLookerConfig
) -> Iterator[tuple[str | bytes, float]]:
    """The body's pieces, each with the seconds to wait once it is written."""
    trickle = max(config.body_trickle, 0.0)
    for chunk in chunks:
        if trickle == 0:
            yield chunk, 0.0
            continue
        data = chunk.encode() if isinstance(chunk, str) else chunk
        for start in range(0, len(data), TRICKLE_BYTES):
            yield data[start : start + TRICKLE_BYTES], trickle
    while config.body_endless:
        yield b"\n", trickle or ENDLESS_PAUSE
