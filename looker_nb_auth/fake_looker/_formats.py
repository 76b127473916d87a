"""Query results in Looker's result formats, written as a stream of text chunks.

``json``: a list of objects keyed by field name, values typed (numbers as JSON numbers, dates as
``"2026-03"``, ``"2026-03-05"``, ``"2026-03-05 13:04:00"``, yesno as ``"Yes"``/``"No"``).
``json_bi``: ``{"metadata": JsonBiMetadata, "rows": [...]}`` (the spec's ``JsonBi``).
``json_detail``: Looker's legacy query response: ``fields``, ``pivots``, ``data`` with
``{"value": ...}`` cells (plus ``"rendered"`` where the field has a value format), and the
response's bookkeeping (``null_sort_treatment``, ``ran_at``, ``sql``...).
``csv``: a header of field labels, then the rows; empty cells for nulls.

A pivoted query (`PivotColumns` in ``ResultMeta.pivot``) comes in json_detail and json only.
json_detail lists the columns in ``pivots`` and the pivot fields in ``fields.pivots``; each
measure cell is an object by pivot key. json nests each measure by pivot field name(s), then by
pivot key.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from itertools import chain

from ._config import FakeLookerConfig
from ._dynamic import DynamicField
from ._dynamic_shapes import dynamic_bi_calc, dynamic_bi_field, dynamic_detail_field
from ._fields import FIELDS, SAME_LABELS, bi_field, detail_field
from ._pivots import PIVOT_SEPARATOR, PivotColumns

__all__ = [
    "CHUNK_ROWS",
    "PIVOT_FORMATS",
    "RESULT_FORMATS",
    "ResultMeta",
    "content_type",
    "csv_columns",
    "csv_shaped",
    "render",
    "render_head",
    "render_parts",
]

RESULT_FORMATS = ("json", "json_bi", "json_detail", "csv")
PIVOT_FORMATS = ("json", "json_detail")  # the formats the stand-in pivots
CHUNK_ROWS = 2000  # rows per written chunk


@dataclass
class ResultMeta:
    """What the metadata formats say about a run besides its rows."""

    sql: str = ""
    filters: dict[str, str] = field(default_factory=dict)
    sorts: list[str] = field(default_factory=list)
    ran_at: float = 0.0
    id: str = ""
    from_cache: bool = False
    pivot: PivotColumns | None = None
    #: A csv result's header text and column order (``FakeLookerConfig.csv_header``,
    #: ``csv_order``), and the fields labelled as another (``duplicate_labels``).
    csv_header: str = "label"
    csv_order: str = "query"
    same_labels: dict[str, str] = field(default_factory=dict)
    #: The query's ``dynamic_fields`` by name: table calculations and custom fields.
    dynamic: dict[str, DynamicField] = field(default_factory=dict)

    def is_measure(self, name: str) -> bool:
        """Whether a result's field is a measure (or measure-like: a table calculation)."""
        found = self.dynamic.get(name)
        return found.is_measure if found is not None else FIELDS[name].measure

    def is_table_calc(self, name: str) -> bool:
        found = self.dynamic.get(name)
        return found is not None and found.kind == "table_calculation"

    def value_format(self, name: str) -> str | None:
        found = self.dynamic.get(name)
        return None if found is not None else FIELDS[name].value_format


def content_type(result_format: str) -> str:
    if result_format == "csv":
        return "text/csv; charset=utf-8"
    return "application/json; charset=utf-8"


def _chunks(rows: Iterable[str], tail: str) -> Iterator[str]:
    """The rows, comma-separated, `CHUNK_ROWS` to a chunk, then ``tail``."""
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


