"""Pivots on ``demo::orders``: the values of a query's ``pivots`` dimensions become columns.

Looker groups by every dimension, pivot ones included, then turns each distinct combination of
the pivot dimensions' values into a pivot column (its ``key``: the values joined by ``|FIELD|``).
The other dimensions make the rows; each measure holds one value per pivot column, null where
the combination has no rows. The row limit counts pivoted rows; ``column_limit`` (at most 200)
counts columns, and the columns past it are cut, as Looker cuts them (json_detail then says
``columns_truncated``). A sort on a measure orders the rows by its value in the first pivot
column. ``row_total`` adds Looker's row-total column (``ROW_TOTAL_KEY``) to every measure.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ._data import QueryError, SqlError, _limit, _sort, _sort_key, _sort_keys, run_query
from ._fields import FIELDS

__all__ = [
    "MAX_COLUMNS",
    "PIVOT_SEPARATOR",
    "ROW_TOTAL_KEY",
    "PivotColumns",
    "PivotPlan",
    "pivot_key",
    "pivot_plan",
    "pivot_table",
    "run_orders",
]

MAX_COLUMNS = 200  # Looker's largest column limit
PIVOT_SEPARATOR = "|FIELD|"  # joins the values of several pivot dimensions into one key
ROW_TOTAL_KEY = "$$$_row_total_$$$"  # the pivot key of Looker's row-total column


@dataclass(frozen=True)
class PivotPlan:
    """How a checked pivoted query is laid out.

    ``rows`` and ``columns`` are (dimension, descending) orders, each a total order of its
    rows or columns: the query's sorts first, then the remaining dimensions ascending.
    """

    pivots: tuple[str, ...]
    rows: tuple[tuple[str, bool], ...]
    columns: tuple[tuple[str, bool], ...]
    row_limit: int | None
    column_limit: int
    measure_sorts: tuple[tuple[str, bool], ...] = ()
    row_total: bool = False


@dataclass(frozen=True)
class PivotColumns:
    """The pivot columns of a run, in order: each one's values of the pivot dimensions."""

    fields: tuple[str, ...]
    values: tuple[tuple[object, ...], ...]
    truncated: bool = False  # columns past the column limit were cut
    row_total: bool = False  # each measure also has a ROW_TOTAL_KEY cell

    @property
    def keys(self) -> list[str]:
        return [pivot_key(values) for values in self.values]


def pivot_key(values: Sequence[object]) -> str:
    """A pivot column's key: ``"Books"``, or ``"Books|FIELD|North"`` for two pivot fields."""
    return PIVOT_SEPARATOR.join("" if value is None else str(value) for value in values)


def _pivot_fields(value: object, fields: list[str]) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise QueryError("pivots", "pivots must be a list of dimension names.")
    for name in value:
        if name not in fields:
            raise QueryError("pivots", f"Pivot field {name[:100]!r} must also be in fields.")
        if FIELDS[name].measure:
            raise QueryError("pivots", f"Cannot pivot on the measure {name!r}; pivot a dimension.")
    if len(set(value)) != len(value):
        raise QueryError("pivots", "A pivot field is listed twice.")
    if not any(FIELDS[name].measure for name in fields):
        raise QueryError("pivots", "A pivoted query needs a measure to fill its pivot columns.")
    return list(value)


def _column_limit(value: object) -> int:
    """``column_limit``: `MAX_COLUMNS` when none is given."""
    if value is None or value == "":
        return MAX_COLUMNS
    try:
        limit = int(str(value))
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_COLUMNS:
        sentence = f"column_limit must be a whole number from 1 to {MAX_COLUMNS}."
        raise QueryError("column_limit", sentence)
    return limit


def _order(sorts: list[tuple[str, bool]], dimensions: list[str]) -> tuple[tuple[str, bool], ...]:
    """The sorts on ``dimensions``, then the other ``dimensions`` ascending: a total order."""
    order: dict[str, bool] = {}
    for name, descending in sorts:
        if name in dimensions:
            order.setdefault(name, descending)
    for name in dimensions:
        order.setdefault(name, False)
    return tuple(order.items())


def _plan(body: dict[str, Any], fields: list[str], limit: str | None) -> PivotPlan:
    pivots = _pivot_fields(body.get("pivots"), fields)
    explicit = body.get("sorts") not in (None, [])
    sorts = _sort_keys(fields, body.get("sorts")) if explicit else []
    measure_sorts = tuple((name, desc) for name, desc in sorts if FIELDS[name].measure)
    row_dimensions = [f for f in fields if not FIELDS[f].measure and f not in pivots]
    if not explicit:  # Looker's default: the first time dimension, newest first
        times = [f for f in row_dimensions if FIELDS[f].is_timeframe]
        sorts = [(times[0], True)] if times else []
    return PivotPlan(
        pivots=tuple(pivots),
        rows=_order(sorts, row_dimensions),
        columns=_order(sorts, pivots),
        row_limit=_limit(body.get("limit") if limit is None else limit),
        column_limit=_column_limit(body.get("column_limit")),
        measure_sorts=measure_sorts,
        row_total=body.get("row_total") not in (None, "", False),
    )


