"""A small built-in dataset (model ``demo``, explore ``orders``), its looks and a query engine.

Results come in Looker's shapes: ``json`` is a list of objects keyed by field name, ``csv`` has a
header row of field labels ("Orders Region"), like Looker's default CSV download.

A query Looker refuses to build raises `QueryError` (a 400) or `QueryNotFound` (an unknown model
or explore: a 404). A query Looker builds but whose SQL the database rejects raises `SqlError`,
which Looker reports in-band (HTTP 200). The explore has one broken dimension for that,
``orders.sql_error`` (`SQL_ERROR_FIELD`): any query that selects or filters on it fails so.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from ._filtering import filter_checks, having, measure_filters
from ._refusals import QueryError, QueryNotFound, SqlError

__all__ = [
    "LOOKS",
    "ORDERS",
    "QUERIES",
    "SQL_ERROR_FIELD",
    "QueryError",
    "QueryNotFound",
    "SqlError",
    "StoredQuery",
    "checked_fields",
    "run_query",
    "to_csv",
]

MODEL, VIEW = "demo", "orders"
REGIONS = ("North", "South", "East", "West")
CATEGORIES = ("Books", "Games", "Music")
MAX_LIMIT = 5000
DEFAULT_LIMIT = 500  # a query without a limit
SQL_ERROR_FIELD = "orders.sql_error"  # a dimension whose SQL the database rejects


def _orders() -> list[dict[str, Any]]:
    rows = []
    start = datetime.date(2026, 1, 1)
    for i in range(1, 61):
        day = start + datetime.timedelta(days=(i * 11) % 181)
        rows.append(
            {
                "orders.id": i,
                "orders.created_date": day.isoformat(),
                "orders.created_month": day.isoformat()[:7],
                "orders.region": REGIONS[i % 4],
                "orders.category": CATEGORIES[(i * 7) % 3],
                "orders.sale_price": round(9.5 + (i * 37) % 90 + (i % 4) * 0.25, 2),
            }
        )
    return rows


ORDERS: list[dict[str, Any]] = _orders()
DIMENSIONS = tuple(ORDERS[0])


def _count(rows: Sequence[dict[str, Any]]) -> int:
    return len(rows)


def _total(rows: Sequence[dict[str, Any]]) -> float:
    return round(sum(float(row["orders.sale_price"]) for row in rows), 2)


def _average(rows: Sequence[dict[str, Any]]) -> float | None:
    return round(_total(rows) / len(rows), 2) if rows else None


MEASURES: dict[str, Callable[[Sequence[dict[str, Any]]], object]] = {
    "orders.count": _count,
    "orders.total_sale_price": _total,
    "orders.average_sale_price": _average,
}


def label(field: str) -> str:
    """Looker's default label: ``orders.created_month`` -> ``Orders Created Month``."""
    view, name = field.split(".", 1)
    return f"{view} {name}".replace("_", " ").title()


def _sql_error_message(field: str) -> str:
    return (
        "SQL Error: SQL compilation error: error line 2 at position 4\n"
        f"invalid identifier '{field.upper()}'"
    )


@dataclass(frozen=True)
class StoredQuery:
    """A saved query as ``/api/4.0/queries/{id}`` describes it."""

    id: str
    fields: tuple[str, ...]
    sorts: tuple[str, ...] = ()
    filters: tuple[tuple[str, str], ...] = ()
    limit: str = "500"
    dynamic_fields: str | None = None  # a JSON string, as Looker stores it

    def body(self) -> dict[str, Any]:
        return {
            "model": MODEL,
            "view": VIEW,
            "fields": list(self.fields),
            "filters": dict(self.filters) or None,
            "sorts": list(self.sorts),
            "limit": self.limit,
            "dynamic_fields": self.dynamic_fields,
        }


