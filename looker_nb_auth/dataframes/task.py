"""Steps 2 and 3, the query task: create it, poll its results until Looker has run it.

As Looker's UI runs a query: ``POST /query_tasks`` for the saved query, then
``GET /query_tasks/{id}/results`` until it answers 200 (202 or 204 while Looker runs it).

Polls cost API calls, which Looker's quota counts (its Standard edition includes 1,000
query-based API calls a month), so their number per query is bounded: the first poll comes at
once (a cached result is there), the next `FIRST_POLL` (0.1 s) later, each wait after that twice
the last, at most `MAX_POLL` (10 s) (`waits`). A query that Looker runs in T seconds costs at
most ``8 + T/10`` polls (`polls_for`: 2 at 0.1 s, 6 at 2 s, 8 at 10 s, 13 at 60 s, 67 at
10 minutes), and its result is seen at most as long again as it ran, plus 0.1 s, and never more
than 10 s late. Doubling is the trade: waits growing 4.6-fold would bring 10 s down to 5 polls,
but a query done in 1.1 s would then be seen at 4 s. A 429 on a poll is waited out as
``Retry-After`` asks (``client/auth.py``: twice at most, never past the call's ``timeout``);
those retries are requests too, on top of the bound.

Whenever the product stops waiting for a task that Looker may still run, it stops the task there
(``DELETE /running_queries/{id}``): ``timeout`` (seconds, or the call's deadline thrown in by
``drive.py``), Ctrl-C, Kernel > Interrupt or a cancelled task raise `QueryTimeout` or
`QueryCancelled`, saying whether Looker confirmed the stop; any other error while polling (a
429 Looker would not let us wait out, a 5xx, a lost connection, an answer no Looker sends) is
raised as it is, once the task was stopped. The ``DELETE`` has `STOP_GRACE` seconds in every
case. A poll answered 400, 422 or 404 needs no stop: the query failed, or the task is gone.

Both are flows (``drive.py``): the same steps for ``run_query`` and ``arun_query``.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from .._errors import (
    LookerAuthError,
    QueryCancelled,
    QueryNotFound,
    QueryTimeout,
    UnexpectedResponse,
)
from ..notebook.progress import Progress
from .answers import check, failed, said
from .describe import Query
from .drive import STOP_GRACE, STOPS, Call, Flow, Pause, Within

__all__ = ["FIRST_POLL", "MAX_POLL", "RUNNING", "create", "polls_for", "results", "waits"]

RUNNING = (202, 204)  # a query task's results while it runs
#: A poll's answer once nothing runs at Looker to stop: done, failed (400, 422), gone (404).
ENDED = (200, 400, 404, 422)
#: Seconds between the first poll and the second; each next wait is twice the last ...
FIRST_POLL = 0.1
#: ... up to this many seconds (one poll per 10 s of a long query).
MAX_POLL = 10.0
_SOURCE = "looker-nb-auth"
_UNCONFIRMED = "; Looker did not confirm stopping it, so it may run there until it finishes"


def create(saved: Query, result_format: str, limit: int | None) -> Flow[str]:
    """Start a query task for ``saved``; its id. ``limit`` overrides the query's row limit.
    ``server_table_calcs`` asks Looker to compute the query's table calculations: what Looker
    sends without it is not documented (the spec says only "Perform table calculations on query
    results"), and a column left out or empty would be a wrong DataFrame."""
    body: dict[str, Any] = {"query_id": saved.id, "result_format": result_format, "source": _SOURCE}
    if saved.look_id is not None:
        body["look_id"] = saved.look_id
    params = {"server_table_calcs": "true"}
    if limit is not None:
        params["limit"] = str(limit)
    response = yield Call("POST", "query_tasks", params=params, json=body)
    check(response, "the query task", missing=f"query {saved.id}")
    task_id = response.json().get("id")
    if not isinstance(task_id, str) or not task_id:
        raise UnexpectedResponse("Looker's query task has no id; run the query again.")
    return task_id


def waits() -> Iterator[float]:
    """The seconds between one poll and the next: `FIRST_POLL`, then twice the last wait, at
    most `MAX_POLL`."""
    wait = FIRST_POLL
    while True:
        yield wait
        wait = min(wait * 2, MAX_POLL)


def polls_for(seconds: float) -> int:
    """The polls of a query that Looker runs in ``seconds`` (counted from the first poll) on a
    network that takes no time; a real one's polls come later, so never more. At most
    ``8 + seconds / 10``."""
    polls, at = 1, 0.0
    pauses = waits()
    while at < seconds:
        at += next(pauses)
        polls += 1
    return polls


def results(
    task_id: str,
    timeout: float | None,
    progress: Progress,
    clock: Callable[[], float] = time.monotonic,
) -> Flow[httpx.Response]:
    """The task's results once Looker has run it: the 200, its body not read yet."""
    deadline = None if timeout is None else clock() + timeout
    try:
        response = yield from _poll(task_id, progress, deadline, clock)
    except STOPS:
        if (yield from _stop(task_id)):
            sentence = (
                f"The query was cancelled after {progress.elapsed:.1f} s and stopped at Looker"
            )
        else:
            sentence = f"The query was cancelled after {progress.elapsed:.1f} s{_UNCONFIRMED}"
        raise QueryCancelled(f"{sentence}; nothing of its result was kept.") from None
    except QueryTimeout:  # the call's deadline (``drive.py``)
        response = None
    except Exception:  # a 429, a 5xx, a lost connection...: raised once the task is stopped
        yield Within(STOP_GRACE)  # as after a stop: the DELETE keeps nobody waiting
        yield from _stop(task_id)
        raise
    if response is not None:
        return _finished(response, task_id, progress)
    if (yield from _stop(task_id)):
        said = (
            f"The query ran longer than its timeout of {timeout:g} s, so it was stopped at Looker"
        )
    else:
        said = f"The query ran longer than its timeout of {timeout:g} s{_UNCONFIRMED}"
    raise QueryTimeout(f"{said}; run it again with a longer timeout (or timeout=None).") from None


def _poll(
    task_id: str, progress: Progress, deadline: float | None, clock: Callable[[], float]
) -> Flow[httpx.Response | None]:
    """Poll on the schedule of `waits` until Looker has run the task: the answer that says so,
    or None at ``deadline``. An answer that leaves the task running at Looker (a 5xx, a 403, an
    answer no Looker sends) is raised."""
    pauses = waits()
    while True:
        response: httpx.Response = yield Call("GET", f"query_tasks/{task_id}/results", stream=True)
        if response.status_code in ENDED:
            return response
        if response.status_code not in RUNNING:
            check(response, "the query's results", missing=f"query task {task_id}")
            return response  # another 2xx: as a 200
        progress.running()
        pause = next(pauses)
        if deadline is not None:
            left = deadline - clock()
            if left <= 0:
                return None
            pause = min(pause, left)
        yield Pause(pause)


def _finished(response: httpx.Response, task_id: str, progress: Progress) -> httpx.Response:
    if response.status_code in (400, 422):
        raise failed(said(response) or "the query failed")
    if response.status_code == 404:
        raise QueryNotFound(
            f"Looker no longer has the results of query task {task_id} (they expired, or the "
            "task was stopped at Looker); run the query again.",
            status_code=404,
        )
    check(response, "the query's results", missing=f"query task {task_id}")
    progress.receiving(0)
    return response


def _stop(task_id: str) -> Flow[bool]:
    """Stop the task at Looker; whether Looker confirmed it (or had nothing left to stop)."""
    # best effort: nothing of the result is kept, and an error may already be on its way
    with contextlib.suppress(httpx.HTTPError, LookerAuthError):
        response: httpx.Response = yield Call("DELETE", f"running_queries/{task_id}")
        return response.status_code < 400 or response.status_code == 404
    return False
