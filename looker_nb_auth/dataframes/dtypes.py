"""Step 6, type: what the parser read into the DataFrame the columns' kinds call for.

A column's type comes from the explore's metadata and from all of its values, never from the first
block the parser read (`from_text`): the parser reads numbers and undescribed columns (custom
fields, table calculations) as text, and here a number column becomes whole numbers when every value
is one, else ``float64`` (text that is not a number stays text rather than being lost); an
undescribed column becomes numbers, booleans (``Yes``/``No``), dates or timestamps when every value
is one, else it stays text. Booleans are ``boolean`` and whole numbers ``Int64`` (so a null stays a
null), other numbers ``float64``; dates and timestamps ``datetime64`` from the format Looker writes
them in, a quarter its first day; text that is not in Looker's format stays text rather than
failing. A pyarrow Table is typed in Arrow (fast, no Python objects), then handed to pandas or
polars; a frame from pandas' parser (or SQL Runner's rows) gets the same conversions in pandas.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .backends import Backend
from .blockwise import surely_not_whole
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
        return pandas_types(table, columns, from_text=True)
    table = _arrow_types(table, columns)
    if backend == "polars":
        import polars as pl

        return pl.from_arrow(table, rechunk=False)  # the Arrow buffers as they are: no copy
    return _arrow_to_pandas(table)


def _arrow_types(table: Any, columns: Mapping[str, Column]) -> Any:
    """Numbers, booleans, dates, timestamps and quarters from their text, in Arrow, a column
    at a time (`_arrow_column`; typing them in parallel threads saved nothing measurable on
    1M rows on 2 cores: 42 ms either way)."""
    for index, name in enumerate(table.column_names):
        converted = _arrow_column(table.column(index), columns.get(name))
        if converted is not None:
            table = table.set_column(index, name, converted)
    return table


def _arrow_column(values: Any, column: Column | None) -> Any:
    """One column typed by its kind from its text; None: it stays as the parser read it."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = "inferred" if column is None else column.kind
    converted = None
    if kind in ("number", "inferred") and pa.types.is_string(values.type):
        converted = values = from_text(values, kind)
    if pa.types.is_date(values.type):  # inferred dates: datetime64 too
        return pc.cast(values, pa.timestamp("us"))
    if column is None or column.kind not in ("datetime", "quarter"):
        return converted
    if pa.types.is_timestamp(values.type):
        return None  # typed as the parser read it (``blockwise.py``)
    if column.kind == "quarter":
        year = pc.utf8_slice_codeunits(values, 0, 4)
        quarter = pc.utf8_slice_codeunits(values, 6, 7)
        month = pc.add(pc.multiply(pc.subtract(pc.cast(quarter, pa.int8()), 1), 3), 1)
        text = pc.binary_join_element_wise(
            year, pc.utf8_lpad(pc.cast(month, pa.string()), 2, "0"), "01", "-"
        )
        return pc.strptime(text, format="%Y-%m-%d", unit="us")
    return _timestamps(values, column.time_format)  # None: not Looker's format, the text stays


def _timestamps(values: Any, time_format: str | None) -> Any:
    """Timestamps from text in ``time_format`` (else ISO 8601); None when some value is in
    neither. Arrow's ISO 8601 cast comes first: 3-4x faster than ``strptime`` (measured on
    1M rows: 21 ms against 70 ms for a date and a time column), and where both read a value
    they agree, so trying ``strptime`` only when the cast fails gives what ``strptime`` first
    did: its values, else the cast's."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        return pc.cast(values, pa.timestamp("us"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    try:
        return pc.strptime(values, format=time_format or "", unit="us")
    except (pa.ArrowInvalid, ValueError):
        return None


_BOOLEANS = ("Yes", "No", "true", "false")
_TRUE = ("Yes", "true")


def from_text(values: Any, kind: str) -> Any:
    """A column the parser read as text (an Arrow array), typed by all of its values: whole
    numbers, else numbers; for an undescribed (``inferred``) column also booleans, dates and
    timestamps, and no type at all when every value is empty. Else the text as it came."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if values.null_count == len(values):  # Arrow casts no text to its null type: make one
        return pa.nulls(len(values), pa.float64() if kind == "number" else pa.null())
    candidates = [pa.float64()] if surely_not_whole(values) else [pa.int64(), pa.float64()]
    if kind == "inferred":
        present = pc.drop_null(values)
        if pc.all(pc.is_in(present, value_set=pa.array(_BOOLEANS))).as_py():
            return _booleans(values)
        candidates += [pa.date32(), pa.timestamp("us")]
    for target in candidates:
        try:
            return pc.cast(values, target)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
    return values