def pivot_plan(
    body: dict[str, Any], fields: list[str], limit: str | None = None
) -> PivotPlan | None:
    """Check a query's ``pivots`` and what they constrain (sorts, ``column_limit``); None for
    a query without pivots. ``fields`` are the query's checked fields; ``limit`` as for
    `run_query`."""
    if body.get("pivots") in (None, []):
        return None
    return _plan(body, fields, limit)


def _columns(rows: list[dict[str, object]], plan: PivotPlan) -> PivotColumns:
    found: dict[tuple[object, ...], dict[str, object]] = {}
    for row in rows:
        found.setdefault(tuple(row[p] for p in plan.pivots), {p: row[p] for p in plan.pivots})
    ordered = list(found.values())
    _sort(ordered, list(plan.columns))
    truncated = len(ordered) > plan.column_limit
    values = tuple(tuple(column[p] for p in plan.pivots) for column in ordered)
    return PivotColumns(plan.pivots, values[: plan.column_limit], truncated, plan.row_total)


def pivot_table(
    fields: list[str], rows: list[dict[str, object]], plan: PivotPlan
) -> tuple[list[dict[str, object]], PivotColumns]:
    """Flat rows (grouped by every dimension) as pivoted rows: the non-pivot dimensions' values
    and, for each measure, ``{pivot key: value}`` with every key (None: no rows there)."""
    columns = _columns(rows, plan)
    keyed = list(zip(columns.keys, columns.values, strict=True))
    row_dimensions = [name for name, _ in plan.rows]
    cells: dict[tuple[object, ...], dict[tuple[object, ...], dict[str, object]]] = {}
    every = [row for row in rows if tuple(row[p] for p in plan.pivots) in columns.values]
    for row in every:
        at = tuple(row[d] for d in row_dimensions)
        cells.setdefault(at, {})[tuple(row[p] for p in plan.pivots)] = row
    pivoted = []
    for by_column in cells.values():
        first = next(iter(by_column.values()))
        out: dict[str, object] = {}
        for name in fields:
            if FIELDS[name].measure:
                found = {key: by_column.get(values) for key, values in keyed}
                by_key = {k: None if cell is None else cell[name] for k, cell in found.items()}
                if plan.row_total:
                    by_key[ROW_TOTAL_KEY] = _total(name, by_column.values())
                out[name] = by_key
            elif name not in plan.pivots:
                out[name] = first[name]
        pivoted.append(out)
    _sort(pivoted, list(plan.rows))
    _sort_by_measures(pivoted, plan, columns)
    return pivoted[: plan.row_limit], columns


def _total(measure: str, cells: Iterable[dict[str, object]]) -> object:
    """A row total: the sum over the row's pivot cells (counts and sums add up)."""
    values = [v for c in cells if isinstance(v := c[measure], (int, float))]
    return sum(values) if values else None


def _sort_by_measures(
    rows: list[dict[str, object]], plan: PivotPlan, columns: PivotColumns
) -> None:
    """A sort on a measure orders the rows by its value in the first pivot column."""
    if not plan.measure_sorts or not columns.values:
        return
    first = columns.keys[0]
    for name, descending in reversed(plan.measure_sorts):
        rows.sort(key=lambda row: _sort_key(_cell(row[name], first)), reverse=descending)


def _cell(cells: object, key: str) -> object:
    return cells.get(key) if isinstance(cells, dict) else None


def run_orders(
    body: object,
    *,
    fail_with: str | None = None,
    limit: str | None = None,
    table_calcs: str = "computed",
) -> tuple[list[str], list[dict[str, object]], PivotColumns | None]:
    """`run_query`, pivoted when the body has ``pivots`` (then the rows are `pivot_table`'s).
    The stand-in does not pivot ``dynamic_fields``: such a query fails when it runs."""
    if not isinstance(body, dict) or body.get("pivots") in (None, []):
        fields, rows = run_query(body, fail_with=fail_with, limit=limit, table_calcs=table_calcs)
        return fields, rows, None
    if body.get("dynamic_fields") not in (None, "", "[]"):
        sentence = "The Looker stand-in does not pivot queries with dynamic_fields."
        raise QueryError("pivots", sentence)
    flat = {**body, "pivots": None, "sorts": None, "limit": "-1"}  # every group, any order
    try:
        fields, rows = run_query(flat, fail_with=fail_with)
    except SqlError:
        _plan(body, list(body["fields"]), limit)  # a query Looker cannot build is a 400 first
        raise
    plan = _plan(body, fields, limit)
    pivoted, columns = pivot_table(fields, rows, plan)
    return fields, pivoted, columns
