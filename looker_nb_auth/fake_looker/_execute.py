"""Running a WriteQuery for an answer, on ``demo::orders`` or ``demo::events``: `execute`
applies the knobs that shape a run (``ignore_limit``, the silent row caps, ``bad_filter``,
``fail_queries_with``, what table calculations become), `run_meta` says what the result says of
its run, and `query_error_body` is Looker's ``ValidationError`` for a query it cannot build."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import Any

from ._data import MAX_LIMIT, MODEL, QueryError
from ._dynamic import parse_dynamic_fields
from ._events import run_events
from ._filter_values import unparseable
from ._formats import ResultMeta
from ._pivots import PivotColumns, run_orders
from ._shapes import DOCS_URL, error_json
from ._sql import query_sql
from ._web import Context

__all__ = ["execute", "is_pivoted", "query_error_body", "run_meta"]


def execute(
    ctx: Context,
    body: object,
    limit: str | None,
    *,
    fail: bool = True,
    table_calcs: bool | None = None,
) -> tuple[list[str], Iterator[dict[str, object]], PivotColumns | None]:
    """Check and run a WriteQuery body on ``demo::orders`` or ``demo::events``, lazily: its
    fields, its rows and, for a pivoted query, its pivot columns. With ``ignore_limit`` every
    row, whatever the limit (``_malformed.py``). ``table_calcs`` is the run's
    ``server_table_calcs``; unset, ``table_calcs_unasked`` says what its table calculations
    become."""
    if ctx.config.server_table_calcs_ignored:
        table_calcs = None
    mode = "computed" if table_calcs else ctx.config.table_calcs_unasked
    if table_calcs is False:
        mode = "absent"
    fail_with = ctx.config.fail_queries_with if fail else None
    if ctx.config.ignore_limit:
        limit = "-1"
    limit, most = _row_cap(ctx, body, limit)
    if ctx.config.bad_filter == "error":
        _check_filter_values(body)
    if isinstance(body, dict) and body.get("model") == MODEL and body.get("view") == "events":
        fields, events = run_events(
            body,
            big_rows=ctx.config.big_rows,
            fail_with=fail_with,
            limit=limit,
            null_prefix=ctx.config.null_prefix_rows,
            multiline=ctx.config.multiline_text,
        )
        return fields, islice(events, most), None
    fields, rows, pivot = run_orders(body, fail_with=fail_with, limit=limit, table_calcs=mode)
    return fields, islice(rows, most), pivot


def _check_filter_values(body: object) -> None:
    """``bad_filter="error"``: a filter value that is no expression for its field's type is a
    query Looker cannot build (`QueryError` on ``filters``)."""
    if not isinstance(body, dict) or body.get("view") not in ("orders", "events"):
        return
    found = unparseable(body.get("filters")) if body.get("model") == MODEL else None
    if found is not None:
        field, value = found
        sentence = f"Cannot read the filter {value[:100]!r} for the field {field}."
        raise QueryError("filters", sentence)


def _row_cap(ctx: Context, body: object, limit: str | None) -> tuple[str | None, int | None]:
    """The limit to run with and the most rows to send: a limit above `MAX_LIMIT` runs as
    ``-1`` and is cut at its own value, as Looker accepts it; ``-1`` is cut at
    ``unlimited_row_cap`` (a user without ``download_without_limit``, a query that does not
    stream), whatever ``ignore_limit`` says."""
    given = limit if limit is not None or not isinstance(body, dict) else body.get("limit")
    try:
        asked = int(str(given))
    except ValueError:
        return limit, None
    if asked > MAX_LIMIT:
        return "-1", asked
    if asked == -1:
        return limit, ctx.config.unlimited_row_cap
    return limit, None


def is_pivoted(body: dict[str, Any]) -> bool:
    return body.get("pivots") not in (None, [])


def run_meta(body: dict[str, Any], limit: str | None, ran_at: float, **extra: Any) -> ResultMeta:
    """What a result says about its run besides its rows: its SQL, filters, sorts, when."""
    return ResultMeta(
        sql=query_sql(body, limit),
        dynamic=parse_dynamic_fields(body.get("dynamic_fields")),
        filters=dict(body.get("filters") or {}),
        sorts=[str(s) for s in body.get("sorts") or []],
        ran_at=ran_at,
        **extra,
    )


def query_error_body(error: QueryError) -> dict[str, object]:
    """Looker's ``ValidationError``: ``Validation Failed``, and the part at fault in
    ``errors[].field`` with what is wrong with it."""
    detail = {
        "field": error.field,
        "code": "invalid",
        "message": error.message,
        "documentation_url": DOCS_URL,
    }
    return error_json("Validation Failed", errors=[detail])
