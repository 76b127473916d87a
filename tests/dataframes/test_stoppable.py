"""Every wait of a query can be stopped: ``timeout=`` is a deadline for the whole call (create,
poll, download, parse, a 429 back-off), and Ctrl-C (Kernel > Interrupt) or a cancelled task
stops it within a second, however slowly the result trickles in or however long Looker asks to
wait. The slow network is the stand-in's (``body_trickle``, ``body_endless``, 429s from
``fail_next``).

Timings are bounds, not values: each promise is 1 s (or ``timeout``), and the bounds add a
second for a loaded machine; the slow paths they guard against take 20 s or never end.
"""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from looker_nb_auth import LookerSession, QueryCancelled, QueryTimeout, RateLimited
from looker_nb_auth.dataframes import task
from looker_nb_auth.dataframes.drive import Call, Flow
from looker_nb_auth.fake_looker import FakeLooker, ManualClock
from looker_nb_auth.notebook.progress import Progress

from .conftest import AsyncRun, Requests, When
from .helpers import PIVOTED

#: Seconds past a promise that a bound allows (the promise: 1 s after a stop, or ``timeout``).
SLACK = 2.0
#: Seconds between the 64-byte pieces of a trickling body: 1,200 events rows take ~30 s.
TRICKLE = 0.03
EVENTS = {
    "model": "demo",
    "view": "events",
    "fields": ["events.id", "events.category", "events.amount"],
    "limit": "-1",
}


@pytest.fixture
def trickling(big: FakeLooker) -> FakeLooker:
    """The stand-in sending every results body as a slow network would: 64 bytes at a time."""
    big.config.body_trickle = TRICKLE
    return big


@pytest.fixture
def endless(looker: FakeLooker) -> FakeLooker:
    """The stand-in whose results bodies never end."""
    looker.config.body_endless = True
    looker.config.body_trickle = TRICKLE
    return looker


@pytest.fixture
def storm(looker: FakeLooker) -> Callable[[], None]:
    """``storm()``: from now on every API request gets a 429 asking to wait 10 s."""

    def start() -> None:
        looker.config.retry_after = 10
        looker.fail_next(10_000, 429, target="api")

    return start


class CtrlC:
    """Ctrl-C as a terminal or Kernel > Interrupt sends it (SIGINT, to the main thread), once
    ``after`` seconds have passed since a condition held; never once the call has ended."""

    def __init__(self, when: When) -> None:
        self._when = when
        self._ended = threading.Event()
        self.sent_at: float | None = None

    def press(self, condition: Callable[[], bool], after: float = 0.5) -> None:
        def press_later() -> None:
            if not self._ended.wait(after):
                self.sent_at = time.monotonic()
                signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)

        self._when(condition, press_later)

    def since(self) -> float:
        """Seconds from the key press to now."""
        assert self.sent_at is not None, "Ctrl-C was never pressed"
        return time.monotonic() - self.sent_at

    def ended(self) -> None:
        self._ended.set()


@pytest.fixture
def ctrl_c(when: When) -> Iterator[CtrlC]:
    presser = CtrlC(when)
    yield presser
    presser.ended()


def _timed(call: Callable[[], Any], error: type[BaseException]) -> tuple[BaseException, float]:
    """What ``call`` raised (it must raise ``error``), and after how many seconds."""
    started = time.monotonic()
    with pytest.raises(error) as raised:
        call()
    return raised.value, time.monotonic() - started


def _no_files_left(folder: Path) -> None:
    assert list(folder.iterdir()) == []  # neither the file nor its .part


# -- timeout= ---------------------------------------------------------------------------------


@pytest.mark.parametrize("to", [False, True], ids=["frame", "to_path"])
def test_a_timeout_stops_a_trickling_download(
    logged_in: LookerSession, trickling: FakeLooker, tmp_path: Path, to: bool
) -> None:
    target = tmp_path / "events.csv" if to else None
    error, elapsed = _timed(lambda: logged_in.run_query(EVENTS, timeout=1, to=target), QueryTimeout)
    assert elapsed < 1 + SLACK
    assert "timeout of 1 s" in str(error)
    _no_files_left(tmp_path)


@pytest.mark.parametrize(("method", "query"), [("run_look", 1), ("run_query", PIVOTED)])
def test_a_timeout_stops_a_body_that_never_ends(
    logged_in: LookerSession, endless: FakeLooker, method: str, query: Any
) -> None:
    run = getattr(logged_in, method)
    _error, elapsed = _timed(lambda: run(query, timeout=1), QueryTimeout)
    assert elapsed < 1 + SLACK