def _pivoted_cells(values: object, value_format: str | None) -> dict[str, object]:
    """A pivoted measure's cells by pivot key; a column without rows is ``{"value": null}``."""
    assert isinstance(values, dict)
    return {
        key: {"value": None} if value is None else _rendered(value, value_format)
        for key, value in values.items()
    }


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
        if name in meta.dynamic:
            return dynamic_detail_field(meta.dynamic[name], index, desc)
        return detail_field(name, index, desc)

    pivot_fields = meta.pivot.fields if meta.pivot else ()
    calcs = [f for f in fields if meta.is_table_calc(f)]
    dimensions = [
        described(f)
        for f in fields
        if not meta.is_measure(f) and f not in pivot_fields and f not in calcs
    ]
    measures = [described(f) for f in fields if meta.is_measure(f) and f not in calcs]
    ran_at = datetime.datetime.fromtimestamp(meta.ran_at, tz=datetime.timezone.utc)
    return {
        "id": meta.id,
        "from_cache": meta.from_cache,
        "expired": False,
        "ran_at": ran_at.isoformat(timespec="seconds"),
        "runtime": "0.012",
        "sql": meta.sql,
        "sorts": list(meta.sorts),
        "fields": {
            "measures": measures,
            "dimensions": dimensions,
            "table_calculations": [described(f) for f in calcs],
            "pivots": [described(f) for f in pivot_fields],
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
        "pivots": _pivot_entries(meta.pivot),
        "timezone": "UTC",
        "supports_pivot_in_db": True,
    }


def _pivot_entries(pivot: PivotColumns | None) -> list[dict[str, object]]:
    """json_detail's ``pivots``: one entry per pivot column, in column order."""
    if pivot is None:
        return []
    entries: list[dict[str, object]] = []
    for key, values in zip(pivot.keys, pivot.values, strict=True):
        data = dict(zip(pivot.fields, values, strict=True))
        entry = {"key": key, "is_total": False, "data": data, "sort_values": dict(data)}
        entries.append({**entry, "labels": {}})
    return entries


def _bi(name: str, meta: ResultMeta) -> dict[str, object]:
    found = meta.dynamic.get(name)
    return bi_field(name) if found is None else dynamic_bi_field(found)


def _bi_metadata(fields: list[str], meta: ResultMeta) -> dict[str, object]:
    return {
        "big_query_metadata": {"total_bytes_processed": 0, "backend_cache_hit": False},
        "fields": {
            "dimensions": [
                _bi(f, meta) for f in fields if not meta.is_measure(f) and not meta.is_table_calc(f)
            ],
            "measures": [
                _bi(f, meta) for f in fields if meta.is_measure(f) and not meta.is_table_calc(f)
            ],
            "pivots": [],
            "table_calculations": [
                dynamic_bi_calc(meta.dynamic[f]) for f in fields if meta.is_table_calc(f)
            ],
        },
        "pivots": [],
        "has_subtotals": False,
        "has_totals": False,
        "columns_truncated": "false",
        "filter_expression": None,
        "filters": dict(meta.filters),
        "sql": meta.sql,
    }


def csv_shaped(meta: ResultMeta, config: FakeLookerConfig) -> ResultMeta:
    """``meta`` with the csv header's text and column order the knobs ask for (``csv_header``,
    ``csv_order``), and `SAME_LABELS` under ``duplicate_labels``."""
    same = SAME_LABELS if config.duplicate_labels else {}
    return replace(meta, csv_header=config.csv_header, csv_order=config.csv_order, same_labels=same)


def csv_columns(fields: list[str], meta: ResultMeta) -> list[str]:
    """A csv result's columns: the query's ``fields`` in ``meta.csv_order`` (``"query"``, or
    ``"dimensions_first"``: dimensions, then measures, then table calculations, each in the
    query's order)."""
    if meta.csv_order == "dimensions_first":
        calcs = [f for f in fields if meta.is_table_calc(f)]
        rest = [f for f in fields if f not in calcs]
        dimensions = [f for f in rest if not meta.is_measure(f)]
        return dimensions + [f for f in rest if meta.is_measure(f)] + calcs
    return list(fields)


def _csv_label(name: str, meta: ResultMeta) -> str:
    dynamic = meta.dynamic.get(name)
    if dynamic is not None:
        if meta.csv_header == "name":
            return name
        return f"{dynamic.label} (as shown)" if meta.csv_header == "overridden" else dynamic.label
    info = FIELDS[meta.same_labels.get(name, name)]
    if meta.csv_header == "name":
        return name
    if meta.csv_header == "label_short":
        return info.short
    if meta.csv_header == "overridden":
        return f"{info.short} (as shown)"
    return info.label


def _csv_header(fields: list[str], meta: ResultMeta) -> str:
    out = io.StringIO()
    csv.writer(out).writerow([_csv_label(f, meta) for f in fields])
    return out.getvalue()


def _csv_chunks(fields: list[str], rows: Iterable[dict[str, object]]) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out)
    for count, row in enumerate(rows, 1):
        writer.writerow(["" if row[f] is None else row[f] for f in fields])
        if count % CHUNK_ROWS == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def _json_rows(rows: Iterable[dict[str, object]], pivot: PivotColumns | None) -> Iterator[str]:
    if pivot is None:
        return (_dumps(row) for row in rows)
    names = PIVOT_SEPARATOR.join(pivot.fields)  # measure -> pivot field name(s) -> key -> value
    return (
        _dumps({f: {names: v} if isinstance(v, dict) else v for f, v in row.items()})
        for row in rows
    )


