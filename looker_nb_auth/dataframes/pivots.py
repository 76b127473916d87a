"""A pivoted query's result, which Looker sends as ``json_detail``, into a DataFrame.

The non-pivot dimensions become the row index and each (measure, pivot value...) a column of a
column MultiIndex (pandas), or a flat ``measure|value`` name (polars); ``pivot_shape="long"``
makes the tidy frame instead (``tidy.py``). The columns are typed as
``dtypes.py`` types a CSV's, by the fields json_detail describes. A query the database refused
comes with no data and the database's message in ``errors``; a note there (Development Mode)
is a `QueryNote` warning, not a failure. Pivot columns Looker cut at ``column_limit`` warn
`ResultTruncated`. Row totals (pivot entries with ``is_total``), ``totals_data`` and
``subtotals_data`` stay out of the frame: it holds the query's rows, which pandas sums at
will. Rows past the limit asked for are not kept. JSON that is not json_detail's shape fails
here as any parser's error does, and ``parse.guarded`` says so.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from typing import Any

from .._errors import QueryNote, ResultTruncated
from .answers import failed
from .backends import Backend
from .describe import Column, columns_from_metadata
from .dtypes import pandas_types
from .tidy import PivotShape, cell, long_frame

__all__ = ["MAX_PIVOT_COLUMNS", "Said", "pivot_frame", "read_pivots"]


#: Said = (sentence, warning class) pairs a parser found, warned later at the caller's line.
Said = list[tuple[str, type[Warning]]]
#: The column count at which Looker cuts pivot columns when the query sets no ``column_limit``
#: (its largest), so a result that wide may have lost columns.
MAX_PIVOT_COLUMNS = 200


def read_pivots(
    body: io.BufferedReader,
    columns: Mapping[str, Column],
    backend: Backend,
    max_rows: int | None = None,
    shape: PivotShape = "wide",
) -> tuple[Any, int, bool, Said]:
    """Parse a json_detail body into its DataFrame, its row count, whether rows past
    ``max_rows`` came (they are not kept) and what to warn (notes, cut columns); or raise the
    query's failure."""
    detail = json.loads(body.read())
    said = _notes(detail)
    data = detail.get("data") or []
    cut = max_rows is not None and len(data) > max_rows
    if cut:
        detail = {**detail, "data": data[:max_rows]}
    frame, rows = pivot_frame(detail, columns, backend, shape)
    said += _columns_cut(detail)
    return frame, rows, cut, said


def _notes(detail: Mapping[str, Any]) -> Said:
    """json_detail's ``errors``: raise the first failure; the notes, as `QueryNote` sentences.

    An entry is a failure when its ``level`` is ``error``, or when it has no ``level`` and its
    message is not a note (Looker's Development Mode notes carry only a ``message`` starting
    "Note:"; spectacles skips them the same way). Any other ``level`` is a note."""
    notes: Said = []
    for error in detail.get("errors") or ():
        if not isinstance(error, Mapping):
            continue
        message = str(error.get("message") or "")
        level = error.get("level")
        if level == "error" or (level is None and not message.startswith("Note:")):
            raise failed(message or "the query failed")
        notes.append((f"Looker said of this query: {message}", QueryNote))
    return notes


def _columns_cut(detail: Mapping[str, Any]) -> Said:
    """A sentence when Looker cut the pivot columns at the column limit: it says so
    (``columns_truncated``), or there are as many columns as its largest limit."""
    shown = [p for p in detail.get("pivots") or () if not p.get("is_total")]
    if not detail.get("columns_truncated") and len(shown) != MAX_PIVOT_COLUMNS:
        return []
    sentence = (
        f"Looker returned {len(shown):,} pivot columns, the query's column_limit, so pivot "
        f"values past it were cut; pass a higher column_limit (at most {MAX_PIVOT_COLUMNS}) "
        "or filter the pivot's values."
    )
    return [(sentence, ResultTruncated)]


def pivot_frame(
    detail: Mapping[str, Any],
    columns: Mapping[str, Column],
    backend: Backend,
    shape: PivotShape = "wide",
) -> tuple[Any, int]:
    """A pivoted json_detail result: the non-pivot dimensions as the row index, a column per
    (measure, pivot value...) as a column MultiIndex; ``shape="long"``: the tidy frame
    (``tidy.py``). Returns the frame and the query's row count."""
    import pandas as pd

    fields = detail.get("fields") or {}
    described = {**columns, **columns_from_metadata(fields)}
    dimensions = [str(f["name"]) for f in fields.get("dimensions") or ()]
    measures = [str(f["name"]) for f in fields.get("measures") or ()]
    measures += [str(f["name"]) for f in fields.get("table_calculations") or ()]
    pivot_fields = [str(f["name"]) for f in fields.get("pivots") or ()]
    pivots = [p for p in detail.get("pivots") or () if not p.get("is_total")]
    data = detail.get("data") or []
    if shape == "long":
        found = long_frame(data, dimensions, measures, pivot_fields, pivots, described, backend)
        return found, len(data)
    flat: dict[str, list[Any]] = {d: [cell(row.get(d)) for row in data] for d in dimensions}
    keys: list[tuple[str, str, tuple[Any, ...]]] = []
    for measure in measures:
        for pivot in pivots:
            key = str(pivot.get("key"))
            values = tuple((pivot.get("data") or {}).get(p) for p in pivot_fields)
            column = f"{measure}\x00{key}"
            keys.append((column, measure, values))
            flat[column] = [cell((row.get(measure) or {}).get(key)) for row in data]
    # object columns, so a null beside whole numbers leaves them whole (``pandas_types``)
    frame = pd.DataFrame({name: pd.Series(values, dtype=object) for name, values in flat.items()})
    typed = dict(described)
    for column, measure, _values in keys:
        if measure in described:
            typed[column] = Column(column, kind=described[measure].kind)
    frame = pandas_types(frame, typed)
    index = frame[dimensions] if dimensions else None
    values_frame = frame[[column for column, _m, _v in keys]]
    if backend == "polars":
        import polars as pl

        renamed = {c: "|".join([m, *map(str, v)]) for c, m, v in keys}
        out = pd.concat([index, values_frame], axis=1) if index is not None else values_frame
        return pl.from_pandas(out.rename(columns=renamed)), len(data)
    values_frame.columns = pd.MultiIndex.from_tuples(
        [(m, *v) for _c, m, v in keys], names=["field", *pivot_fields]
    )
    if index is not None:
        values_frame.index = (
            pd.MultiIndex.from_frame(index)
            if len(dimensions) > 1
            else pd.Index(index[dimensions[0]], name=dimensions[0])
        )
    return values_frame, len(data)