def test_a_timeout_stops_a_body_gone_silent_just_before_the_deadline(
    logged_in: LookerSession, big: FakeLooker
) -> None:
    # A piece every 3.5 s: the read waiting for the third begins at ~3.7 s, before the 4 s
    # deadline, and httpx's read timeout (what was left when the request went out, ~3.8 s) would
    # let it wait until ~7.5 s; the piece itself comes at ~7.2 s.
    big.config.body_trickle = 3.5
    _error, elapsed = _timed(lambda: logged_in.run_query(EVENTS, timeout=4), QueryTimeout)
    assert elapsed < 4 + SLACK


def test_a_timeout_stops_the_async_twins_trickling_download(
    logged_in: LookerSession, trickling: FakeLooker, run_async: AsyncRun[None]
) -> None:
    async def run() -> None:
        await logged_in.arun_query(EVENTS, timeout=1)

    _error, elapsed = _timed(lambda: run_async(run()), QueryTimeout)
    assert elapsed < 1 + SLACK


def test_a_timeout_stops_the_wait_for_a_slow_refresh(
    logged_in: LookerSession, looker: FakeLooker, clock: ManualClock
) -> None:
    clock.advance(3600)  # the access token has expired: the call must wait for the refresh
    looker.config.token_latency = 4
    _error, elapsed = _timed(lambda: logged_in.run_look(1, timeout=1), QueryTimeout)
    assert elapsed < 1 + SLACK
    # The refresh went on, unhurried: the next call waits for it and is served with its token.
    assert logged_in.client.get("user").status_code == 200
    assert looker.token_requests["refresh_token"] == 1


def test_a_timeout_stops_the_async_twins_wait_for_a_slow_refresh(
    logged_in: LookerSession, looker: FakeLooker, clock: ManualClock, run_async: AsyncRun[float]
) -> None:
    clock.advance(3600)
    looker.config.token_latency = 4

    async def run() -> float:
        started = time.monotonic()
        with pytest.raises(QueryTimeout):
            await logged_in.arun_look(1, timeout=1)
        return time.monotonic() - started  # aclose() after it waits for the refresh to be kept

    assert run_async(run()) < 1 + SLACK
    assert logged_in.client.get("user").status_code == 200
    assert looker.token_requests["refresh_token"] == 1


# -- Ctrl-C and cancel while the result arrives -----------------------------------------------


@pytest.mark.parametrize("to", [False, True], ids=["frame", "to_path"])
def test_ctrl_c_during_a_trickling_download_stops_within_a_second(
    logged_in: LookerSession,
    trickling: FakeLooker,
    seen: Requests,
    ctrl_c: CtrlC,
    tmp_path: Path,
    to: bool,
) -> None:
    target = tmp_path / "events.csv" if to else None
    ctrl_c.press(lambda: seen.polls() >= 1)  # the result is arriving, 64 bytes at a time
    error, _elapsed = _timed(lambda: logged_in.run_query(EVENTS, to=target), QueryCancelled)
    assert ctrl_c.since() < 1 + SLACK
    assert type(error) is QueryCancelled
    assert "while its result arrived" in str(error)
    _no_files_left(tmp_path)


def test_cancelling_the_async_twin_during_a_trickling_download_stops_within_a_second(
    logged_in: LookerSession, trickling: FakeLooker, seen: Requests, run_async: AsyncRun[float]
) -> None:
    async def cancel_while_receiving() -> float:
        call = asyncio.create_task(logged_in.arun_query(EVENTS))
        while seen.polls() < 1:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.5)  # the result is arriving, 64 bytes at a time
        call.cancel()
        cancelled = time.monotonic()
        with pytest.raises(asyncio.CancelledError) as raised:
            await call
        assert isinstance(raised.value.__cause__, QueryCancelled)
        return time.monotonic() - cancelled

    assert run_async(cancel_while_receiving()) < 1 + SLACK


# -- a 429 storm: the back-off ----------------------------------------------------------------


def test_a_429_storm_raises_rate_limited_by_the_timeout(
    logged_in: LookerSession, storm: Callable[[], None]
) -> None:
    storm()  # GET looks/1 meets it: a GET is retried after the wait Looker asks for
    error, elapsed = _timed(lambda: logged_in.run_look(1, timeout=2), RateLimited)
    assert elapsed < 2 + SLACK
    assert "wait 10 s and try again" in str(error)


