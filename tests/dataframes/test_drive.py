"""The two loops: one flow, driven on ``session.client`` (``run_*``) or on
``session.async_client`` (``arun_*``, on the event loop, not in a thread around the sync path);
a stop reaches the flow wherever it waits, and a cancelled task stays cancelled."""

from __future__ import annotations

import asyncio
import inspect
import io
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pandas as pd
import pytest

from looker_nb_auth import LookerSession, LookerUnreachable, QueryCancelled
from looker_nb_auth._settings import Settings
from looker_nb_auth.dataframes import describe, pipeline
from looker_nb_auth.dataframes.drive import Call, Flow, Receive, adrive, drive
from looker_nb_auth.fake_looker import FakeLooker

from .conftest import AsyncRun, Requests
from .helpers import BY_REGION

# -- against the stand-in --------------------------------------------------------------------------


def test_a_stopped_looker_is_unreachable(logged_in: LookerSession, looker: FakeLooker) -> None:
    looker.stop()
    with pytest.raises(LookerUnreachable):
        logged_in.run_look(1)


def test_the_async_twins_return_the_same_frames(
    logged_in: LookerSession, run_async: AsyncRun[list[pd.DataFrame]]
) -> None:
    async def both() -> list[pd.DataFrame]:
        return await asyncio.gather(
            logged_in.arun_look(1),
            logged_in.arun_query(BY_REGION),
            logged_in.arun_sql("SELECT region FROM orders", connection="demo"),
        )

    look, query, sql = run_async(both())
    pd.testing.assert_frame_equal(look.sort_values("orders.region", ignore_index=True), query)
    assert len(sql) == 60


def test_the_async_twins_work_on_one_event_loop_after_another(logged_in: LookerSession) -> None:
    """A script may call asyncio.run() more than once: each loop gets an async client of its own
    (an httpx.AsyncClient's connections belong to the loop that opened them)."""
    try:
        first = asyncio.run(logged_in.arun_query(BY_REGION))
        second = asyncio.run(logged_in.arun_query(BY_REGION))
    finally:
        asyncio.run(logged_in.aclose())
    pd.testing.assert_frame_equal(first, second)


@pytest.mark.parametrize("name", ["run_look", "run_query", "run_sql"])
def test_the_async_twins_carry_their_sync_methods_signature(name: str) -> None:
    method, twin = getattr(LookerSession, name), getattr(LookerSession, f"a{name}")
    assert inspect.iscoroutinefunction(twin)
    assert twin.__name__ == f"a{name}"
    assert inspect.signature(twin) == inspect.signature(method)
    assert "look_id" in str(inspect.signature(LookerSession.arun_look))
    assert method.__doc__ and name in (twin.__doc__ or "")


def test_polling_runs_on_the_event_loop_not_in_a_worker_thread(
    logged_in: LookerSession, looker: FakeLooker, seen: Requests, run_async: AsyncRun[list[str]]
) -> None:
    looker.config.query_task_seconds = 600

    async def threads_while_polling() -> list[str]:
        call = asyncio.create_task(logged_in.arun_look(1))
        while seen.polls() < 2:
            await asyncio.sleep(0.01)
        workers = [t.name for t in threading.enumerate() if t.name.startswith("asyncio")]
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        return workers

    assert run_async(threads_while_polling()) == []


def test_cancelling_the_async_twin_stops_the_query_at_looker(
    logged_in: LookerSession, looker: FakeLooker, seen: Requests, run_async: AsyncRun[None]
) -> None:
    looker.config.query_task_seconds = 600

    async def cancel_while_running() -> None:
        call = asyncio.create_task(logged_in.arun_look(1))
        while seen.polls() < 2:
            await asyncio.sleep(0.01)
        call.cancel()
        with pytest.raises(asyncio.CancelledError) as cancelled:
            await call
        assert isinstance(cancelled.value.__cause__, QueryCancelled)

    run_async(cancel_while_running())
    assert len(seen.killed()) == 1


# -- while the result arrives, on a Looker of a few canned answers ---------------------------------

FIRST_CHUNK = b"orders.region,orders.count\nEast,15\n"  # named as the query names them


