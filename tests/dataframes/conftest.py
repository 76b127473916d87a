"""Fixtures for the DataFrame pipeline: the stand-in's big explore, what the client asked of it,
a trigger for a step in the middle of a call, and the async twins on an event loop of their own."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest

from looker_nb_auth import LookerSession
from looker_nb_auth.fake_looker import FakeLooker

T = TypeVar("T")


@pytest.fixture
def big(looker: FakeLooker) -> FakeLooker:
    """The stand-in with a 1,200-row ``demo::events``."""
    looker.config.big_rows = 1200
    return looker


@dataclass
class Requests:
    """What the client has asked the stand-in so far."""

    looker: FakeLooker

    def tasks_started(self) -> list[str]:
        return [p for m, p in self.looker.requests if m == "POST" and p.endswith("/query_tasks")]

    def polls(self) -> int:
        return sum(1 for m, p in self.looker.requests if m == "GET" and p.endswith("/results"))

    def killed(self) -> list[str]:
        return [p for m, p in self.looker.requests if m == "DELETE" and "/running_queries/" in p]

    def polled_task(self) -> str:
        """The id of the first query task polled."""
        return next(p for _m, p in self.looker.requests if p.endswith("/results")).split("/")[-2]


@pytest.fixture
def seen(looker: FakeLooker) -> Requests:
    return Requests(looker)


When = Callable[[Callable[[], bool], Callable[[], None]], None]


@pytest.fixture
def when() -> Iterator[When]:
    """``when(condition, then)``: run ``then`` in a thread as soon as ``condition`` holds
    (checked every 10 ms) while the test's call runs; the watchers stop with the test."""
    stop = threading.Event()
    threads: list[threading.Thread] = []

    def start(condition: Callable[[], bool], then: Callable[[], None]) -> None:
        def watch() -> None:
            while not condition():
                if stop.wait(0.01):
                    return
            then()

        thread = threading.Thread(target=watch, daemon=True)
        thread.start()
        threads.append(thread)

    yield start
    stop.set()
    for thread in threads:
        thread.join(timeout=10)


AsyncRun = Callable[[Coroutine[Any, Any, T]], T]


@pytest.fixture
def run_async(logged_in: LookerSession) -> AsyncRun[Any]:
    """Run a coroutine on an event loop of its own, then close the session's async client,
    whose connections belong to that loop (as every ``httpx.AsyncClient``'s do)."""

    def run(coroutine: Coroutine[Any, Any, T]) -> T:
        async def then_close() -> T:
            try:
                return await coroutine
            finally:
                await logged_in.aclose()

        return asyncio.run(then_close())

    return run