def _booleans(values: Any) -> Any:
    """``Yes``/``true`` true, ``No``/``false`` false, an empty cell null."""
    import pyarrow.compute as pc

    return pc.or_(pc.equal(values, _TRUE[0]), pc.equal(values, _TRUE[1]))


def _arrow_to_pandas(table: Any) -> pd.DataFrame:
    import pandas as pd
    import pyarrow as pa

    mapping = {pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}
    # the blocks' text let go of by now (``blockwise.py``) stays with Arrow's allocator, where
    # pandas' arrays (numpy's) cannot reuse it: given back first, it is the memory they take
    # (measured on 1M rows of ``demo::events``: 55 MiB of text, the call's peak RSS 195 MiB ->
    # 160 MiB, for 0.5 ms)
    pa.default_memory_pool().release_unused()
    # split_blocks: each column its own block, so pandas does not copy same-typed columns into
    # one 2-D block; with self_destruct each Arrow column is freed as it is converted
    converted: pd.DataFrame = table.to_pandas(
        types_mapper=mapping.get, self_destruct=True, split_blocks=True
    )
    return converted


def pandas_types(
    data: pd.DataFrame, columns: Mapping[str, Column], *, from_text: bool = False
) -> pd.DataFrame:
    """The same conversions as `_arrow_types` + `_arrow_to_pandas`, on a pandas frame;
    ``from_text``: the frame is CSV text (pandas' parser), so numbers and undescribed columns
    are typed from all of their values too (`_pandas_from_text`)."""
    import pandas as pd

    for name in data.columns:
        column = columns.get(str(name))
        kind = "inferred" if column is None else column.kind
        if from_text and kind in ("number", "inferred"):
            data[name] = _pandas_from_text(data[name], kind)
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
            converted = _numbers(series)  # JSON's numbers: whole ones stay whole beside a null
            if converted is not None:
                data[name] = converted
    return data


def _numbers(series: pd.Series) -> pd.Series | None:
    """``series`` as whole numbers (``Int64``), else numbers (``float64``); None when some
    value is not a number."""
    import pandas as pd

    numbers = pd.to_numeric(series, errors="coerce", dtype_backend="numpy_nullable")
    if numbers.isna().sum() != series.isna().sum():
        return None
    return numbers.astype("float64") if isinstance(numbers.dtype, pd.Float64Dtype) else numbers


def _pandas_from_text(series: pd.Series, kind: str) -> pd.Series:
    """`from_text` on pandas: whole numbers (``Int64``), else numbers (``float64``); for an
    undescribed column also booleans; else the text as it came."""

    if series.isna().all():
        return series.astype("float64") if kind == "number" else series.astype(object)
    numbers = _numbers(series)
    if numbers is not None:  # every value a number: nothing lost
        return numbers
    if kind == "inferred" and series.dropna().isin(_BOOLEANS).all():
        return series.map({v: v in _TRUE for v in _BOOLEANS}).astype("boolean")
    return series


def _empty(names: list[str], backend: Backend) -> Any:
    """A result with no rows: its columns, untyped."""
    if backend == "polars":
        import polars as pl

        return pl.DataFrame({n: [] for n in names})
    import pandas as pd

    return pd.DataFrame({n: pd.Series(dtype=object) for n in names})