def _detail_rows(
    fields: list[str], rows: Iterable[dict[str, object]], meta: ResultMeta
) -> Iterator[str]:
    pivot = meta.pivot
    formats = {f: meta.value_format(f) for f in fields}
    if pivot is None:
        return (_dumps({f: _rendered(row[f], formats[f]) for f in fields}) for row in rows)
    shown = [f for f in fields if f not in pivot.fields]
    measures = {f for f in shown if meta.is_measure(f)}
    return (
        _dumps(
            {
                f: _pivoted_cells(row[f], formats[f])
                if f in measures
                else _rendered(row[f], formats[f])
                for f in shown
            }
        )
        for row in rows
    )


def render_parts(
    result_format: str,
    fields: list[str],
    rows: Iterable[dict[str, object]],
    meta: ResultMeta | None = None,
) -> tuple[str, Iterator[str]]:
    """The result as its head (the text before the first row: metadata, csv header) and the
    chunks that follow it; rows are read lazily, one chunk at a time. Only the head depends on
    ``meta`` beyond the query itself (``ran_at``, ``id``, ``from_cache``)."""
    meta = meta or ResultMeta()
    if meta.pivot is not None and result_format not in PIVOT_FORMATS:
        raise ValueError(f"the stand-in does not pivot {result_format!r} results")
    if result_format == "csv":
        shown = csv_columns(fields, meta)
        return _csv_header(shown, meta), _csv_chunks(shown, rows)
    if result_format == "json":
        return "[", _chunks(_json_rows(rows, meta.pivot), "]")
    if result_format == "json_bi":
        head = '{"metadata":' + _dumps(_bi_metadata(fields, meta)) + ',"rows":['
        return head, _chunks((_dumps(row) for row in rows), "]}")
    if result_format == "json_detail":
        head = _dumps(_detail_head(fields, meta))[:-1] + ',"data":['
        return head, _chunks(_detail_rows(fields, rows, meta), "]}")
    raise ValueError(f"unsupported result format {result_format!r}")


def render_head(result_format: str, fields: list[str], meta: ResultMeta | None = None) -> str:
    """What `render_parts` puts before the rows, alone (no rows are read)."""
    return render_parts(result_format, fields, (), meta)[0]


def render(
    result_format: str,
    fields: list[str],
    rows: Iterable[dict[str, object]],
    meta: ResultMeta | None = None,
) -> Iterator[str]:
    """The result as text chunks; rows are read lazily, one chunk at a time."""
    head, rest = render_parts(result_format, fields, rows, meta)
    return chain((head,), rest)
