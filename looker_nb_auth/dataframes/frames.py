"""Looker results into typed DataFrames: field metadata → dtypes, a CSV stream → pandas/polars.

Looker's field metadata (``LookmlModelExploreField``: what ``json_detail`` and the explore API
describe) gives each column its LookML ``type``; `Column` turns that into what the DataFrame
holds: ``yesno`` a boolean, numbers and measures numbers (integers as ``Int64``, so a null stays
a null), dates and timestamps ``datetime64``, quarters the quarter's first day, strings (zip
codes too) strings. A field the metadata does not describe (a custom field, SQL Runner) keeps
what the parser infers.

The CSV is parsed as it arrives: pyarrow's streaming reader when pyarrow is installed, pandas'
C parser in chunks otherwise, so the body is never held whole next to the DataFrame.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from .._errors import BackendNotInstalled, UnexpectedResponse

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "BACKENDS",
    "Column",
    "Stream",
    "columns_from_metadata",
    "csv_frame",
    "has_pyarrow",
    "looker_json",
    "pivot_frame",
    "records_frame",
    "require_backend",
]

Backend = Literal["pandas", "polars"]
BACKENDS: tuple[Backend, ...] = ("pandas", "polars")
Kind = Literal["string", "number", "boolean", "datetime", "quarter", "inferred"]

# LookML types (as query results and explore metadata name them) by what they hold.
_STRING_TYPES = {
    "string",
    "zipcode",
    "tier",
    "location",
    "list",
    "date_day_of_week",
    "date_month_name",
    "date_fiscal_quarter_of_year",
    "date_quarter_of_year",
}
_NUMBER_PREFIXES = ("duration", "date_day_of_month", "date_day_of_year", "date_hour_of_day")
_NUMBER_TYPES = {
    "number",
    "count",
    "count_distinct",
    "sum",
    "sum_distinct",
    "average",
    "average_distinct",
    "min",
    "max",
    "median",
    "median_distinct",
    "percentile",
    "percentile_distinct",
    "percent_of_total",
    "percent_of_previous",
    "running_total",
    "date_year",
    "date_fiscal_year",
    "date_month_num",
    "date_fiscal_month_num",
    "date_week_of_year",
    "date_day_of_week_index",
    "date_minute_of_hour",
}
# Timeframes whose values are a point in time, and how Looker writes them.
_TIME_FORMATS = {
    "date_time": "%Y-%m-%d %H:%M:%S",
    "date_second": "%Y-%m-%d %H:%M:%S",
    "date_minute": "%Y-%m-%d %H:%M",
    "date_hour": "%Y-%m-%d %H",
    "date_date": "%Y-%m-%d",
    "date_week": "%Y-%m-%d",
    "date_month": "%Y-%m",
    "date": "%Y-%m-%d",
}
_QUARTER_TYPES = {"date_quarter", "date_fiscal_quarter"}


@dataclass(frozen=True)
class Column:
    """One result column: Looker's field ``name``, its ``label`` and what its values are."""

    name: str
    label: str = ""
    kind: Kind = "inferred"
    time_format: str | None = None

    @classmethod
    def from_field(cls, field: Mapping[str, Any]) -> Column:
        """From a ``LookmlModelExploreField`` / json_detail field description."""
        name = str(field.get("name") or "")
        label = str(field.get("label") or field.get("label_short") or name)
        lookml_type = str(field.get("type") or "")
        kind: Kind
        time_format = None
        if lookml_type == "yesno":
            kind = "boolean"
        elif lookml_type in _TIME_FORMATS:
            kind, time_format = "datetime", _TIME_FORMATS[lookml_type]
        elif lookml_type.startswith(("date_minute", "date_millisecond", "date_microsecond")):
            kind = "datetime"  # date_minute15 and finer: let the ISO parser read them
        elif lookml_type in _QUARTER_TYPES:
            kind = "quarter"
        elif lookml_type in _STRING_TYPES:
            kind = "string"
        elif (
            lookml_type in _NUMBER_TYPES
            or lookml_type.startswith(_NUMBER_PREFIXES)
            or field.get("measure") is True
            or field.get("category") == "measure"
            or field.get("is_numeric") is True
        ):
            kind = "number"
        else:
            kind = "inferred"
        return cls(name=name, label=label, kind=kind, time_format=time_format)


def columns_from_metadata(fields: Mapping[str, Any]) -> dict[str, Column]:
    """``{"dimensions": [...], "measures": [...], ...}`` → the columns by field name."""
    columns: dict[str, Column] = {}
    for group in ("dimensions", "measures", "pivots", "table_calculations", "filters"):
        for field in fields.get(group) or ():
            if isinstance(field, Mapping) and field.get("name"):
                columns.setdefault(str(field["name"]), Column.from_field(field))
    return columns