def test_a_429_storm_raises_rate_limited_by_the_async_twins_timeout(
    logged_in: LookerSession, storm: Callable[[], None], run_async: AsyncRun[None]
) -> None:
    async def run() -> None:
        await logged_in.arun_look(1, timeout=2)

    storm()
    _error, elapsed = _timed(lambda: run_async(run()), RateLimited)
    assert elapsed < 2 + SLACK


def test_ctrl_c_during_a_429_back_off_stops_within_a_second(
    logged_in: LookerSession, looker: FakeLooker, storm: Callable[[], None], ctrl_c: CtrlC
) -> None:
    storm()
    ctrl_c.press(lambda: len(looker.requests) >= 1)  # the first 429 is in: its wait began
    error, _elapsed = _timed(lambda: logged_in.run_look(1), QueryCancelled)
    assert ctrl_c.since() < 1 + SLACK
    assert "cancelled" in str(error)


def test_ctrl_c_during_a_429_back_off_while_polling_stops_within_a_second(
    logged_in: LookerSession,
    looker: FakeLooker,
    seen: Requests,
    storm: Callable[[], None],
    when: When,
    ctrl_c: CtrlC,
) -> None:
    """Stopping the query at Looker meets the storm too: it may not keep the caller waiting."""
    looker.config.query_task_seconds = 600
    storm_began = threading.Event()

    def start_the_storm() -> None:
        storm()
        storm_began.set()

    when(lambda: seen.polls() >= 2, start_the_storm)
    ctrl_c.press(storm_began.is_set)
    error, _elapsed = _timed(lambda: logged_in.run_look(1), QueryCancelled)
    assert ctrl_c.since() < 1 + SLACK
    assert "stopped at Looker" not in str(error)  # the stop was refused with a 429


def test_cancelling_the_async_twin_during_a_429_back_off_stops_within_a_second(
    logged_in: LookerSession,
    looker: FakeLooker,
    seen: Requests,
    storm: Callable[[], None],
    run_async: AsyncRun[float],
) -> None:
    looker.config.query_task_seconds = 600

    async def cancel_while_backing_off() -> float:
        call = asyncio.create_task(logged_in.arun_look(1))
        while seen.polls() < 2:
            await asyncio.sleep(0.01)
        storm()
        await asyncio.sleep(0.5)  # a poll met the storm and waits
        call.cancel()
        cancelled = time.monotonic()
        with pytest.raises(asyncio.CancelledError) as raised:
            await call
        assert isinstance(raised.value.__cause__, QueryCancelled)
        return time.monotonic() - cancelled

    assert run_async(cancel_while_backing_off()) < 1 + SLACK


# -- the deadline covers every step -----------------------------------------------------------


def test_a_timeout_bounds_the_steps_before_the_query_runs(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    """Describing and creating the query are inside the deadline too: every answer is 5 s late."""
    looker.config.latency = 5.0
    error, elapsed = _timed(lambda: logged_in.run_look(1, timeout=1), QueryTimeout)
    assert elapsed < 1 + SLACK
    assert "timeout of 1 s" in str(error)


# -- the poll protocol, driven by hand ----------------------------------------------------------

RESULTS = "query_tasks/t1/results"
KILL = Call("DELETE", "running_queries/t1")


def _answer(status: int) -> httpx.Response:
    return httpx.Response(status, request=httpx.Request("GET", f"https://looker.test/{RESULTS}"))


def _polls(timeout: float | None) -> Flow[httpx.Response]:
    return task.results("t1", timeout, Progress("query", enabled=False))


def test_the_calls_deadline_thrown_into_a_poll_stops_the_task_at_looker() -> None:
    flow = _polls(1)
    next(flow)
    flow.send(_answer(202))  # the first pause
    assert flow.throw(QueryTimeout("the deadline")) == KILL
    with pytest.raises(QueryTimeout, match=r"timeout of 1 s, so it was stopped at Looker"):
        flow.send(_answer(204))


@pytest.mark.parametrize("refusal", [429, 503])
def test_a_stop_looker_does_not_confirm_is_not_said_to_have_stopped_it(refusal: int) -> None:
    flow = _polls(None)
    next(flow)
    flow.send(_answer(202))
    assert flow.throw(KeyboardInterrupt()) == KILL
    with pytest.raises(QueryCancelled) as raised:
        flow.send(_answer(refusal))
    assert "stopped at Looker" not in str(raised.value)
    assert "may run there until it finishes" in str(raised.value)
