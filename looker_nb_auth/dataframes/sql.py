"""SQL: run it through Looker's SQL Runner, or see the SQL Looker writes for a query.

SQL Runner: ``POST /sql_queries`` on a connection (or a model's), then
``POST /sql_queries/{slug}/run/json``, whose body is read as a query's results are
(``parse.guarded``: ``max_bytes``, and a body that does not parse is `UnexpectedResponse`); a
failure in the database comes in-band, as ``[{"looker_error": ...}]``. The rows keep the types
JSON gives them (whole numbers ``Int64``). SQL Runner cuts results at 5,000 rows without
saying so: a result that long warns `ResultTruncated`. A query's SQL: ``GET /queries/{id}/run/sql``,
without running it.
"""

from __future__ import annotations

import functools
import io
import json
from collections.abc import Mapping
from typing import Any

from .._errors import LookerAuthError, QueryCancelled, UnexpectedResponse
from ..notebook.progress import Progress
from . import parse
from .annotate import warn_if_sql_runner_cut
from .answers import check, failed
from .backends import Backend, require_backend
from .describe import Query
from .drive import STOPS, Call, Flow, Receive
from .dtypes import pandas_types

__all__ = ["generated_sql", "run_sql"]


def run_sql(
    sql: str,
    connection: str | None,
    model: str | None,
    backend: Backend,
    progress: Progress,
    max_bytes: int | None = None,
) -> Flow[Any]:
    """SQL Runner's rows for ``sql`` on ``connection`` (or ``model``'s) as a DataFrame."""
    require_backend(backend)
    body: dict[str, Any] = {"sql": sql}
    if connection is not None:
        body["connection_name"] = connection
    if model is not None:
        body["model_name"] = model
    where = f"connection {connection!r}" if connection is not None else f"model {model!r}"
    response = yield Call("POST", "sql_queries", json=body)
    check(response, "the SQL query", missing=where)
    slug = response.json().get("slug")
    if not isinstance(slug, str) or not slug:
        raise UnexpectedResponse("Looker's SQL Runner query has no slug; run it again.")
    try:
        response = yield Call("POST", f"sql_queries/{slug}/run/json", stream=True)
        check(response, "the SQL query")
        read = functools.partial(
            parse.guarded,
            functools.partial(_read_rows, backend=backend),
            what="Looker's SQL Runner result",
            max_bytes=max_bytes,
        )
        frame, rows = yield Receive(response, read, progress.receiving)
    except STOPS:
        raise QueryCancelled("The SQL query was cancelled; nothing of it was kept.") from None
    except LookerAuthError as error:  # the line ends; the error says what went wrong
        progress.failed(stopped=isinstance(error, QueryCancelled))
        raise
    progress.finished(rows)
    warn_if_sql_runner_cut(rows)
    return frame


def _read_rows(body: io.BufferedReader, backend: Backend) -> tuple[Any, int]:
    """SQL Runner's json: its rows as a DataFrame and their count (or the database's failure)."""
    rows = json.loads(body.read())
    message = _in_band_error(rows)
    if message is not None:
        raise failed(message)
    if not isinstance(rows, list) or not all(isinstance(row, Mapping) for row in rows):
        raise parse.Malformed("its rows are not JSON objects")
    return _records_frame(rows, backend), len(rows)


def _in_band_error(rows: object) -> str | None:
    """Looker's in-band failure: ``[{"looker_error": ...}]`` (json) instead of rows."""
    if isinstance(rows, list) and rows and isinstance(rows[0], Mapping):
        message = rows[0].get("looker_error")
        if isinstance(message, str):
            return message
    return None


def _records_frame(rows: list[dict[str, Any]], backend: Backend) -> Any:
    """Rows as JSON objects: the values keep the types JSON gave them."""
    if backend == "polars":
        import polars as pl

        return pl.DataFrame(rows, infer_schema_length=None)
    import pandas as pd

    return pandas_types(pd.DataFrame.from_records(rows), {})


def generated_sql(saved: Query) -> Flow[str]:
    """The SQL Looker generates for ``saved``, without running it."""
    response = yield Call("GET", f"queries/{saved.id}/run/sql")
    return check(response, "the query's SQL").text