def has_pyarrow() -> bool:
    try:
        import pyarrow.csv  # noqa: F401
    except ImportError:
        return False
    return True


def require_backend(backend: str) -> None:
    """Check the DataFrame library is there before asking Looker for anything."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be 'pandas' or 'polars', not {backend!r}")
    try:
        if backend == "pandas":
            import pandas  # noqa: F401
        else:
            import polars  # noqa: F401
    except ImportError:
        raise BackendNotInstalled(
            f"DataFrames need {backend}, which is not installed; run pip install "
            f"'looker-nb-auth[{backend}]' and restart the kernel."
        ) from None
    if backend == "polars" and not has_pyarrow():
        raise BackendNotInstalled(
            "backend='polars' needs pyarrow, which is not installed; run pip install "
            "'looker-nb-auth[polars]' and restart the kernel."
        )


class Stream(io.RawIOBase):
    """A readable file over an iterator of byte chunks (an httpx response body), counting
    bytes as they are read, so parsers that want a file read the body as it arrives."""

    def __init__(self, chunks: Iterable[bytes], on_read: Callable[[int], None] | None = None):
        self._chunks: Iterator[bytes] = iter(chunks)
        self._pending = b""
        self._on_read = on_read
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        view = memoryview(buffer).cast("B")
        size = min(len(view), len(self._pending))
        view[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        self.bytes_read += size
        if self._on_read is not None:
            self._on_read(self.bytes_read)
        return size


def _header_names(header: list[str], columns: Mapping[str, Column], fields: list[str]) -> list[str]:
    """The field names of Looker's CSV header (labels): matched through the metadata's labels,
    else the query's fields in order, else the labels themselves."""
    by_label: dict[str, str] = {}
    for column in columns.values():
        by_label.setdefault(column.label, column.name)
        by_label.setdefault(column.name, column.name)
    names = [by_label.get(label) for label in header]
    if all(names) and len(set(names)) == len(names):
        return [str(n) for n in names]
    if len(fields) == len(header):
        return list(fields)
    return header


def _arrow_table(
    stream: io.BufferedIOBase, names: list[str], columns: Mapping[str, Column], on_rows: RowCount
) -> Any:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    types = {}
    for name in names:
        kind = columns[name].kind if name in columns else "inferred"
        if kind in ("string", "datetime", "quarter"):
            types[name] = pa.string()
        elif kind == "boolean":
            types[name] = pa.bool_()
    convert = pacsv.ConvertOptions(
        column_types=types,
        true_values=["Yes", "true"],
        false_values=["No", "false"],
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=False,
    )
    read = pacsv.ReadOptions(column_names=names, block_size=1 << 20, use_threads=True)
    reader = pacsv.open_csv(stream, read_options=read, convert_options=convert)
    batches = []
    rows = 0
    for batch in reader:
        batches.append(batch)
        rows += batch.num_rows
        on_rows(rows)
    table = pa.Table.from_batches(batches, schema=reader.schema)
    del batches
    return _arrow_types(table, columns)


def _arrow_types(table: Any, columns: Mapping[str, Column]) -> Any:
    """Dates, timestamps and quarters from their text, in Arrow (fast, no Python objects)."""
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
    frame: pd.DataFrame = table.to_pandas(types_mapper=mapping.get, self_destruct=True)
    return frame


RowCount = Callable[[int], None]


def _pandas_types(frame: pd.DataFrame, columns: Mapping[str, Column]) -> pd.DataFrame:
    """The same conversions as `_arrow_types` + `_arrow_to_pandas`, on a pandas frame."""
    import pandas as pd

    for name in frame.columns:
        column = columns.get(str(name))
        series = frame[name]
        if column is not None and column.kind == "boolean":
            frame[name] = series.map({"Yes": True, "No": False, True: True, False: False}).astype(
                "boolean"
            )
        elif column is not None and column.kind == "datetime":
            try:
                frame[name] = pd.to_datetime(series, format=column.time_format or "ISO8601")
            except (ValueError, TypeError):
                # not the format Looker uses: ISO 8601, else leave the text as it came
                with contextlib.suppress(ValueError, TypeError):
                    frame[name] = pd.to_datetime(series, format="ISO8601")
        elif column is not None and column.kind == "quarter":
            try:
                periods = pd.PeriodIndex(series.str.replace("-", ""), freq="Q")
                frame[name] = periods.to_timestamp()
            except (ValueError, TypeError, AttributeError):
                pass
        elif pd.api.types.is_integer_dtype(series) and not isinstance(series.dtype, pd.Int64Dtype):
            frame[name] = series.astype("Int64")
        elif column is not None and column.kind == "number" and series.dtype == object:
            converted = pd.to_numeric(series, errors="coerce")
            if converted.isna().sum() == series.isna().sum():  # numbers after all, nothing lost
                frame[name] = converted
    return frame


