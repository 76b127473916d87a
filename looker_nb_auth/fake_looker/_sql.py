"""SQL: the generated SELECT of a query (result format ``sql``) and SQL Runner on sqlite.

The generated SQL is what the stand-in's query engine computes, written for the built-in
``orders`` table, so SQL Runner (an in-memory sqlite database holding ``orders``) can run it.
A pivoted query groups by every dimension, pivot ones included, and limits the rows it returns
to the first ``limit`` pivoted rows with a window function, as Looker's pivot SQL does: its rows
are the cells of the pivoted answer, by pivoted row, then by pivot column.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from ._data import DEFAULT_LIMIT, ORDERS, SqlError
from ._dynamic import parse_dynamic_fields
from ._fields import FIELDS
from ._pivots import PivotPlan, pivot_plan

__all__ = ["CONNECTION", "MAX_SQL_STEPS", "query_sql", "run_sql"]

CONNECTION = "demo"  # the one database connection, dialect sqlite
MAX_SQL_STEPS = 5_000_000  # sqlite virtual-machine steps before a statement is cut off


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


#: A custom measure's SQL by its ``type``.
_AGGREGATES = {
    "sum": "SUM({})",
    "average": "AVG({})",
    "min": "MIN({})",
    "max": "MAX({})",
    "count_distinct": "COUNT(DISTINCT {})",
    "count": "COUNT(*)",
}


def _selected(body: dict[str, Any], fields: list[str]) -> tuple[list[str], dict[str, str]]:
    """The fields the SQL selects (table calculations run on the result, not in it) and the
    SQL of each custom field."""
    dynamic = parse_dynamic_fields(body.get("dynamic_fields"))
    sql = {}
    for name, entry in dynamic.items():
        if entry.kind == "measure":
            based_on = FIELDS[entry.based_on].sql if entry.based_on in FIELDS else "NULL"
            template = _AGGREGATES.get(entry.measure_type or "count", "COUNT(*)")
            sql[name] = template.format(based_on)
        elif entry.kind == "dimension":
            sql[name] = f"/* {entry.expression} */ NULL"
    selected = [f for f in fields if f not in dynamic or f in sql]
    return selected, sql


def _grouped(body: dict[str, Any], fields: list[str], extra: list[str]) -> list[str]:
    """SELECT ... FROM ... WHERE ... GROUP BY the dimensions, with ``extra`` select items."""
    view = str(body["view"])
    fields, custom = _selected(body, fields)
    select = [f'    {custom.get(f) or FIELDS[f].sql} AS "{f}"' for f in fields] + extra
    lines = ["SELECT", ",\n".join(select), f"FROM {view} AS {view}"]
    filters = body.get("filters") or {}
    conditions = []
    for name, expression in filters.items():
        if name not in FIELDS:
            continue  # a filter-only field or parameter: no templated SQL reads it
        values = ", ".join(_literal(part.strip()) for part in str(expression).split(","))
        conditions.append(f"(CAST({FIELDS[name].sql} AS TEXT) IN ({values}))")
    if conditions:
        lines.append("WHERE " + " AND ".join(conditions))
    dynamic = parse_dynamic_fields(body.get("dynamic_fields"))
    dimensions = [
        i + 1
        for i, f in enumerate(fields)
        if (dynamic[f].kind == "dimension" if f in dynamic else not FIELDS[f].measure)
    ]
    if dimensions:
        lines.append("GROUP BY " + ", ".join(str(i) for i in dimensions))
    return lines


def _pivoted_sql(body: dict[str, Any], fields: list[str], plan: PivotPlan) -> str:
    """Every cell of the first ``row_limit`` pivoted rows, by pivoted row, then pivot column."""
    rows = ", ".join(FIELDS[f].sql + (" DESC" if desc else "") for f, desc in plan.rows)
    window = f"ORDER BY {rows}" if rows else ""
    rank = f"    DENSE_RANK() OVER ({window}) AS z___pivot_row_rank"
    outer = ",\n".join(f'    "{f}"' for f in fields)
    lines = ["SELECT", outer, "FROM (", *_grouped(body, fields, [rank]), ") AS pivoted"]
    if plan.row_limit is not None:
        lines.append(f"WHERE z___pivot_row_rank <= {plan.row_limit}")
    columns = [f'"{f}"' + (" DESC" if desc else "") for f, desc in plan.columns]
    lines.append("ORDER BY " + ", ".join(["z___pivot_row_rank", *columns]))
    return "\n".join(lines)


def query_sql(body: dict[str, Any], limit: str | None = None) -> str:
    """A plausible SELECT for a checked WriteQuery (`run_query` has accepted it)."""
    fields: list[str] = list(body["fields"])
    plan = pivot_plan(body, fields, limit)
    if plan is not None:
        return _pivoted_sql(body, fields, plan)
    lines = _grouped(body, fields, [])
    fields = _selected(body, fields)[0]  # a sort on a table calculation is not the SQL's
    order = []
    for spec in body.get("sorts") or []:
        name, _, direction = str(spec).strip().partition(" ")
        if name in fields:
            suffix = " DESC" if direction.strip().lower() == "desc" else ""
            order.append(f"{fields.index(name) + 1}{suffix}")
    if order:
        lines.append("ORDER BY " + ", ".join(order))
    row_limit = limit if limit is not None else body.get("limit")
    row_limit = str(row_limit) if row_limit not in (None, "") else str(DEFAULT_LIMIT)
    if row_limit != "-1":
        lines.append(f"LIMIT {int(row_limit)}")
    return "\n".join(lines)


def _database() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, created_date TEXT, created_month TEXT,"
        " region TEXT, category TEXT, sale_price REAL)"
    )
    db.executemany(
        "INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?)",
        [
            (
                row["orders.id"],
                row["orders.created_date"],
                row["orders.created_month"],
                row["orders.region"],
                row["orders.category"],
                row["orders.sale_price"],
            )
            for row in ORDERS
        ],
    )
    return db


def run_sql(sql: str, max_rows: int | None = None) -> tuple[list[str], list[dict[str, object]]]:
    """Run ``sql`` on a fresh in-memory copy of the built-in data; `SqlError` if it fails."""
    db = _database()
    steps = 0

    def progress() -> int:
        nonlocal steps
        steps += 1000
        return 1 if steps > MAX_SQL_STEPS else 0  # non-zero interrupts the statement

    db.set_progress_handler(progress, 1000)
    try:
        cursor = db.execute(sql)
        columns = [d[0] for d in cursor.description or ()]
        fetched = cursor.fetchall() if max_rows is None else cursor.fetchmany(max_rows)
    except (sqlite3.Error, sqlite3.Warning) as error:
        raise SqlError(f"SQL Error: {error}") from None
    finally:
        db.close()
    if not columns:
        raise SqlError("SQL Error: the statement returned no result set")
    return columns, [dict(zip(columns, row, strict=True)) for row in fetched]
