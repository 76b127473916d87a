"""One query, top to bottom: the flow that ``run_query`` and ``arun_query`` both run.

Each step is a module, visited once, in this order:

1. ``describe.py``: the saved query to run, and what the explore says its fields hold;
2. ``task.py``: create the query task, then 3. poll its results until Looker has run it;
4. ``stream.py``: the results body, as it arrives, into the parser (or ``to=``'s file);
5. ``parse.py``: the CSV into columns named by field (a pivoted query: ``pivots.py``);
6. ``dtypes.py``: the columns into the dtypes their LookML types call for;
7. ``annotate.py``: ``df.attrs``, ``labels=True`` and the truncation warning.

The flow does no I/O: it yields its steps, and ``drive.py`` does them on ``session.client`` or
on ``session.async_client``. `sql_runner` and `generated_sql` are the flows of ``run_sql`` and
``query_sql`` (``sql.py``).
"""

from __future__ import annotations

import functools
import io
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._errors import LookerAuthError, QueryCancelled
from ..notebook.progress import Progress
from . import describe, dtypes, parse, stream, task
from .annotate import annotate, warn_if_truncated
from .backends import Backend, require_backend
from .describe import Column, Explores, Query
from .drive import STOPS, Flow, Receive
from .pivots import read_pivots
from .sql import generated_sql, run_sql

__all__ = ["Run", "query", "query_sql", "sql_runner"]


@dataclass
class Run:
    """How the caller asked to run one query (the keywords of ``run_query``)."""

    limit: int | None = None
    labels: bool = False
    backend: Backend = "pandas"
    to: Path | None = None
    timeout: float | None = None
    progress: bool = True
    started: float = field(default_factory=time.monotonic)  # when the call began


def query(describing: Flow[Query], run: Run, explores: Explores) -> Flow[Any]:
    """Run the query ``describing`` ends with into a DataFrame (or ``run.to``'s file)."""
    if run.to is None:
        require_backend(run.backend)  # before asking Looker for anything
    saved = yield from describing
    columns = yield from describe.columns(saved, explores)
    progress = Progress(saved.name, enabled=run.progress, started=run.started)
    result_format = "json_detail" if saved.pivots and run.to is None else "csv"
    try:
        task_id = yield from task.create(saved, result_format, run.limit)
        results = yield from task.results(task_id, run.timeout, progress)
        try:
            if run.to is not None:
                rows = yield Receive(results, stream.to_file(run.to), progress.receiving)
                result: Any = run.to
            elif result_format == "json_detail":
                read = functools.partial(read_pivots, columns=columns, backend=run.backend)
                result, rows = yield Receive(results, read, progress.receiving)
            else:
                read = functools.partial(_read_csv, saved, columns, run.backend, progress)
                result, rows = yield Receive(results, read, progress.receiving)
        except STOPS:
            raise QueryCancelled(
                "The query was cancelled while its result arrived; nothing of it was kept."
            ) from None
    except LookerAuthError as error:  # the line ends with what went wrong
        progress.failed(str(error))
        raise
    progress.finished(rows)
    if run.to is None:
        annotate(result, columns, saved, run.backend, run.labels)
    warn_if_truncated(rows, run.limit if run.limit is not None else saved.limit)
    return result


def _read_csv(
    saved: Query,
    columns: Mapping[str, Column],
    backend: Backend,
    progress: Progress,
    body: io.BufferedReader,
) -> tuple[Any, int]:
    """Steps 5 and 6, where the loop runs parsers (``stream.py``): parse, then type."""
    parsed = parse.csv(body, columns=columns, fields=saved.fields, on_rows=progress.counted)
    frame = dtypes.frame(parsed, columns, backend)
    return frame, len(frame)


def sql_runner(sql: str, connection: str | None, model: str | None, run: Run) -> Flow[Any]:
    """``run_sql``: SQL Runner's rows as a DataFrame."""
    progress = Progress("SQL Runner", enabled=run.progress, started=run.started)
    return (yield from run_sql(sql, connection, model, run.backend, progress))


def query_sql(describing: Flow[Query]) -> Flow[str]:
    """``query_sql``: the SQL Looker writes for a query, without running it."""
    saved = yield from describing
    return (yield from generated_sql(saved))
