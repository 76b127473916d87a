"""Step 4, stream: a query's results body into its parser (or a file) as it arrives.

Parsers want a file they read from (pyarrow's streaming CSV reader, pandas' C parser), so the
body becomes one: `Body`, a readable file over the body's chunks that counts the bytes read.
`pull` hands it to the parser in the caller's thread (the sync loop: the parser's reads pull
the next chunk off the socket). `push` is the async loop's: the event loop reads the chunks and
pushes them through a bounded `_Pipe` to the parser in a worker thread. `to_file` is the
parser of ``to=``: Looker's CSV written as it comes.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import io
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

__all__ = ["Body", "pull", "push", "to_file"]

T = TypeVar("T")
OnBytes = Callable[[int], None]
#: The parser reads the body through a buffer this big (pyarrow's block size).
BUFFER = 1 << 20
#: Bytes the event loop may push ahead of the parse thread before it waits for it.
AHEAD = 8 << 20


class Body(io.RawIOBase):
    """A readable file over an iterator of byte chunks (an httpx response body), counting
    bytes as they are read, so parsers that want a file read the body as it arrives."""

    def __init__(self, chunks: Iterable[bytes], on_read: OnBytes | None = None):
        self._chunks: Iterator[bytes] = iter(chunks)
        self._pending = b""
        self._on_read = on_read
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        view = memoryview(buffer).cast("B")
        size = min(len(view), len(self._pending))
        view[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        self.bytes_read += size
        if self._on_read is not None:
            self._on_read(self.bytes_read)
        return size


def pull(
    chunks: Iterable[bytes], consume: Callable[[io.BufferedReader], T], on_bytes: OnBytes | None
) -> T:
    """``consume`` the body in this thread; its reads pull the chunks."""
    return consume(io.BufferedReader(Body(chunks, on_bytes), BUFFER))


# Why the async path still parses in a worker thread: pyarrow's reader pulls from a file, and
# the parse and typing are CPU-bound. Measured with 1M rows of demo::events (66 MB of CSV) from
# the stand-in on loopback, 2 cores, a ticker task on the same loop timing its longest gap:
# with the body gathered on the loop and parsed there, every other task of the loop stalled for
# the whole parse, 266 ms (median of 5, up to 572 ms), and the whole body sat next to the frame
# (peak +279 MiB instead of +192 MiB); fed to a worker thread as it arrives (`_Pipe`: 4 ms of
# handing over for the 66 MB), the longest stall was 9 ms, as with the sync path in a thread.
# A cancel reaches the thread at its next read.


async def push(
    chunks: AsyncIterator[bytes],
    consume: Callable[[io.BufferedReader], T],
    on_bytes: OnBytes | None,
) -> T:
    """``consume`` the body in a worker thread while the event loop reads it. A cancel (or a
    failure) on either side stops the other: the thread at its next read, the reading at once.
    """
    pipe = _Pipe(asyncio.get_running_loop())

    def parse() -> T:
        try:
            return pull(pipe.chunks(), consume, on_bytes)
        finally:
            pipe.reader_gone()

    parsed = asyncio.ensure_future(asyncio.to_thread(parse))
    feeding = asyncio.ensure_future(_feed(chunks, pipe))
    try:
        return await asyncio.shield(parsed)
    except _Abandoned:
        await feeding  # raises why the body was abandoned (a lost connection)
        raise
    except BaseException:  # the awaiting task was cancelled, or the parser failed
        pipe.end(abandoned=True)
        with contextlib.suppress(BaseException):
            await parsed  # the thread stops at its next read
        raise
    finally:
        feeding.cancel()  # the parser has what it needs, or nothing more is wanted
        with contextlib.suppress(BaseException):
            await feeding


async def _feed(chunks: AsyncIterator[bytes], pipe: _Pipe) -> None:
    """Push the body's chunks into ``pipe`` until it ends or the reader stops."""
    try:
        async for chunk in chunks:
            if not await pipe.put(chunk):
                return
    except BaseException:
        pipe.end(abandoned=True)
        raise
    pipe.end()


class _Abandoned(Exception):
    """Raised in the parse thread when the event loop gave up on the body."""


class _Pipe:
    """Chunks from the event loop to one reading thread, at most `AHEAD` bytes waiting."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._ready = threading.Condition()
        self._chunks: collections.deque[bytes] = collections.deque()
        self._waiting = 0
        self._ended = False
        self._abandoned = False
        self._gone = False
        self._room = asyncio.Event()
        self._room.set()

    async def put(self, chunk: bytes) -> bool:
        """Queue ``chunk`` (the event loop's side); False once the reader has stopped."""
        await self._room.wait()
        with self._ready:
            if self._gone:
                return False
            self._chunks.append(chunk)
            self._waiting += len(chunk)
            if self._waiting >= AHEAD:
                self._room.clear()  # set again from the thread when it has read some
            self._ready.notify()
        return True

    def end(self, *, abandoned: bool = False) -> None:
        """No more chunks: the body is complete, or (``abandoned``) the reader must stop."""
        with self._ready:
            self._ended = True
            self._abandoned = self._abandoned or abandoned
            self._ready.notify()

    def chunks(self) -> Iterator[bytes]:
        """The chunks, as they come (the thread's side)."""
        while True:
            with self._ready:
                while not self._chunks and not self._ended:
                    self._ready.wait()
                if self._abandoned:
                    raise _Abandoned("the body was abandoned")
                if not self._chunks:
                    return
                chunk = self._chunks.popleft()
                was_full = self._waiting >= AHEAD
                self._waiting -= len(chunk)
                if was_full and self._waiting < AHEAD:
                    self._loop.call_soon_threadsafe(self._room.set)
            yield chunk

    def reader_gone(self) -> None:
        """The reader has stopped (done or failed): ``put`` says so from now on."""
        with self._ready:
            self._gone = True
        self._loop.call_soon_threadsafe(self._room.set)


def to_file(path: Path) -> Callable[[io.BufferedReader], int]:
    """The parser of ``to=``: write the raw CSV to ``path`` as it arrives, under a ``.part``
    name until it is complete (a partial file is removed); returns the rows written."""

    def write(body: io.BufferedReader) -> int:
        lines = 0
        partial = path.with_name(path.name + ".part")
        try:
            with partial.open("wb") as out:
                while chunk := body.read1(BUFFER):
                    out.write(chunk)
                    lines += chunk.count(b"\n")
            partial.replace(path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return max(lines - 1, 0)  # the header is not a row

    return write
