"""SQL: run it through Looker's SQL Runner, or see the SQL Looker writes for a query.

SQL Runner: ``POST /sql_queries`` on a connection (or a model's), then
``POST /sql_queries/{slug}/run/json``; a failure in the database comes in-band, as
``[{"looker_error": ...}]``. The rows keep the types JSON gives them (whole numbers ``Int64``).
A query's SQL: ``GET /queries/{id}/run/sql``, without running it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._errors import QueryCancelled, UnexpectedResponse
from ..notebook.progress import Progress
from .answers import check, failed, looker_json
from .backends import Backend, require_backend
from .describe import Query
from .drive import STOPS, Call, Flow
from .dtypes import pandas_types

__all__ = ["generated_sql", "run_sql"]


def run_sql(
    sql: str, connection: str | None, model: str | None, backend: Backend, progress: Progress
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
        response = yield Call("POST", f"sql_queries/{slug}/run/json")
    except STOPS:
        raise QueryCancelled("The SQL query was cancelled; nothing of it was kept.") from None
    check(response, "the SQL query")
    rows = looker_json(response.content)
    message = _in_band_error(rows)
    if message is not None:
        progress.failed(message.splitlines()[0])
        raise failed(message)
    if not isinstance(rows, list):
        raise UnexpectedResponse("Looker's SQL Runner result is not a list of rows.")
    frame = _records_frame(rows, backend)
    progress.finished(len(rows))
    return frame


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