QUERIES: dict[str, StoredQuery] = {
    q.id: q
    for q in (
        StoredQuery(
            "101",
            ("orders.region", "orders.count", "orders.total_sale_price"),
            ("orders.total_sale_price desc",),
        ),
        StoredQuery(
            "102",
            ("orders.created_month", "orders.count", "orders.total_sale_price"),
            ("orders.created_month",),
        ),
        StoredQuery("103", ("orders.category", "orders.average_sale_price"), ("orders.category",)),
        StoredQuery(
            "104",
            (
                "orders.region",
                "orders.count",
                "orders.total_sale_price",
                "sum_of_sale_price",
                "average_sale",
            ),
            ("orders.region",),
            dynamic_fields=json.dumps(
                [
                    {
                        "measure": "sum_of_sale_price",
                        "based_on": "orders.sale_price",
                        "type": "sum",
                        "label": "Sum of Sale Price",
                        "expression": None,
                        "value_format": None,
                        "value_format_name": "usd",
                        "_kind_hint": "measure",
                        "_type_hint": "number",
                    },
                    {
                        "category": "table_calculation",
                        "table_calculation": "average_sale",
                        "label": "Average sale",
                        "expression": "${orders.total_sale_price} / ${orders.count}",
                        "value_format": None,
                        "value_format_name": None,
                        "_kind_hint": "measure",
                        "_type_hint": "number",
                    },
                ]
            ),
        ),
    )
}

LOOKS: dict[str, dict[str, str]] = {
    "1": {
        "title": "Sales by region",
        "description": "Orders and revenue per region, 2026.",
        "query_id": "101",
    },
    "2": {
        "title": "Monthly sales",
        "description": "Orders and revenue per month, 2026.",
        "query_id": "102",
    },
    "3": {
        "title": "Average price by category",
        "description": "Mean sale price per category.",
        "query_id": "103",
    },
    "4": {
        "title": "Average sale by region",
        "description": "A table calculation and a custom measure, as Looks often carry.",
        "query_id": "104",
    },
}


