"""A pivoted result in the long (tidy) shape: ``pivot_shape="long"``.

Looker pivots a query into a grid: a row per value of the other dimensions, a column per
(measure, pivot value). Plotting libraries and ``groupby`` want the other form: one row per
(dimension values, pivot values), the pivot dimensions as ordinary columns, one column per
measure. That is this frame, built straight from json_detail's cells, typed as every column is
(``dtypes.py``: a pivot on a month is a column of timestamps, not the text of the grid's header).

A (row, pivot value) for which every measure is null is left out: json_detail has a cell for
every pivot value of every row, null where the database had no rows for that combination, and
a tidy frame holds observations, not a grid's empty cells (pandas' ``melt`` followed by
``dropna(how="all")`` over the measures; the wide frame keeps the grid). A combination where
some measures have values keeps its row, with nulls in the others. Rows come in Looker's order,
each row's pivot values in the pivot's order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from .backends import Backend
from .describe import Column
from .dtypes import pandas_types

__all__ = ["PIVOT_SHAPES", "PivotShape", "cell", "long_frame"]

PivotShape = Literal["wide", "long"]
PIVOT_SHAPES: tuple[PivotShape, ...] = ("wide", "long")


def cell(value: Any) -> Any:
    """A json_detail cell's value (cells are ``{"value": ..., "rendered": ...}``)."""
    return value.get("value") if isinstance(value, Mapping) else value


def long_frame(
    data: Sequence[Mapping[str, Any]],
    dimensions: Sequence[str],
    measures: Sequence[str],
    pivot_fields: Sequence[str],
    pivots: Sequence[Mapping[str, Any]],
    described: Mapping[str, Column],
    backend: Backend,
) -> Any:
    """One row per (row of ``data``, pivot) with a value: the dimensions, the pivot fields,
    then the measures, typed by ``described``."""
    import pandas as pd

    names = [*dimensions, *pivot_fields, *measures]
    columns: dict[str, list[Any]] = {name: [] for name in names}
    keyed = [(str(p.get("key")), p.get("data") or {}) for p in pivots]
    for row in data:
        for key, values in keyed:
            found = [cell((row.get(m) or {}).get(key)) for m in measures]
            if all(value is None for value in found):
                continue
            for name in dimensions:
                columns[name].append(cell(row.get(name)))
            for name in pivot_fields:
                columns[name].append(values.get(name))
            for name, value in zip(measures, found, strict=True):
                columns[name].append(value)
    frame = pandas_types(pd.DataFrame(columns, columns=names), described)
    if backend == "polars":
        import polars as pl

        return pl.from_pandas(frame)
    return frame
