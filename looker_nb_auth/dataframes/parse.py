"""Step 5, parse: Looker's CSV, as it arrives, into columns named by field.

The header (Looker writes the fields' labels) becomes the field names. The rows go through
pyarrow's streaming CSV reader when pyarrow is installed, pandas' C parser in chunks
otherwise, so the body is never held whole next to the result. Both read the columns by what
``describe.py`` says they hold: text stays text (a zip code keeps its leading zero), ``yesno``
becomes booleans, only an empty cell is a null; numbers and everything undescribed are
inferred. ``dtypes.py`` then types what they read.
"""

from __future__ import annotations

import csv as csv_module
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .._errors import UnexpectedResponse
from .backends import has_pyarrow
from .describe import Column

__all__ = ["Engine", "Parsed", "csv"]

Engine = Literal["pyarrow", "pandas"]
RowCount = Callable[[int], None]
_TEXT = ("string", "datetime", "quarter")  # kinds read as text; dtypes.py converts the times


@dataclass
class Parsed:
    """What a parser read: the column names and, from the ``engine`` that read it, a pyarrow
    Table or a pandas DataFrame (None: the result has a header and no rows)."""

    names: list[str]
    engine: Engine
    table: Any = None


def csv(
    body: io.BufferedReader,
    *,
    columns: Mapping[str, Column],
    fields: list[str],
    on_rows: RowCount,
    engine: Engine | None = None,
) -> Parsed:
    """Parse Looker's CSV (a header of labels, then rows) from ``body``; ``engine``: the
    parser (pyarrow when installed)."""
    first = body.readline()
    if not first.strip():
        names = list(fields)
    else:
        try:
            header = next(csv_module.reader([first.decode("utf-8-sig")]))
        except (UnicodeDecodeError, csv_module.Error, StopIteration):
            raise UnexpectedResponse(
                "Looker's CSV result does not start with a header row; run the query again."
            ) from None
        names = _header_names(header, columns, fields)
    if engine is None:
        engine = "pyarrow" if has_pyarrow() else "pandas"
    if not body.peek(1):  # a header and no rows (pyarrow refuses an empty CSV)
        return Parsed(names, engine)
    if engine == "pyarrow":
        return Parsed(names, engine, _arrow_table(body, names, columns, on_rows))
    return Parsed(names, engine, _pandas_frame(body, names, columns, on_rows))


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
    body: io.BufferedReader, names: list[str], columns: Mapping[str, Column], on_rows: RowCount
) -> Any:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    types = {}
    for name in names:
        kind = columns[name].kind if name in columns else "inferred"
        if kind in _TEXT:
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
    reader = pacsv.open_csv(body, read_options=read, convert_options=convert)
    batches = []
    rows = 0
    for batch in reader:
        batches.append(batch)
        rows += batch.num_rows
        on_rows(rows)
    return pa.Table.from_batches(batches, schema=reader.schema)


def _pandas_frame(
    body: io.BufferedReader, names: list[str], columns: Mapping[str, Column], on_rows: RowCount
) -> Any:
    import pandas as pd

    text = {n: str for n in names if n in columns and columns[n].kind in _TEXT}
    chunks = []
    rows = 0
    reader = pd.read_csv(
        body,
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
    frame = pd.concat(chunks, ignore_index=True)
    for name in frame.columns:  # as pyarrow's path gives them: float64 (NaN), str
        if isinstance(frame[name].dtype, pd.Float64Dtype):
            frame[name] = frame[name].astype("float64")
        elif isinstance(frame[name].dtype, pd.StringDtype):
            frame[name] = frame[name].astype(object).where(frame[name].notna(), None).astype(str)
    return frame
