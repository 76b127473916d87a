"""Step 4, stream: the body reaches the parser as it arrives (a file over its chunks, through a
bounded pipe to the async parse thread), or ``to=``'s file without a partial one left behind."""

from __future__ import annotations

import asyncio
import contextlib
import io
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from looker_nb_auth import LookerSession, QueryError
from looker_nb_auth.dataframes import stream
from looker_nb_auth.dataframes.stream import Body
from looker_nb_auth.fake_looker import FakeLooker


def test_to_writes_lookers_csv_as_it_arrives(
    logged_in: LookerSession, big: FakeLooker, tmp_path: Path
) -> None:
    target = tmp_path / "events.csv"
    written = logged_in.run_query(
        model="demo", view="events", fields=["events.id", "events.amount"], limit=-1, to=target
    )
    assert written == target
    lines = target.read_text().splitlines()
    assert lines[0] == "Events ID,Events Amount"
    assert len(lines) == 1201
    assert list(tmp_path.iterdir()) == [target]  # no partial file left


def test_a_failed_download_leaves_no_file(logged_in: LookerSession, tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    with pytest.raises(QueryError):
        logged_in.run_query(model="demo", view="orders", fields=["orders.sql_error"], to=target)
    assert list(tmp_path.iterdir()) == []


def test_the_body_reads_across_chunks_and_counts_what_was_read() -> None:
    counted: list[int] = []
    body = io.BufferedReader(Body(iter([b"ab", b"", b"cde", b"f"]), counted.append), 4)
    assert body.read() == b"abcdef"
    assert counted[-1] == 6


def _chunks(count: int, size: int) -> AsyncIterator[bytes]:
    async def chunks() -> AsyncIterator[bytes]:
        for index in range(count):
            yield bytes([index % 256]) * size

    return chunks()


def test_push_hands_every_byte_to_the_thread_in_order_however_far_it_lags() -> None:
    expected = b"".join(bytes([i % 256]) * 100_000 for i in range(300))  # 30 MB: > AHEAD

    def read(body: io.BufferedReader) -> bytes:
        return body.read()

    got = asyncio.run(stream.push(_chunks(300, 100_000), read, None))
    assert got == expected


def test_push_stops_reading_the_body_once_the_parser_is_done() -> None:
    asked = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal asked
        while True:
            asked += 1
            yield b"x" * 65536

    def header_only(body: io.BufferedReader) -> bytes:
        return body.read(10)

    assert asyncio.run(stream.push(endless(), header_only, None)) == b"x" * 10
    assert asked < 1000  # 64 MB: it stopped


def test_a_parser_failure_in_the_thread_is_raised_on_the_loop() -> None:
    def failing(body: io.BufferedReader) -> None:
        body.read(1)
        raise ValueError("not a CSV")

    with pytest.raises(ValueError, match="not a CSV"):
        asyncio.run(stream.push(_chunks(10, 10), failing, None))


def test_a_lost_body_stops_the_thread_and_says_why() -> None:
    async def lost() -> AsyncIterator[bytes]:
        yield b"a,b\n"
        raise ConnectionResetError("gone")

    def read(body: io.BufferedReader) -> bytes:
        return body.read()

    with pytest.raises(ConnectionResetError, match="gone"):
        asyncio.run(stream.push(lost(), read, None))


def test_a_cancelled_push_goes_on_only_once_the_parser_has_stopped() -> None:
    handed_over, stopping, release = threading.Event(), threading.Event(), threading.Event()
    order: list[str] = []

    async def hanging() -> AsyncIterator[bytes]:
        yield b"a,b\n"
        handed_over.set()
        await asyncio.Event().wait()  # until cancelled
        yield b""

    def parse(body: io.BufferedReader) -> bytes:
        try:
            return body.read()
        finally:
            stopping.set()
            release.wait(10)  # a parser that takes a while to stop
            order.append("the parser stopped")

    async def cancel_while_parsing() -> None:
        call = asyncio.create_task(stream.push(hanging(), parse, None))
        await asyncio.to_thread(handed_over.wait, 10)
        call.cancel()
        await asyncio.to_thread(stopping.wait, 10)
        for _ in range(5):
            await asyncio.sleep(0)  # whatever the loop would do next, it does now
        order.append("the call is done" if call.done() else "the call waits for the parser")
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await call

    asyncio.run(cancel_while_parsing())
    assert order == ["the call waits for the parser", "the parser stopped"]


def test_a_second_reader_still_waiting_is_let_go_once_the_parser_is_done() -> None:
    # pyarrow's read-ahead thread may still wait for a chunk when the parser has stopped at its
    # row limit; left waiting, it kept the interpreter from exiting (a CI run never ended).
    pipe = stream._Pipe()
    ended = threading.Event()

    def read_ahead() -> None:
        with contextlib.suppress(Exception):
            for _chunk in pipe.chunks():
                pass
        ended.set()

    threading.Thread(target=read_ahead, daemon=True).start()
    pipe.reader_gone()
    assert ended.wait(5)
