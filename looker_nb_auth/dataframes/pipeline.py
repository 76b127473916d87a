"""One query, top to bottom: the flow that ``run_query`` and ``arun_query`` both run.

Each step is a module, visited once, in this order:

1. ``describe.py``: the saved query to run, and what the explore says its fields hold;
2. ``task.py``: create the query task, then 3. poll its results until Looker has run it;
4. ``stream.py``: the results body, as it arrives, into the parser (or ``to=``'s file);
5. ``parse.py``: the CSV into columns named by field (a pivoted query: ``pivots.py``, or
   ``tidy.py`` for ``pivot_shape="long"``), no
   further than the row limit asked for and ``max_bytes``; a body that does not parse is
   `UnexpectedResponse` (``parse.guarded``, the one rule for every results body);
6. ``dtypes.py``: the columns into the dtypes their LookML types call for (numbers and
   timestamps already as pyarrow's blocks came, ``blockwise.py``, so a big result's typing
   runs while the rest of it arrives);
7. ``annotate.py``: ``df.attrs``, ``labels=True`` and the truncation warning.

The flow does no I/O: it yields its steps, and ``drive.py`` does them on ``session.client`` or
on ``session.async_client``. `sql_runner` and `generated_sql` are the flows of ``run_sql`` and
``query_sql`` (``sql.py``).
"""

from __future__ import annotations

import functools
import io
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

from .._errors import LookerAuthError, QueryCancelled, QueryNotFound
from ..notebook.progress import Progress
from . import describe, dtypes, parse, stream, task
from .annotate import annotate, say, warn_if_calculations_empty, warn_if_truncated
from .backends import Backend, require_backend
from .describe import Column, Explores, Query, SavedQueries
from .drive import STOPS, Flow, Receive
from .pivots import Said, read_pivots
from .sql import generated_sql, run_sql
from .tidy import PIVOT_SHAPES, PivotShape

__all__ = ["Run", "query", "query_sql", "sql_runner"]

T = TypeVar("T")


@dataclass
class Run:
    """How the caller asked to run one query (the keywords of ``run_query``)."""

    limit: int | None = None
    labels: bool = False
    backend: Backend = "pandas"
    to: Path | None = None
    timeout: float | None = None
    progress: bool = True
    max_bytes: int | None = None
    pivot_shape: PivotShape = "wide"
    started: float = field(default_factory=time.monotonic)  # when the call began

    def __post_init__(self) -> None:
        """Refuse a ``max_bytes`` that is not a positive whole number, or a ``pivot_shape``
        that is neither shape, before Looker is asked."""
        if self.pivot_shape not in PIVOT_SHAPES:
            raise ValueError(
                f"pivot_shape must be 'wide' (a column per pivot value) or 'long' (a row per "
                f"pivot value), not {self.pivot_shape!r}"
            )
        given = self.max_bytes
        if given is None:
            return
        if isinstance(given, bool) or not isinstance(given, int):
            raise TypeError(f"max_bytes must be a whole number of bytes, not {given!r}")
        if given <= 0:
            raise ValueError(f"max_bytes must be a positive number of bytes, not {given}")


