"""Step 6, type: what the parser read into the DataFrame the columns' kinds call for.

Booleans are ``boolean`` and whole numbers ``Int64`` (so a null stays a null), other numbers
``float64``; dates and timestamps ``datetime64`` from the format Looker writes them in, a
quarter its first day; text that is not in Looker's format stays text rather than failing. A
pyarrow Table is typed in Arrow (fast, no Python objects), then handed to pandas or polars; a
frame from pandas' parser (or SQL Runner's rows) gets the same conversions in pandas.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .backends import Backend
from .describe import Column
from .parse import Parsed

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["frame", "pandas_types"]


def frame(parsed: Parsed, columns: Mapping[str, Column], backend: Backend) -> Any:
    """The DataFrame of ``parsed`` (whose table it takes: the parsed columns are freed as the
    DataFrame is built)."""
    table, parsed.table = parsed.table, None
    if table is None:
        return _empty(parsed.names, backend)
    if parsed.engine == "pandas":
        return pandas_types(table, columns)
    table = _arrow_types(table, columns)
    if backend == "polars":
        import polars as pl

        return pl.from_arrow(table)
    return _arrow_to_pandas(table)


def _arrow_types(table: Any, columns: Mapping[str, Column]) -> Any:
    """Dates, timestamps and quarters from their text, in Arrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for index, name in enumerate(table.column_names):
        column = columns.get(name)
        if pa.types.is_date(table.schema.field(index).type):  # inferred dates: datetime64 too
            table = table.set_column(index, name, pc.cast(table.column(index), pa.timestamp("us")))
            continue
        if column is None or column.kind not in ("datetime", "quarter"):
            continue
        values = table.column(index)
        if column.kind == "quarter":
            year = pc.utf8_slice_codeunits(values, 0, 4)
            quarter = pc.utf8_slice_codeunits(values, 6, 7)
            month = pc.add(pc.multiply(pc.subtract(pc.cast(quarter, pa.int8()), 1), 3), 1)
            text = pc.binary_join_element_wise(
                year, pc.utf8_lpad(pc.cast(month, pa.string()), 2, "0"), "01", "-"
            )
            converted = pc.strptime(text, format="%Y-%m-%d", unit="us")
        else:
            try:
                converted = pc.strptime(values, format=column.time_format or "", unit="us")
            except (pa.ArrowInvalid, ValueError):
                try:
                    converted = pc.cast(values, pa.timestamp("us"))
                except pa.ArrowInvalid:
                    continue  # not the format Looker uses: leave the text as it came
        table = table.set_column(index, name, converted)
    return table


def _arrow_to_pandas(table: Any) -> pd.DataFrame:
    import pandas as pd
    import pyarrow as pa

    mapping = {pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}
    converted: pd.DataFrame = table.to_pandas(types_mapper=mapping.get, self_destruct=True)
    return converted


def pandas_types(data: pd.DataFrame, columns: Mapping[str, Column]) -> pd.DataFrame:
    """The same conversions as `_arrow_types` + `_arrow_to_pandas`, on a pandas frame."""
    import pandas as pd

    for name in data.columns:
        column = columns.get(str(name))
        series = data[name]
        if column is not None and column.kind == "boolean":
            data[name] = series.map({"Yes": True, "No": False, True: True, False: False}).astype(
                "boolean"
            )
        elif column is not None and column.kind == "datetime":
            try:
                data[name] = pd.to_datetime(series, format=column.time_format or "ISO8601")
            except (ValueError, TypeError):
                # not the format Looker uses: ISO 8601, else leave the text as it came
                with contextlib.suppress(ValueError, TypeError):
                    data[name] = pd.to_datetime(series, format="ISO8601")
        elif column is not None and column.kind == "quarter":
            try:
                periods = pd.PeriodIndex(series.str.replace("-", ""), freq="Q")
                data[name] = periods.to_timestamp()
            except (ValueError, TypeError, AttributeError):
                pass
        elif pd.api.types.is_integer_dtype(series) and not isinstance(series.dtype, pd.Int64Dtype):
            data[name] = series.astype("Int64")
        elif column is not None and column.kind == "number" and series.dtype == object:
            converted = pd.to_numeric(series, errors="coerce")
            if converted.isna().sum() == series.isna().sum():  # numbers after all, nothing lost
                data[name] = converted
    return data


def _empty(names: list[str], backend: Backend) -> Any:
    """A result with no rows: its columns, untyped."""
    if backend == "polars":
        import polars as pl

        return pl.DataFrame({n: [] for n in names})
    import pandas as pd

    return pd.DataFrame({n: pd.Series(dtype=object) for n in names})