class Bodies:
    """Results bodies that send a first chunk, then hang: ``handed_over`` is set once the loop
    has asked for the next chunk (the first is the parser's), ``closed`` once the body is let
    go."""

    def __init__(self) -> None:
        self.handed_over = threading.Event()
        self.closed = threading.Event()

    def sync(self) -> httpx.SyncByteStream:
        bodies = self

        class CtrlC(httpx.SyncByteStream):
            def __iter__(self) -> Iterator[bytes]:
                yield FIRST_CHUNK
                raise KeyboardInterrupt  # Ctrl-C while the parser waits for more

            def close(self) -> None:
                bodies.closed.set()

        return CtrlC()

    def asynchronous(self) -> httpx.AsyncByteStream:
        bodies = self

        class Hanging(httpx.AsyncByteStream):
            async def __aiter__(self) -> AsyncIterator[bytes]:
                yield FIRST_CHUNK
                bodies.handed_over.set()
                await asyncio.Event().wait()  # until cancelled
                yield b""

            async def aclose(self) -> None:
                bodies.closed.set()

        return Hanging()


def canned_looker(bodies: Bodies, *, asynchronous: bool) -> httpx.MockTransport:
    """Look 1 (its query embedded), no explore metadata, a task that is done at once."""

    def answer(request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/api/4.0/")
        if path == "looks/1":
            query = {
                "id": "101",
                "model": "demo",
                "view": "orders",
                "fields": ["orders.region", "orders.count"],
            }
            return httpx.Response(200, json={"id": "1", "query_id": "101", "query": query})
        if path == "query_tasks":
            return httpx.Response(200, json={"id": "t1"})
        if path == "query_tasks/t1/results":
            body = bodies.asynchronous() if asynchronous else bodies.sync()
            return httpx.Response(200, stream=body)
        return httpx.Response(404, json={"message": "Not found"})

    async def aanswer(request: httpx.Request) -> httpx.Response:
        return answer(request)

    return httpx.MockTransport(aanswer if asynchronous else answer)


class CannedSession:
    """The public surface the loops use, on the canned Looker."""

    def __init__(self, bodies: Bodies) -> None:
        url = "https://looker.test/api/4.0/"
        sync, asynchronous = (canned_looker(bodies, asynchronous=a) for a in (False, True))
        self.client = httpx.Client(base_url=url, transport=sync)
        self.async_client = httpx.AsyncClient(base_url=url, transport=asynchronous)
        self.settings = Settings(
            base_url="https://looker.test", client_guid="g", redirect_uri="http://127.0.0.1/cb"
        )


@pytest.fixture
def bodies() -> Bodies:
    return Bodies()


@pytest.fixture
def canned(bodies: Bodies) -> Iterator[CannedSession]:
    session = CannedSession(bodies)
    yield session
    session.client.close()


def _look_1() -> Flow[Any]:
    return pipeline.query(describe.look(1), pipeline.Run(progress=False), describe.Explores())


def test_ctrl_c_while_the_result_arrives_cancels_and_lets_the_body_go(
    canned: CannedSession, bodies: Bodies
) -> None:
    with pytest.raises(QueryCancelled, match="while its result arrived"):
        drive(_look_1(), canned)
    assert bodies.closed.is_set()


def test_a_cancel_while_the_result_arrives_stops_the_parse_thread(
    canned: CannedSession, bodies: Bodies
) -> None:
    parsing, parsed = threading.Event(), threading.Event()

    def parse(body: io.BufferedReader) -> bytes:
        parsing.set()
        try:
            return body.read()  # to the end, which never comes
        finally:
            parsed.set()

    def receive() -> Flow[bytes]:
        response = yield Call("GET", "query_tasks/t1/results", stream=True)
        return (yield Receive(response, parse))

    async def cancel_while_receiving() -> bool:
        call = asyncio.create_task(adrive(receive(), canned))
        for handed in (parsing, bodies.handed_over):
            await asyncio.to_thread(handed.wait, 10)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        done = parsed.is_set()  # the thread read no more
        await canned.async_client.aclose()
        return done

    assert asyncio.run(cancel_while_receiving())
    assert bodies.closed.is_set()


def test_a_cancelled_async_twin_says_nothing_of_the_result_was_kept(
    canned: CannedSession, bodies: Bodies
) -> None:
    async def cancel_while_receiving() -> BaseException | None:
        call = asyncio.create_task(adrive(_look_1(), canned))
        await asyncio.to_thread(bodies.handed_over.wait, 10)
        call.cancel()
        with pytest.raises(asyncio.CancelledError) as cancelled:
            await call
        await canned.async_client.aclose()
        return cancelled.value.__cause__

    cause = asyncio.run(cancel_while_receiving())
    assert isinstance(cause, QueryCancelled)
    assert "while its result arrived" in str(cause)