def query(
    describing: Flow[Query],
    run: Run,
    explores: Explores,
    saved_before: SavedQueries | None = None,
) -> Flow[Any]:
    """Run the query ``describing`` ends with into a DataFrame (or ``run.to``'s file);
    ``saved_before``: the queries the session remembers saving (`_again_if_gone`)."""
    if run.to is None:
        require_backend(run.backend)  # before asking Looker for anything
    saved = yield from describing
    columns = yield from describe.columns(saved, explores)
    progress = Progress(saved.name, enabled=run.progress, started=run.started)
    result_format = "json_detail" if saved.pivots and run.to is None else "csv"
    limit = run.limit if run.limit is not None else saved.limit
    most = limit if limit is not None and limit >= 0 else None  # rows past it are not read
    cut = False
    said: Said = []  # what the json_detail parser found to warn of
    try:
        start = functools.partial(task.create, result_format=result_format, limit=run.limit)
        task_id, saved = yield from _again_if_gone(start, saved, saved_before)
        results = yield from task.results(task_id, run.timeout, progress)
        receiving = functools.partial(_receive, results, progress, run.max_bytes)
        try:
            if run.to is not None:
                rows = yield receiving(stream.to_file(run.to), "Looker's CSV result")
                result: Any = run.to
            elif result_format == "json_detail":
                pivoted = functools.partial(
                    read_pivots,
                    columns=columns,
                    backend=run.backend,
                    max_rows=most,
                    shape=run.pivot_shape,
                )
                what = "Looker's json_detail result"
                result, rows, cut, said = yield receiving(pivoted, what)
            else:
                read = functools.partial(_read_csv, saved, columns, run.backend, progress, most)
                result, rows, cut = yield receiving(read, "Looker's CSV result")
        except STOPS:
            raise QueryCancelled(
                "The query was cancelled while its result arrived; nothing of it was kept."
            ) from None
    except LookerAuthError as error:  # the line ends; the error says what went wrong
        progress.failed(stopped=isinstance(error, QueryCancelled))
        raise
    progress.finished(rows)
    if run.to is None:
        warn_if_calculations_empty(result, columns, saved, rows)
        annotate(result, columns, saved, run.backend, run.labels)
    warn_if_truncated(rows, limit, asked=run.limit is not None or saved.limit_asked, cut=cut)
    say(said)
    return result


def _again_if_gone(
    step: Callable[[Query], Flow[T]], saved: Query, saved_before: SavedQueries | None
) -> Flow[tuple[T, Query]]:
    """``step(saved)``, and the query it ran. Where Looker says it has no such query (404)
    and it is one the session remembers saving (``describe.SavedQueries``), Looker no longer
    has it: the WriteQuery is saved again and ``step`` runs once more on that query."""
    try:
        return (yield from step(saved)), saved
    except QueryNotFound:
        body = None if saved_before is None else saved_before.forget(saved)
        if body is None:
            raise
    saved = yield from describe.save(body, saved_before)
    return (yield from step(saved)), saved


def _receive(
    results: httpx.Response,
    progress: Progress,
    max_bytes: int | None,
    consume: Callable[[io.BufferedReader], T],
    what: str,
) -> Receive[T]:
    """Step 4 into step 5: ``consume`` the results as they arrive, under ``parse.guarded``."""
    read = functools.partial(parse.guarded, consume, what=what, max_bytes=max_bytes)
    return Receive(results, read, progress.receiving)


def _read_csv(
    saved: Query,
    columns: Mapping[str, Column],
    backend: Backend,
    progress: Progress,
    max_rows: int | None,
    body: io.BufferedReader,
) -> tuple[Any, int, bool]:
    """Steps 5 and 6, where the loop runs parsers (``stream.py``): parse (no further than
    ``max_rows``), then type; the frame, its rows and whether rows past ``max_rows`` came."""
    parsed = parse.csv(
        body, columns=columns, fields=saved.fields, on_rows=progress.counted, max_rows=max_rows
    )
    frame = dtypes.frame(parsed, columns, backend)
    return frame, len(frame), parsed.cut


def sql_runner(sql: str, connection: str | None, model: str | None, run: Run) -> Flow[Any]:
    """``run_sql``: SQL Runner's rows as a DataFrame."""
    progress = Progress("SQL Runner", enabled=run.progress, started=run.started)
    return (yield from run_sql(sql, connection, model, run.backend, progress, run.max_bytes))


def query_sql(describing: Flow[Query], saved_before: SavedQueries | None = None) -> Flow[str]:
    """``query_sql``: the SQL Looker writes for a query, without running it."""
    saved = yield from describing
    sql, _saved = yield from _again_if_gone(generated_sql, saved, saved_before)
    return sql
