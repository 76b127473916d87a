"""A large generated explore (model ``demo``, explore ``events``), on request.

``FakeLookerConfig.big_rows`` rows (0: the explore does not exist), generated deterministically
and lazily: row ``i`` is computed from ``i`` alone, newest event first, so a query that keeps
every row (it selects ``events.id``) streams without holding the rows in memory. Seven typed
dimensions and one measure: a string id, a string category, an integer, a float, a date, a
timestamp, a yesno and a count.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from itertools import islice
from typing import Any

from ._data import (
    QueryError,
    QueryNotFound,
    SqlError,
    _limit,
    _sort,
    _sort_keys,
    checked_fields,
)
from ._filtering import filter_checks, having, measure_filters

__all__ = ["EVENT_DIMENSIONS", "EVENT_MEASURES", "event_row", "event_rows", "run_events"]

EVENT_DIMENSIONS = (
    "events.id",
    "events.category",
    "events.quantity",
    "events.amount",
    "events.event_date",
    "events.event_time",
    "events.is_weekend",
)
EVENT_MEASURES = ("events.count",)
_CATEGORIES = ("signup", "login", "purchase", "refund", "share")
_NEWEST = datetime.datetime(2026, 6, 30, 23, 59, 30)
_STEP = datetime.timedelta(seconds=30)


def event_row(i: int) -> dict[str, Any]:
    """Row ``i`` (0-based): the same for every run, every ``big_rows``."""
    moment = _NEWEST - i * _STEP
    return {
        "events.id": f"evt-{i + 1:07d}",
        "events.category": _CATEGORIES[(i * 7) % 5],
        "events.quantity": (i * 37) % 100,
        "events.amount": ((i * 7919) % 100000) / 100,
        "events.event_date": moment.strftime("%Y-%m-%d"),
        "events.event_time": moment.strftime("%Y-%m-%d %H:%M:%S"),
        "events.is_weekend": "Yes" if moment.weekday() >= 5 else "No",
    }


def event_rows(
    count: int, null_prefix: int = 0, multiline: bool = False
) -> Iterator[dict[str, Any]]:
    """The first ``count`` rows; ``events.amount`` is null in the first ``null_prefix``;
    ``multiline``: ``events.category`` spans three lines, with a comma and a double quote."""
    for i in range(count):
        row = event_row(i)
        if i < null_prefix:
            row["events.amount"] = None
        if multiline:
            row["events.category"] += '\nsecond line, with a comma\nand a "quote"'
        yield row


def run_events(
    body: dict[str, Any],
    *,
    big_rows: int,
    fail_with: str | None = None,
    limit: str | None = None,
    null_prefix: int = 0,
    multiline: bool = False,
) -> tuple[list[str], Iterator[dict[str, object]]]:
    """Check a WriteQuery on ``demo::events`` and run it lazily.

    Without ``sorts`` the rows come newest first (the generation order); a query with
    ``events.id`` keeps every row and streams. Explicit sorts, or grouping without the id,
    hold the groups in memory.
    """
    if big_rows <= 0:
        raise QueryNotFound("demo::events")
    if body.get("pivots"):
        raise QueryError("pivots", "Pivots are not supported by the Looker stand-in.")
    fields = checked_fields(body.get("fields"), {*EVENT_DIMENSIONS, *EVENT_MEASURES}, "events")
    checks = filter_checks(body.get("filters"), EVENT_DIMENSIONS, EVENT_MEASURES)
    explicit_sorts = body.get("sorts") not in (None, [])
    sorts = _sort_keys(fields, body.get("sorts")) if explicit_sorts else []
    row_limit = _limit(body.get("limit") if limit is None else limit)
    if fail_with is not None:
        raise SqlError(fail_with)
    rows = _computed(fields, checks, sorts, big_rows, null_prefix, multiline)
    after = measure_filters(body.get("filters"), EVENT_MEASURES)
    if after and "events.count" not in fields:  # stricter: the stand-in's own limit
        sentence = "The Looker stand-in filters on events.count only when the query selects it."
        raise QueryError("filters", sentence)
    if after:  # HAVING: applied to the aggregated rows
        rows = iter(having(list(rows), after))
    return fields, islice(rows, row_limit)


def _computed(
    fields: list[str],
    checks: list[tuple[str, set[str]]],
    sorts: list[tuple[str, bool]],
    big_rows: int,
    null_prefix: int = 0,
    multiline: bool = False,
) -> Iterator[dict[str, object]]:
    """The checked query's rows, computed only when read: creating a task or a query, or
    generating its SQL, costs nothing."""
    rows: Iterator[dict[str, Any]] = event_rows(big_rows, null_prefix, multiline)
    if checks:
        rows = (r for r in rows if all(str(r[f]) in wanted for f, wanted in checks))
    dimensions = [f for f in fields if f in EVENT_DIMENSIONS]
    if "events.id" in dimensions:  # one row per group: nothing to aggregate
        result: Iterator[dict[str, object]] = (
            {f: 1 if f == "events.count" else row[f] for f in fields} for row in rows
        )
    else:
        counts: dict[tuple[object, ...], int] = {}
        for row in rows:
            key = tuple(row[d] for d in dimensions)
            counts[key] = counts.get(key, 0) + 1
        if not dimensions and not counts:
            counts[()] = 0
        grouped = []
        for key, count in counts.items():
            values = dict(zip(dimensions, key, strict=True))
            grouped.append({f: count if f == "events.count" else values[f] for f in fields})
        result = iter(grouped)
    if sorts:
        materialized = list(result)
        _sort(materialized, sorts)
        result = iter(materialized)
    yield from result
