"""Step 4, stream: a query's results body into its parser (or a file) as it arrives.

Parsers want a file they read from (pyarrow's streaming CSV reader, pandas' C parser), so the
body becomes one: `Body`, a readable file over the body's chunks that counts the bytes read.
Both loops parse in a worker thread, fed through a bounded `_Pipe` while the loop's own thread
reads the body off the network: `feed` is the sync loop's, `push` the async loop's. `pull` is
what the worker runs (the parser's reads pull the next chunk). `to_file` is the parser of
``to=``: Looker's CSV written as it comes.

Why the sync loop does not parse in the caller's thread: pyarrow's reader holds that thread in
C++ while it waits for the next block, where no signal handler runs, so Ctrl-C (Kernel >
Interrupt) waited until the body ended (a trickling body: 15 s in the stop test, an endless one
forever), and nothing could check a deadline. Reading the network in the caller's thread keeps
it in Python's socket reads and in waits of `TICK` seconds, where Ctrl-C lands at once and the
deadline is checked between chunks; a read that gets nothing at all ends at the deadline, when
``_deadline.cut_off_at`` shuts the connection down (the read timeout alone, fixed when the
request went out, would let a read begun just before the deadline wait nearly as long again).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import contextvars
import io
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Generic, TypeVar

from .._deadline import Deadline

__all__ = ["Body", "feed", "pull", "push", "to_file"]

T = TypeVar("T")
OnBytes = Callable[[int], None]
#: The parser reads the body through a buffer this big (pyarrow's block size).
BUFFER = 1 << 20
#: Bytes the loop may push ahead of the parse thread before it waits for it.
AHEAD = 8 << 20
#: Seconds the sync loop waits at a time (for room in the pipe, for the parse to end) before it
#: checks the deadline again; Ctrl-C needs no tick, it ends any wait at once.
TICK = 0.1
#: Seconds a stopped loop gives the parse thread to stop (at its next read: at once, unless it
#: is typing a finished parse) before it goes on without it; the thread then ends on its own.
LET_GO = 0.5


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


def feed(
    chunks: Iterable[bytes],
    consume: Callable[[io.BufferedReader], T],
    on_bytes: OnBytes | None,
    deadline: Deadline | None = None,
) -> T:
    """``consume`` the body in a worker thread while this thread reads it (the sync loop's).
    A stop in this thread (Ctrl-C, `DeadlinePassed` once ``deadline`` has passed, a lost
    connection) stops the worker at its next read; a parser that fails or is done stops the
    reading."""
    pipe = _Pipe()
    parse = _Worker(lambda: pull(pipe.chunks(), consume, on_bytes), pipe)
    try:
        for chunk in chunks:
            if deadline is not None:
                deadline.check()
            if not pipe.offer(chunk, deadline):
                break  # the parser has what it needs, or failed
        else:
            pipe.end()
        return parse.result(deadline)
    except BaseException:
        pipe.end(abandoned=True)
        parse.let_go()
        raise


class _Worker(Generic[T]):
    """``work`` in a thread of its own, in this thread's context (ipykernel's context variables
    send its progress lines to the cell that runs the query)."""

    def __init__(self, work: Callable[[], T], pipe: _Pipe) -> None:
        self._work = work
        self._pipe = pipe
        self._done = threading.Event()
        self._value: list[T] = []  # one value, once the work has returned
        self._error: BaseException | None = None
        context = contextvars.copy_context()
        name = "looker-nb-auth parse"
        self._thread = threading.Thread(target=context.run, args=(self._run,), name=name)
        self._thread.daemon = True
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value.append(self._work())
        except BaseException as error:  # raised in the caller's thread by `result`
            self._error = error
        finally:
            self._pipe.reader_gone()
            self._done.set()

    def result(self, deadline: Deadline | None) -> T:
        """What the work returned (or raised), waiting `TICK` at a time, checking ``deadline``."""
        while not self._done.wait(TICK):
            if deadline is not None:
                deadline.check()
        if self._error is not None:
            raise self._error
        return self._value[0]

    def let_go(self) -> None:
        """Give the stopped work `LET_GO` seconds to end (a ``to=`` file to be removed)."""
        self._done.wait(LET_GO)


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
    parsed.add_done_callback(_retrieved)
    feeding = asyncio.ensure_future(_feed(chunks, pipe))
    try:
        return await asyncio.shield(parsed)
    except _Abandoned:
        await feeding  # raises why the body was abandoned (a lost connection)
        raise
    except BaseException:  # the awaiting task was cancelled, or the parser failed
        pipe.end(abandoned=True)
        await asyncio.wait({parsed}, timeout=LET_GO)  # the thread stops at its next read
        raise
    finally:
        feeding.cancel()  # the parser has what it needs, or nothing more is wanted
        with contextlib.suppress(BaseException):
            await feeding


def _retrieved(parsed: asyncio.Future[Any]) -> None:
    """A parse let go of ends unheard: its error is no news (asyncio would log it)."""
    if not parsed.cancelled():
        parsed.exception()


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
    """Chunks from a loop (the event loop's, given as ``loop``, or a thread's) to one reading
    thread, at most `AHEAD` bytes waiting."""

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._loop = loop
        self._ready = threading.Condition()
        self._chunks: collections.deque[bytes] = collections.deque()
        self._waiting = 0
        self._ended = False
        self._abandoned = False
        self._gone = False
        self._room = asyncio.Event()
        self._room.set()

    def offer(self, chunk: bytes, deadline: Deadline | None) -> bool:
        """Queue ``chunk`` (a thread's side), waiting `TICK` at a time while the pipe is full and
        checking ``deadline``; False once the reader has stopped."""
        with self._ready:
            while self._waiting >= AHEAD and not self._gone:
                if deadline is not None:
                    deadline.check()
                self._ready.wait(TICK)
            if self._gone:
                return False
            self._chunks.append(chunk)
            self._waiting += len(chunk)
            self._ready.notify_all()
        return True

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
            self._ready.notify_all()
        return True

    def end(self, *, abandoned: bool = False) -> None:
        """No more chunks: the body is complete, or (``abandoned``) the reader must stop."""
        with self._ready:
            self._ended = True
            self._abandoned = self._abandoned or abandoned
            self._ready.notify_all()

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
                    self._made_room()
            yield chunk

    def reader_gone(self) -> None:
        """The reader has stopped (done or failed): ``put`` and ``offer`` say so from now on, and
        any other thread still in ``chunks`` (pyarrow's read-ahead, after a parser stopped at its
        row limit) is let go; left waiting, it kept the interpreter from exiting."""
        with self._ready:
            self._gone = True
            self._ended = self._abandoned = True
            self._ready.notify_all()
            self._made_room()

    def _made_room(self) -> None:
        """Wake the side that puts (called with the lock held)."""
        if self._loop is None:
            self._ready.notify_all()
        else:
            self._loop.call_soon_threadsafe(self._room.set)


def to_file(path: Path) -> Callable[[io.BufferedReader], int]:
    """The parser of ``to=``: write the raw CSV to ``path`` as it arrives, under a ``.part``
    name until it is complete (a partial file is removed); returns the rows written."""

    def write(body: io.BufferedReader) -> int:
        lines = _Lines()
        partial = path.with_name(path.name + ".part")
        try:
            with partial.open("wb") as out:
                while chunk := body.read1(BUFFER):
                    out.write(chunk)
                    lines.add(chunk)
            partial.replace(path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return max(lines.ended - 1, 0)  # the header is not a row

    return write


class _Lines:
    """The CSV lines (rows) that ended in the chunks given to `add`: the line breaks outside
    quotes, since a quoted value may hold line breaks of its own (RFC 4180; an escaped quote,
    ``""``, leaves the count of quotes even)."""

    def __init__(self) -> None:
        self.ended = 0
        self._quoted = False  # the chunks so far end inside a quoted value

    def add(self, chunk: bytes) -> None:
        if b'"' not in chunk:  # the usual chunk: no quote, so it is all in or all out
            self.ended += 0 if self._quoted else chunk.count(b"\n")
            return
        parts = chunk.split(b'"')  # between quotes: out, in, out, ... (or in, out, ...)
        first = 1 if self._quoted else 0
        self.ended += sum(part.count(b"\n") for part in parts[first::2])
        self._quoted ^= len(parts) % 2 == 0  # an odd count of quotes
