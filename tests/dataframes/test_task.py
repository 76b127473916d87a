"""Steps 2 and 3, the query task: created, polled until Looker has run it, stopped at Looker on
Ctrl-C or a timeout; and the poll protocol on its own, driven by hand (it does no I/O)."""

from __future__ import annotations

import _thread
from collections.abc import Generator
from typing import Any

import httpx
import pytest

from looker_nb_auth import (
    LookerSession,
    LookerUnreachable,
    QueryCancelled,
    QueryError,
    QueryNotFound,
    QueryTimeout,
)
from looker_nb_auth.dataframes import task
from looker_nb_auth.dataframes.drive import STOPS, Call, Pause
from looker_nb_auth.fake_looker import FakeLooker, ManualClock
from looker_nb_auth.notebook.progress import Progress

from .conftest import Requests, When
from .helpers import PIVOTED

# -- against the stand-in --------------------------------------------------------------------------


def test_a_long_query_is_polled_until_looker_has_finished(
    logged_in: LookerSession, looker: FakeLooker, clock: ManualClock, seen: Requests, when: When
) -> None:
    looker.config.query_task_seconds = 30
    when(lambda: seen.polls() >= 3, lambda: clock.advance(31))
    frame = logged_in.run_look(1)
    assert len(frame) == 4
    assert seen.polls() >= 4  # three 202s, then the 200
    assert seen.killed() == []


def test_ctrl_c_stops_the_query_at_looker(
    logged_in: LookerSession, looker: FakeLooker, seen: Requests, when: When
) -> None:
    looker.config.query_task_seconds = 600
    when(lambda: seen.polls() >= 2, _thread.interrupt_main)
    with pytest.raises(QueryCancelled, match="stopped at Looker") as raised:
        logged_in.run_look(1)
    assert type(raised.value) is QueryCancelled
    [kill] = seen.killed()
    task_id = kill.rsplit("/", 1)[1]
    status = logged_in.client.get(f"query_tasks/{task_id}").json()["status"]
    assert status == "killed"


def test_a_task_killed_elsewhere_says_its_results_are_gone(
    logged_in: LookerSession, looker: FakeLooker, seen: Requests, when: When
) -> None:
    looker.config.query_task_seconds = 600

    def kill_it() -> None:
        logged_in.client.delete(f"running_queries/{seen.polled_task()}")  # e.g. an admin

    when(lambda: seen.polls() >= 1, kill_it)
    with pytest.raises(QueryNotFound, match="no longer has the results of query task"):
        logged_in.run_look(1)


def test_a_connection_lost_while_polling_is_unreachable(
    logged_in: LookerSession, looker: FakeLooker, clock: ManualClock, seen: Requests, when: When
) -> None:
    looker.config.query_task_seconds = 30

    def drop_the_next_poll() -> None:
        looker.drop_next(1, target="api")  # every request from here on is a poll
        clock.advance(31)

    when(lambda: seen.polls() >= 1, drop_the_next_poll)
    with pytest.raises(LookerUnreachable, match="connection to Looker"):
        logged_in.run_look(1)


def test_a_timeout_stops_the_query_at_looker(
    logged_in: LookerSession, looker: FakeLooker, seen: Requests
) -> None:
    looker.config.query_task_seconds = 600
    with pytest.raises(QueryTimeout, match=r"timeout of 0\.2 s"):
        logged_in.run_look(1, timeout=0.2)
    assert len(seen.killed()) == 1


def test_a_database_error_in_band_raises_query_error_with_lookers_message(
    logged_in: LookerSession,
) -> None:
    with pytest.raises(QueryError) as raised:
        logged_in.run_query(model="demo", view="orders", fields=["orders.sql_error"])
    assert "invalid identifier 'ORDERS.SQL_ERROR'" in str(raised.value)
    assert raised.value.looker_message is not None
    assert "SQL compilation error" in raised.value.looker_message


def test_every_query_failing_in_the_database_raises(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    looker.config.fail_queries_with = "SQL Error: warehouse is suspended"
    with pytest.raises(QueryError, match="warehouse is suspended"):
        logged_in.run_look(1)


def test_a_pivoted_query_failing_in_the_database_raises_too(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    looker.config.fail_queries_with = "SQL Error: division by zero"
    with pytest.raises(QueryError, match="division by zero"):
        logged_in.run_query(PIVOTED)


# -- the poll protocol, driven by hand -------------------------------------------------------------

RESULTS = "query_tasks/t1/results"
KILL = Call("DELETE", "running_queries/t1")


def _answer(status: int) -> httpx.Response:
    return httpx.Response(status, request=httpx.Request("GET", f"https://looker.test/{RESULTS}"))


def _polls(timeout: float | None, clock: ManualClock) -> Generator[Any, Any, httpx.Response]:
    return task.results("t1", timeout, Progress("query", enabled=False), clock=clock.now)


@pytest.fixture
def small_clock() -> ManualClock:
    """A clock at 0, so seconds add up without rounding to the epoch's precision."""
    return ManualClock(start=0.0)


def test_polls_wait_100_ms_then_twice_as_long_up_to_10_s(small_clock: ManualClock) -> None:
    flow = _polls(None, small_clock)
    waits: list[float] = []
    step = next(flow)
    for _ in range(10):
        assert step == Call("GET", RESULTS, stream=True)
        pause = flow.send(_answer(202 if len(waits) % 2 else 204))
        assert isinstance(pause, Pause)
        waits.append(pause.seconds)
        step = flow.send(None)
    assert waits == pytest.approx([0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 10.0, 10.0, 10.0])
    done = _answer(200)
    with pytest.raises(StopIteration) as finished:
        flow.send(done)
    assert finished.value.value is done


@pytest.mark.parametrize("stop", STOPS)
def test_a_stop_while_waiting_stops_the_task_at_looker_first(
    stop: type[BaseException], small_clock: ManualClock
) -> None:
    flow = _polls(None, small_clock)
    next(flow)
    flow.send(_answer(202))  # the first pause
    assert flow.throw(stop()) == KILL
    with pytest.raises(QueryCancelled, match="stopped at Looker"):
        flow.send(_answer(204))


def test_the_last_wait_ends_at_the_timeout_then_the_task_is_stopped(
    small_clock: ManualClock,
) -> None:
    flow = _polls(0.5, small_clock)
    next(flow)
    waits: list[float] = []
    while isinstance(step := flow.send(_answer(202)), Pause):
        waits.append(step.seconds)
        small_clock.advance(step.seconds)
        assert flow.send(None) == Call("GET", RESULTS, stream=True)
    assert waits == pytest.approx([0.1, 0.2, 0.2])
    assert sum(waits) == pytest.approx(0.5)  # the last wait is what was left
    assert step == KILL
    with pytest.raises(QueryTimeout, match=r"timeout of 0\.5 s"):
        flow.send(_answer(204))


def test_a_stop_at_looker_that_fails_still_raises_query_cancelled(small_clock: ManualClock) -> None:
    flow = _polls(None, small_clock)
    next(flow)
    flow.send(_answer(202))
    assert flow.throw(KeyboardInterrupt()) == KILL
    with pytest.raises(QueryCancelled):
        flow.throw(LookerUnreachable("The connection to Looker failed."))
