"""A pivoted query's result, which Looker sends as ``json_detail``, into a DataFrame.

The non-pivot dimensions become the row index and each (measure, pivot value...) a column of a
column MultiIndex (pandas), or a flat ``measure|value`` name (polars). The columns are typed as
``dtypes.py`` types a CSV's, by the fields json_detail describes. A query the database refused
comes with no data and the database's message in ``errors``. Rows past the limit asked for
are not kept. JSON that is not json_detail's shape fails here as any parser's error does, and
``parse.guarded`` says so.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from typing import Any

from .answers import failed
from .backends import Backend
from .describe import Column, columns_from_metadata
from .dtypes import pandas_types

__all__ = ["pivot_frame", "read_pivots"]


def read_pivots(
    body: io.BufferedReader,
    columns: Mapping[str, Column],
    backend: Backend,
    max_rows: int | None = None,
) -> tuple[Any, int, bool]:
    """Parse a json_detail body into its DataFrame, its row count and whether rows past
    ``max_rows`` came (they are not kept); or raise the query's failure."""
    detail = json.loads(body.read())
    message = _detail_error(detail)
    if message is not None:
        raise failed(message)
    data = detail.get("data") or []
    cut = max_rows is not None and len(data) > max_rows
    if cut:
        detail = {**detail, "data": data[:max_rows]}
    frame, rows = pivot_frame(detail, columns, backend)
    return frame, rows, cut


def _detail_error(detail: Mapping[str, Any]) -> str | None:
    """json_detail's in-band failure: no data, the database's message in ``errors``."""
    for error in detail.get("errors") or ():
        if isinstance(error, Mapping) and error.get("level", "error") == "error":
            return str(error.get("message") or "the query failed")
    return None


def _cell(value: Any) -> Any:
    return value.get("value") if isinstance(value, Mapping) else value


def pivot_frame(
    detail: Mapping[str, Any], columns: Mapping[str, Column], backend: Backend
) -> tuple[Any, int]:
    """A pivoted json_detail result: the non-pivot dimensions as the row index, a column per
    (measure, pivot value...) as a column MultiIndex. Returns the frame and its row count."""
    import pandas as pd

    fields = detail.get("fields") or {}
    described = {**columns, **columns_from_metadata(fields)}
    dimensions = [str(f["name"]) for f in fields.get("dimensions") or ()]
    measures = [str(f["name"]) for f in fields.get("measures") or ()]
    measures += [str(f["name"]) for f in fields.get("table_calculations") or ()]
    pivot_fields = [str(f["name"]) for f in fields.get("pivots") or ()]
    pivots = [p for p in detail.get("pivots") or () if not p.get("is_total")]
    data = detail.get("data") or []
    flat: dict[str, list[Any]] = {d: [_cell(row.get(d)) for row in data] for d in dimensions}
    keys: list[tuple[str, str, tuple[Any, ...]]] = []
    for measure in measures:
        for pivot in pivots:
            key = str(pivot.get("key"))
            values = tuple((pivot.get("data") or {}).get(p) for p in pivot_fields)
            column = f"{measure}\x00{key}"
            keys.append((column, measure, values))
            flat[column] = [_cell((row.get(measure) or {}).get(key)) for row in data]
    frame = pd.DataFrame(flat)
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
