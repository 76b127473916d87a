"""Query results in Looker's result formats, written as a stream of text chunks.

``json``: a list of objects keyed by field name, values typed (numbers as JSON numbers, dates as
``"2026-03"``, ``"2026-03-05"``, ``"2026-03-05 13:04:00"``, yesno as ``"Yes"``/``"No"``).
``json_bi``: ``{"metadata": JsonBiMetadata, "rows": [...]}`` (the spec's ``JsonBi``).
``json_detail``: Looker's legacy query response: ``fields``, ``pivots``, ``data`` with
``{"value": ...}`` cells (plus ``"rendered"`` where the field has a value format), and the
response's bookkeeping (``null_sort_treatment``, ``ran_at``, ``sql``...).
``csv``: a header of field labels, then the rows; empty cells for nulls.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from ._fields import FIELDS, bi_field, detail_field

__all__ = ["CHUNK_ROWS", "RESULT_FORMATS", "ResultMeta", "content_type", "render"]

RESULT_FORMATS = ("json", "json_bi", "json_detail", "csv")
CHUNK_ROWS = 2000  # rows per written chunk


@dataclass
class ResultMeta:
    """What the metadata formats say about a run besides its rows."""

    sql: str = ""
    filters: dict[str, str] = field(default_factory=dict)
    sorts: list[str] = field(default_factory=list)
    ran_at: float = 0.0
    id: str = ""


def content_type(result_format: str) -> str:
    if result_format == "csv":
        return "text/csv; charset=utf-8"
    return "application/json; charset=utf-8"


def _chunks(rows: Iterable[str], head: str, tail: str) -> Iterator[str]:
    yield head
    buffer: list[str] = []
    first = True
    for row in rows:
        buffer.append(row)
        if len(buffer) >= CHUNK_ROWS:
            yield ("" if first else ",") + ",".join(buffer)
            first, buffer = False, []
    if buffer:
        yield ("" if first else ",") + ",".join(buffer)
    yield tail


def _dumps(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


def _rendered(value: object, value_format: str | None) -> dict[str, object]:
    cell: dict[str, object] = {"value": value}
    if value_format is not None and isinstance(value, (int, float)):
        cell["rendered"] = f"${value:,.2f}"
    if value is None:
        cell["filterable_value"] = "NULL"
    return cell


def _sort_positions(sorts: list[str]) -> dict[str, tuple[int, bool]]:
    positions = {}
    for index, spec in enumerate(sorts):
        name, _, direction = spec.strip().partition(" ")
        positions[name] = (index, direction.strip().lower() == "desc")
    return positions


def _detail_head(fields: list[str], meta: ResultMeta) -> dict[str, object]:
    positions = _sort_positions(meta.sorts)

    def described(name: str) -> dict[str, object]:
        index, desc = positions.get(name, (None, False))
        return detail_field(name, index, desc)

    dimensions = [described(f) for f in fields if not FIELDS[f].measure]
    measures = [described(f) for f in fields if FIELDS[f].measure]
    ran_at = datetime.datetime.fromtimestamp(meta.ran_at, tz=datetime.timezone.utc)
    return {
        "id": meta.id,
        "from_cache": False,
        "expired": False,
        "ran_at": ran_at.isoformat(timespec="seconds"),
        "runtime": "0.012",
        "sql": meta.sql,
        "sorts": list(meta.sorts),
        "fields": {
            "measures": measures,
            "dimensions": dimensions,
            "table_calculations": [],
            "pivots": [],
            "measure_like": measures,
            "dimension_like": dimensions,
        },
        "fill_fields": [],
        "forecast_result": None,
        "has_row_totals": False,
        "has_totals": False,
        "has_subtotals": False,
        "applied_filters": {},
        "applied_filter_expression": None,
        "null_sort_treatment": "low",
        "number_format": "1,234.56",
        "pivots": [],
        "timezone": "UTC",
        "supports_pivot_in_db": True,
    }


def _bi_metadata(fields: list[str], meta: ResultMeta) -> dict[str, object]:
    return {
        "big_query_metadata": {"total_bytes_processed": 0, "backend_cache_hit": False},
        "fields": {
            "dimensions": [bi_field(f) for f in fields if not FIELDS[f].measure],
            "measures": [bi_field(f) for f in fields if FIELDS[f].measure],
            "pivots": [],
            "table_calculations": [],
        },
        "pivots": [],
        "has_subtotals": False,
        "has_totals": False,
        "columns_truncated": "false",
        "filter_expression": None,
        "filters": dict(meta.filters),
        "sql": meta.sql,
    }


def _csv_chunks(fields: list[str], rows: Iterable[dict[str, object]]) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([FIELDS[f].label for f in fields])
    for count, row in enumerate(rows, 1):
        writer.writerow(["" if row[f] is None else row[f] for f in fields])
        if count % CHUNK_ROWS == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def render(
    result_format: str,
    fields: list[str],
    rows: Iterable[dict[str, object]],
    meta: ResultMeta | None = None,
) -> Iterator[str]:
    """The result as text chunks; rows are read lazily, one chunk at a time."""
    meta = meta or ResultMeta()
    if result_format == "csv":
        return _csv_chunks(fields, rows)
    if result_format == "json":
        return _chunks((_dumps(row) for row in rows), "[", "]")
    if result_format == "json_bi":
        head = '{"metadata":' + _dumps(_bi_metadata(fields, meta)) + ',"rows":['
        return _chunks((_dumps(row) for row in rows), head, "]}")
    if result_format == "json_detail":
        formats = {f: FIELDS[f].value_format for f in fields}
        head = _dumps(_detail_head(fields, meta))[:-1] + ',"data":['
        cells = (_dumps({f: _rendered(row[f], formats[f]) for f in fields}) for row in rows)
        return _chunks(cells, head, "]}")
    raise ValueError(f"unsupported result format {result_format!r}")