def run_query(
    body: object,
    *,
    fail_with: str | None = None,
    limit: str | None = None,
    table_calcs: str = "computed",
) -> tuple[list[str], list[dict[str, object]]]:
    """Check a WriteQuery body and run it: filtered, grouped by its dimensions, sorted, limited.

    With ``fail_with`` the checked query fails in the database with that message (`SqlError`).
    ``limit`` (the run endpoints' ``?limit=``) overrides the body's ``limit``. A body with
    ``pivots`` is refused here; ``_pivots.run_orders`` runs it. Its ``dynamic_fields`` add
    custom dimensions and measures to the SQL's, and table calculations on its result
    (``table_calcs``: ``"computed"``, ``"absent"`` from the result, or ``"empty"`` columns).
    """
    if not isinstance(body, dict):
        raise QueryError("body", "The request body must be a JSON object (a WriteQuery).")
    for name in ("model", "view"):
        if not isinstance(body.get(name), str) or not body[name]:
            raise QueryError(name, f"{name} must be the name of a LookML {name}.")
    if body["model"] != MODEL or body["view"] != VIEW:
        raise QueryNotFound(f"{body['model'][:100]}::{body['view'][:100]}")
    if body.get("pivots"):
        raise QueryError("pivots", "Pivots are not supported by the Looker stand-in.")
    from ._dynamic_run import custom_fields, with_table_calcs  # it imports this module

    custom = custom_fields(body, DIMENSIONS)
    measures = {**MEASURES, **custom.measures}
    known_dimensions = (*DIMENSIONS, *custom.dimensions)
    fields = checked_fields(
        body.get("fields"),
        {*known_dimensions, *measures, *custom.table_calcs, SQL_ERROR_FIELD},
        VIEW,
    )
    calcs = [f for f in fields if f in custom.table_calcs]
    rows = custom.add_dimensions(_filter(ORDERS, body.get("filters")))
    after = measure_filters(body.get("filters"), measures)
    given, calc_sorts = _calc_sorts(body.get("sorts"), calcs)
    sorts = _sort_keys([f for f in fields if f not in calcs], given)
    row_limit = _limit(body.get("limit") if limit is None else limit)
    if SQL_ERROR_FIELD in fields or SQL_ERROR_FIELD in (body.get("filters") or {}):
        raise SqlError(_sql_error_message(SQL_ERROR_FIELD))
    if fail_with is not None:
        raise SqlError(fail_with)
    dimensions = [f for f in fields if f in known_dimensions]
    groups: dict[tuple[object, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(row[d] for d in dimensions), []).append(row)
    if not dimensions and not groups:
        groups[()] = []  # measures alone: one row, even when the filters match nothing
    selected = [f for f in fields if f not in calcs]
    computed = [*selected, *(f for f, _ in after if f not in selected)]  # HAVING may need more
    result = [
        {f: group[0][f] if f in known_dimensions else measures[f](group) for f in computed}
        for group in groups.values()
    ]
    result = [{f: row[f] for f in selected} for row in having(result, after)]
    _sort(result, sorts)
    fields, result = with_table_calcs(fields, result[:row_limit], custom, table_calcs)
    if calc_sorts and all(f in fields for f, _ in calc_sorts):
        _sort(result, calc_sorts)  # on the result, as the Explore sorts a table calculation
    return fields, result


def _calc_sorts(sorts: object, calcs: list[str]) -> tuple[object, list[tuple[str, bool]]]:
    """The sorts on fields, and the sorts on table calculations (``calcs``) apart."""
    if not calcs or not isinstance(sorts, list):
        return sorts, []
    on_calcs = []
    rest = []
    for spec in sorts:
        name, _, direction = str(spec).strip().partition(" ")
        if name in calcs and direction.strip().lower() in ("", "asc", "desc"):
            on_calcs.append((name, direction.strip().lower() == "desc"))
        else:
            rest.append(spec)
    return (rest or None) if on_calcs else sorts, on_calcs


def checked_fields(value: object, known: Collection[str], explore: str) -> list[str]:
    """A WriteQuery's ``fields``: a non-empty list of the explore's fields, each once."""
    if not isinstance(value, list) or not value:
        raise QueryError("fields", "fields must be a non-empty list of field names.")
    for field in value:
        if not isinstance(field, str) or field not in known:
            raise QueryError(
                "fields", f"Unknown field {str(field)[:100]!r} in explore '{explore}'."
            )
    if len(set(value)) != len(value):
        raise QueryError("fields", "A field is listed twice.")
    return list(value)


def _filter(rows: list[dict[str, Any]], filters: object) -> list[dict[str, Any]]:
    for field, wanted in filter_checks(filters, DIMENSIONS, MEASURES, failing={SQL_ERROR_FIELD}):
        rows = [row for row in rows if str(row[field]) in wanted]
    return rows


def _sort_keys(fields: list[str], sorts: object) -> list[tuple[str, bool]]:
    """The sorts as (field, descending), most significant first; Looker's default without."""
    if sorts is None or sorts == []:
        time = [f for f in fields if f in ("orders.created_date", "orders.created_month")]
        measures = [f for f in fields if f in MEASURES]
        sorts = [f"{time[0]} desc"] if time else [f"{measures[0]} desc"] if measures else []
        sorts = sorts or [fields[0]]
    if not isinstance(sorts, list) or not all(isinstance(s, str) for s in sorts):
        raise QueryError("sorts", "sorts must be a list of strings like 'orders.count desc'.")
    keys = []
    for spec in sorts:
        field, _, direction = spec.strip().partition(" ")
        if field not in fields or direction.strip().lower() not in ("", "asc", "desc"):
            raise QueryError("sorts", f"Cannot sort by {spec[:100]!r}: not a field of the query.")
        keys.append((field, direction.strip().lower() == "desc"))
    return keys


def _sort(rows: list[dict[str, object]], keys: list[tuple[str, bool]]) -> None:
    for field, descending in reversed(keys):  # stable sorts, last key first
        rows.sort(key=lambda row: _sort_key(row[field]), reverse=descending)


def _sort_key(value: object) -> tuple[int, float, str]:
    if value is None:
        return (0, 0.0, "")
    if isinstance(value, (int, float)):
        return (1, float(value), "")
    return (2, 0.0, str(value))


def _limit(value: object) -> int | None:
    """The row limit: `DEFAULT_LIMIT` when none is given, None (all rows) for ``-1``."""
    if value is None or value == "":
        return DEFAULT_LIMIT
    try:
        limit = int(str(value))
    except ValueError:
        limit = 0
    if limit == -1:
        return None
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryError(
            "limit", f"limit must be -1 (all rows) or a whole number from 1 to {MAX_LIMIT}."
        )
    return limit


def to_csv(fields: list[str], rows: list[dict[str, object]]) -> str:
    """CSV with a header row of field labels; empty cells for nulls."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([label(f) for f in fields])
    for row in rows:
        writer.writerow(["" if row[f] is None else row[f] for f in fields])
    return out.getvalue()