def _pandas_csv(
    stream: io.BufferedIOBase, names: list[str], columns: Mapping[str, Column], on_rows: RowCount
) -> pd.DataFrame:
    import pandas as pd

    text = {
        n: str
        for n in names
        if n in columns and columns[n].kind in ("string", "datetime", "quarter")
    }
    chunks = []
    rows = 0
    reader = pd.read_csv(
        stream,
        header=None,
        names=names,
        dtype=text,
        keep_default_na=False,
        na_values=[""],
        chunksize=100_000,
        dtype_backend="numpy_nullable",  # whole numbers with nulls stay whole (Int64)
    )
    for chunk in reader:
        chunks.append(chunk)
        rows += len(chunk)
        on_rows(rows)
    frame = pd.concat(chunks, ignore_index=True) if chunks else _empty(names, "pandas")
    for name in frame.columns:  # as pyarrow's path gives them: float64 (NaN), str
        if isinstance(frame[name].dtype, pd.Float64Dtype):
            frame[name] = frame[name].astype("float64")
        elif isinstance(frame[name].dtype, pd.StringDtype):
            frame[name] = frame[name].astype(object).where(frame[name].notna(), None).astype(str)
    return _pandas_types(frame, columns)


def csv_frame(
    stream: io.BufferedReader[Any],
    *,
    columns: Mapping[str, Column],
    fields: list[str],
    backend: Backend,
    on_rows: RowCount,
    engine: Literal["pyarrow", "pandas"] | None = None,
) -> Any:
    """Parse Looker's CSV (a header of labels, then rows) from ``stream`` into a DataFrame whose
    columns are the field names; ``engine``: the parser (pyarrow when installed)."""
    first = stream.readline()
    if not first.strip():
        names = list(fields)
    else:
        try:
            header = next(csv.reader([first.decode("utf-8-sig")]))
        except (UnicodeDecodeError, csv.Error, StopIteration):
            raise UnexpectedResponse(
                "Looker's CSV result does not start with a header row; run the query again."
            ) from None
        names = _header_names(header, columns, fields)
    if engine is None:
        engine = "pyarrow" if has_pyarrow() else "pandas"
    if not stream.peek(1):  # a header and no rows (pyarrow refuses an empty CSV)
        return _empty(names, backend)
    if engine == "pyarrow":
        table = _arrow_table(stream, names, columns, on_rows)
        if backend == "polars":
            import polars as pl

            return pl.from_arrow(table)
        return _arrow_to_pandas(table)
    return _pandas_csv(stream, names, columns, on_rows)


def _empty(names: list[str], backend: Backend) -> Any:
    if backend == "polars":
        import polars as pl

        return pl.DataFrame({n: [] for n in names})
    import pandas as pd

    return pd.DataFrame({n: pd.Series(dtype=object) for n in names})


def records_frame(rows: list[dict[str, Any]], backend: Backend) -> Any:
    """Rows as JSON objects (SQL Runner's json): the values keep the types JSON gave them."""
    if backend == "polars":
        import polars as pl

        return pl.DataFrame(rows, infer_schema_length=None)
    import pandas as pd

    frame = pd.DataFrame.from_records(rows)
    return _pandas_types(frame, {})


def _cell(value: Any) -> Any:
    return value.get("value") if isinstance(value, Mapping) else value


def pivot_frame(
    body: Mapping[str, Any], columns: Mapping[str, Column], backend: Backend
) -> tuple[Any, int]:
    """A pivoted json_detail result: the non-pivot dimensions as the row index, a column per
    (measure, pivot value...) as a column MultiIndex. Returns the frame and its row count."""
    import pandas as pd

    fields = body.get("fields") or {}
    described = {**columns, **columns_from_metadata(fields)}
    dimensions = [str(f["name"]) for f in fields.get("dimensions") or ()]
    measures = [str(f["name"]) for f in fields.get("measures") or ()]
    measures += [str(f["name"]) for f in fields.get("table_calculations") or ()]
    pivot_fields = [str(f["name"]) for f in fields.get("pivots") or ()]
    pivots = [p for p in body.get("pivots") or () if not p.get("is_total")]
    data = body.get("data") or []
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
    frame = _pandas_types(frame, typed)
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


def looker_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        raise UnexpectedResponse(
            "Looker's answer is not the JSON a Looker API sends; check base_url and try again."
        ) from None
