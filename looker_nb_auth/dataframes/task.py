"""Steps 2 and 3, the query task: create it, poll its results until Looker has run it.

As Looker's UI runs a query: ``POST /query_tasks`` for the saved query, then
``GET /query_tasks/{id}/results`` until it answers 200 (202 or 204 while Looker runs it),
waiting 50 ms after the first poll, twice as long after each next one, at most a second.
``timeout`` (seconds, or the call's deadline thrown in by ``drive.py``), Ctrl-C, Kernel >
Interrupt or a cancelled task stops the task at Looker (``DELETE /running_queries/{id}``) and
raises `QueryTimeout` or `QueryCancelled`, saying whether Looker confirmed the stop.

Both are flows (``drive.py``): the same steps for ``run_query`` and ``arun_query``.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
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
from .drive import STOPS, Call, Flow, Pause

__all__ = ["FIRST_POLL", "MAX_POLL", "RUNNING", "create", "results"]

RUNNING = (202, 204)  # a query task's results while it runs
FIRST_POLL = 0.05
MAX_POLL = 1.0
_SOURCE = "looker-nb-auth"
_UNCONFIRMED = "; Looker did not confirm stopping it, so it may run there until it finishes"


def create(saved: Query, result_format: str, limit: int | None) -> Flow[str]:
    """Start a query task for ``saved``; its id. ``limit`` overrides the query's row limit."""
    body: dict[str, Any] = {"query_id": saved.id, "result_format": result_format, "source": _SOURCE}
    if saved.look_id is not None:
        body["look_id"] = saved.look_id
    params = {"limit": str(limit)} if limit is not None else None
    response = yield Call("POST", "query_tasks", params=params, json=body)
    check(response, "the query task", missing=f"query {saved.id}")
    task_id = response.json().get("id")
    if not isinstance(task_id, str) or not task_id:
        raise UnexpectedResponse("Looker's query task has no id; run the query again.")
    return task_id


def results(
    task_id: str,
    timeout: float | None,
    progress: Progress,
    clock: Callable[[], float] = time.monotonic,
) -> Flow[httpx.Response]:
    """The task's results once Looker has run it: the 200, its body not read yet."""
    wait = FIRST_POLL
    deadline = None if timeout is None else clock() + timeout
    try:
        while True:
            response = yield Call("GET", f"query_tasks/{task_id}/results", stream=True)
            if response.status_code not in RUNNING:
                return _finished(response, task_id, progress)
            progress.running()
            pause = wait
            if deadline is not None:
                left = deadline - clock()
                if left <= 0:
                    break
                pause = min(wait, left)
            yield Pause(pause)
            wait = min(wait * 2, MAX_POLL)
    except STOPS:
        if (yield from _stop(task_id)):
            sentence = (
                f"The query was cancelled after {progress.elapsed:.1f} s and stopped at Looker"
            )
        else:
            sentence = f"The query was cancelled after {progress.elapsed:.1f} s{_UNCONFIRMED}"
        raise QueryCancelled(f"{sentence}; nothing of its result was kept.") from None
    except QueryTimeout:  # the call's deadline (``drive.py``)
        pass
    if (yield from _stop(task_id)):
        said = (
            f"The query ran longer than its timeout of {timeout:g} s, so it was stopped at Looker"
        )
    else:
        said = f"The query ran longer than its timeout of {timeout:g} s{_UNCONFIRMED}"
    raise QueryTimeout(f"{said}; run it again with a longer timeout (or timeout=None).") from None


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
    # best effort: the user asked to stop, and nothing of the result is kept
    with contextlib.suppress(httpx.HTTPError, LookerAuthError):
        response: httpx.Response = yield Call("DELETE", f"running_queries/{task_id}")
        return response.status_code < 400 or response.status_code == 404
    return False
