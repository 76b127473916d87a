"""Polling a query task costs few API calls, and every way the product stops waiting for the task
stops it at Looker (``DELETE /running_queries/{id}``).

Looker's API quota counts calls (Looker's Standard edition includes 1,000 query-based API calls a
month), so the polls of one query are bounded: a query Looker runs in T seconds costs at most
``8 + T/10`` polls (2 at 0.1 s, 6 at 2 s, 8 at 10 s, 13 at 60 s, 67 at 10 min), and its result
is seen at most as long again as it ran (plus 0.1 s), never more than 10 s late. A 429 on a poll
waits what ``Retry-After`` asks, within the call's ``timeout``; a 429 or 5xx or lost connection
that ends the call while Looker runs the task stops the task there, as Ctrl-C, a cancel and a
timeout do (``test_task.py``, ``test_drive.py``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from support import CLIENT_GUID, REDIRECT_URI, log_in, make_session

from looker_nb_auth import (
    LookerAuthError,
    LookerServerError,
    LookerSession,
    LookerUnreachable,
    QueryError,
    QueryNotFound,
    RateLimited,
    UnexpectedResponse,
)
from looker_nb_auth.dataframes import task
from looker_nb_auth.dataframes.drive import STOP_GRACE, Call, Flow, Pause, Within
from looker_nb_auth.fake_looker import FakeLooker, ManualClock
from looker_nb_auth.notebook.progress import Progress

from .conftest import AsyncRun, Requests, When

#: What the docs promise: polls of a query Looker runs in so many seconds, at most.
PROMISED = {0.1: 2, 2.0: 6, 10.0: 8, 60.0: 13, 600.0: 67}
DURATIONS = [0.0, 0.04, 0.1, 0.11, 0.5, 1.0, 3.2, 12.7, 12.8, 30.0, 100.0, 599.0, 3600.0]

# -- the schedule, driven by hand on a clock that moves only when the flow waits -----------------

RESULTS = "query_tasks/t1/results"
KILL = Call("DELETE", "running_queries/t1")


def _answer(status: int) -> httpx.Response:
    return httpx.Response(status, request=httpx.Request("GET", f"https://looker.test/{RESULTS}"))


def _polls(clock: ManualClock, timeout: float | None = None) -> Flow[httpx.Response]:
    return task.results("t1", timeout, Progress("query", enabled=False), clock=clock.now)


def _run_by_hand(seconds: float) -> tuple[int, float]:
    """Polls of a query that Looker finishes ``seconds`` after the first poll, on an ideal
    network (a poll takes no time), and when its result was seen."""
    clock = ManualClock(start=0.0)
    flow = _polls(clock)
    step = next(flow)
    polls = 0
    while True:
        assert step == Call("GET", RESULTS, stream=True)
        polls += 1
        if clock.now() >= seconds:
            done = _answer(200)
            with pytest.raises(StopIteration) as finished:
                flow.send(done)
            assert finished.value.value is done
            return polls, clock.now()
        pause = flow.send(_answer(202))
        assert isinstance(pause, Pause)
        clock.advance(pause.seconds)
        step = flow.send(None)


@pytest.mark.parametrize(("seconds", "promised"), PROMISED.items())
def test_a_query_of_t_seconds_costs_the_polls_the_docs_promise(
    seconds: float, promised: int
) -> None:
    polls, _seen = _run_by_hand(seconds)
    assert polls == promised
    assert task.polls_for(seconds) == promised


@pytest.mark.parametrize("seconds", DURATIONS)
def test_no_query_costs_more_than_8_polls_plus_one_per_10_s(seconds: float) -> None:
    polls, _seen = _run_by_hand(seconds)
    assert polls <= 8 + seconds / 10
    assert polls == task.polls_for(seconds)


@pytest.mark.parametrize("seconds", DURATIONS)
def test_a_result_is_seen_at_most_as_long_again_as_it_took_and_never_10_s_late(
    seconds: float,
) -> None:
    _polls_made, seen = _run_by_hand(seconds)
    assert seen - seconds <= min(seconds + task.FIRST_POLL, task.MAX_POLL) + 1e-9


@pytest.mark.parametrize("seconds", [0.05, 0.1, 0.11, 0.2])
def test_a_query_done_in_100_ms_or_so_is_seen_by_300_ms(seconds: float) -> None:
    assert _run_by_hand(seconds)[1] <= 0.3 + 1e-9


@pytest.mark.parametrize(
    "error",
    [
        RateLimited("Looker's rate limit or API quota is used up.", retry_after=30),
        LookerServerError("Looker answered 503."),
        LookerUnreachable("The connection to Looker failed."),
        UnexpectedResponse("Looker answered 418."),
        RuntimeError("anything else"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_an_error_while_polling_stops_the_task_within_the_stop_grace_then_goes_on(
    error: Exception,
) -> None:
    flow = _polls(ManualClock(start=0.0))
    next(flow)
    flow.send(_answer(202))  # the first pause
    flow.send(None)  # the second poll
    assert flow.throw(error) == Within(STOP_GRACE)  # no longer than a stop's DELETE
    assert flow.send(None) == KILL
    with pytest.raises(type(error)) as raised:
        flow.send(_answer(204))
    assert raised.value is error


@pytest.mark.parametrize("status", [500, 502, 503, 504, 403, 418])
def test_a_poll_answered_with_an_error_stops_the_task_then_raises(status: int) -> None:
    flow = _polls(ManualClock(start=0.0))
    next(flow)
    assert flow.send(_answer(status)) == Within(STOP_GRACE)
    assert flow.send(None) == KILL
    with pytest.raises(LookerAuthError):
        flow.send(_answer(204))


@pytest.mark.parametrize(
    ("status", "error"), [(400, QueryError), (422, QueryError), (404, QueryNotFound)]
)
def test_a_task_that_ended_at_looker_is_not_stopped_again(
    status: int, error: type[LookerAuthError]
) -> None:
    """400 and 422: the query failed; 404: the task is gone. Nothing runs there to stop."""
    flow = _polls(ManualClock(start=0.0))
    next(flow)
    with pytest.raises(error):
        flow.send(_answer(status))


# -- against the stand-in on real time: the polls it counts --------------------------------------


@pytest.fixture
def real_time() -> Iterator[tuple[LookerSession, FakeLooker]]:
    """A logged-in session on a stand-in whose query tasks run for real seconds."""
    with FakeLooker() as looker:
        looker.register_app(CLIENT_GUID, REDIRECT_URI)
        with make_session(looker, ManualClock()) as session:
            session._tokens.clock = time.time
            log_in(session)
            looker.reset_counters()
            yield session, looker


@pytest.mark.parametrize("seconds", [0.1, 2.0])
def test_a_short_query_costs_no_more_polls_than_promised(
    real_time: tuple[LookerSession, FakeLooker], seconds: float
) -> None:
    session, looker = real_time
    looker.config.query_task_seconds = seconds
    frame = session.run_look(1)
    assert len(frame) == 4
    seen = Requests(looker)
    assert 1 <= seen.polls() <= PROMISED[seconds]
    assert seen.killed() == []


# -- 429s, 5xx and lost connections while polling, against the stand-in --------------------------


def _status(session: LookerSession, seen: Requests) -> str:
    [kill] = seen.killed()
    status: str = session.client.get(f"query_tasks/{kill.rsplit('/', 1)[1]}").json()["status"]
    return status


def test_a_429_on_a_poll_is_waited_as_looker_asks_and_the_query_succeeds(
    logged_in: LookerSession, looker: FakeLooker, clock: ManualClock, seen: Requests, when: When
) -> None:
    looker.config.query_task_seconds = 30
    looker.config.retry_after = 1

    def refuse_the_next_poll_then_finish() -> None:
        looker.fail_next(1, 429, target="api")  # every request from here on is a poll
        clock.advance(31)

    when(lambda: seen.polls() >= 2, refuse_the_next_poll_then_finish)
    started = time.monotonic()
    frame = logged_in.run_look(1, timeout=30)
    assert time.monotonic() - started >= 1.0  # Looker's Retry-After, waited
    assert len(frame) == 4
    assert seen.polls() >= 4  # two 202s, the 429, its retry
    assert seen.killed() == []


def test_a_429_asking_to_wait_past_the_timeout_raises_at_once_and_stops_the_task(
    logged_in: LookerSession, looker: FakeLooker, seen: Requests, when: When
) -> None:
    looker.config.query_task_seconds = 600
    looker.config.retry_after = 8  # waited without a timeout (client/auth.py waits up to 10 s)
    when(lambda: seen.polls() >= 1, lambda: looker.fail_next(1, 429, target="api"))
    started = time.monotonic()
    with pytest.raises(RateLimited, match="wait 8 s"):
        logged_in.run_look(1, timeout=5)
    assert time.monotonic() - started < 5  # never past the timeout, nor waiting for it
    assert _status(logged_in, seen) == "killed"


def test_a_429_storm_while_polling_raises_rate_limited_and_stops_the_task(
    logged_in: LookerSession, looker: FakeLooker, seen: Requests, when: When
) -> None:
    looker.config.query_task_seconds = 600
    looker.config.retry_after = 0
    when(lambda: seen.polls() >= 1, lambda: looker.fail_next(3, 429, target="api"))
    with pytest.raises(RateLimited):
        logged_in.run_look(1)  # a poll and its two retries refused
    assert _status(logged_in, seen) == "killed"


@pytest.mark.parametrize("status", [500, 503])
def test_a_server_error_on_a_poll_raises_and_stops_the_task(
    logged_in: LookerSession, looker: FakeLooker, seen: Requests, when: When, status: int
) -> None:
    looker.config.query_task_seconds = 600
    when(lambda: seen.polls() >= 1, lambda: looker.fail_next(1, status, target="api"))
    with pytest.raises(LookerServerError, match=f"answered {status}"):
        logged_in.run_look(1)
    assert _status(logged_in, seen) == "killed"


def test_a_connection_lost_while_polling_raises_and_stops_the_task(
    logged_in: LookerSession, looker: FakeLooker, seen: Requests, when: When
) -> None:
    looker.config.query_task_seconds = 600
    when(lambda: seen.polls() >= 1, lambda: looker.drop_next(1, target="api"))
    with pytest.raises(LookerUnreachable):
        logged_in.run_look(1)
    assert _status(logged_in, seen) == "killed"


def test_the_async_twin_stops_the_task_on_an_error_while_polling_too(
    logged_in: LookerSession,
    looker: FakeLooker,
    seen: Requests,
    when: When,
    run_async: AsyncRun[None],
) -> None:
    looker.config.query_task_seconds = 600
    when(lambda: seen.polls() >= 1, lambda: looker.fail_next(1, 503, target="api"))

    async def run() -> None:
        with pytest.raises(LookerServerError):
            await logged_in.arun_look(1)

    run_async(run())
    assert _status(logged_in, seen) == "killed"
