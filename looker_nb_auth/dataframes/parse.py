"""Step 5, parse: Looker's CSV, as it arrives, into columns named by field; and the one rule for
every results body a parser reads.

`guarded` is how each results body meets its parser (this CSV, a pivot's json_detail, SQL
Runner's json, ``to=``'s file): whatever the parser finds wrong with it (pyarrow's
``ArrowInvalid``, pandas' ``ParserError``, bytes that are not UTF-8, JSON too deep or of the
wrong shape) is `UnexpectedResponse` with a sentence, while what went wrong in reading it (a
lost connection, a stop) goes on as it was; ``max_bytes`` stops the download with
`ResultTooLarge` once the parser has read more; and once the parser is done, nothing more of
the body is read.

The header (Looker writes the fields' labels) becomes the field names (``header.py``: by what
names a field, never by position alone). The rows go through
pyarrow's streaming CSV reader when pyarrow is installed, pandas' C parser in chunks
otherwise, so the body is never held whole next to the result. Both read the columns by what
``describe.py`` says they hold: ``yesno`` becomes booleans, every other column is read as
text (a zip code keeps its leading zero), and only an empty cell is a null. No column's type is
guessed from the first block the parser reads (a number column empty for its first 25,000
rows, whole numbers that turn decimal later): ``dtypes.py`` types each column from the
metadata and, for numbers and undescribed columns (custom fields), from all of its values;
pyarrow's blocks go through ``blockwise.py``, which types the numbers and timestamps as each
block comes while every block reads the way the whole column would.
"""

from __future__ import annotations

import atexit
import csv as csv_module
import io
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from .._errors import LookerAuthError, ResultTooLarge, UnexpectedResponse
from .backends import has_pyarrow
from .blockwise import Beside, Blocks
from .describe import Column
from .header import field_names

__all__ = ["Engine", "Malformed", "Parsed", "csv", "guarded"]

T = TypeVar("T")
Engine = Literal["pyarrow", "pandas"]
RowCount = Callable[[int], None]
#: The parser reads the body through a buffer this big (pyarrow's block size).
BUFFER = 1 << 20


@dataclass
class Parsed:
    """What a parser read: the column names and, from the ``engine`` that read it, a pyarrow
    Table or a pandas DataFrame (None: the result has a header and no rows)."""

    names: list[str]
    engine: Engine
    table: Any = None
    cut: bool = False  # more rows came than ``max_rows``: the table holds the first ones


def csv(
    body: io.BufferedReader,
    *,
    columns: Mapping[str, Column],
    fields: list[str],
    on_rows: RowCount,
    engine: Engine | None = None,
    max_rows: int | None = None,
) -> Parsed:
    """Parse Looker's CSV (a header of labels, then rows) from ``body``; ``engine``: the
    parser (pyarrow when installed). Past ``max_rows`` rows it stops reading (``cut``)."""
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
        names = field_names(header, columns, fields)
    if engine is None:
        engine = "pyarrow" if has_pyarrow() else "pandas"
    if not body.peek(1):  # a header and no rows (pyarrow refuses an empty CSV)
        return Parsed(names, engine)
    read = _arrow_table if engine == "pyarrow" else _pandas_frame
    table, cut = read(body, names, columns, on_rows, max_rows)
    return Parsed(names, engine, table, cut)


def _arrow_table(
    body: io.BufferedReader,
    names: list[str],
    columns: Mapping[str, Column],
    on_rows: RowCount,
    max_rows: int | None,
) -> tuple[Any, bool]:
    """pyarrow's blocks of ``body``, typed as they come; ``body`` is lent to pyarrow (`_Lent`)
    and taken back before this returns."""
    lent = _Lent(body)
    released = lent.released
    whole = False
    try:
        table, cut = _arrow_blocks(lent, names, columns, on_rows, max_rows)
        whole = not cut
        return table, cut
    finally:
        lent.take_back()
        del lent
        # read to its end, pyarrow lets go at once; stopped early (a cut, an error), one of its
        # reads may wait for a body nobody feeds until this returns: then it is waited for at
        # exit, not here
        _wait_until_let_go(released, LET_GO if whole else 0.0)


def _arrow_blocks(
    source: _Lent,
    names: list[str],
    columns: Mapping[str, Column],
    on_rows: RowCount,
    max_rows: int | None,
) -> tuple[Any, bool]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    # every column's type is set here, none inferred from the first block (``dtypes.py``)
    types = {}
    for name in names:
        boolean = name in columns and columns[name].kind == "boolean"
        types[name] = pa.bool_() if boolean else pa.string()
    convert = pacsv.ConvertOptions(
        column_types=types,
        true_values=["Yes", "true"],
        false_values=["No", "false"],
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=False,
    )
    read = pacsv.ReadOptions(column_names=names, block_size=1 << 20, use_threads=True)
    # a quoted value may hold line breaks (RFC 4180), and a block must not end inside one: without
    # this, pyarrow cut blocks at any newline and refused the result ("out of sync")
    lines = pacsv.ParseOptions(newlines_in_values=True)
    blocks = Blocks(names, columns)  # numbers and timestamps typed as the blocks come
    rows, cut = 0, False
    # only pyarrow holds the lent body from here on, never this frame (`_Lent`); and pyarrow
    # reads it through a buffer of its own, twice a block, so no block it parses is Python's
    # memory (a buffer of a Python object also takes the GIL to be let go of)
    try:
        stream = pa.input_stream(source, buffer_size=2 * BUFFER)
    finally:
        del source
    try:
        reader = pacsv.open_csv(
            stream, read_options=read, parse_options=lines, convert_options=convert
        )
    finally:
        del stream
    try:
        schema = reader.schema
        if any(pa.types.is_binary(f.type) or pa.types.is_large_binary(f.type) for f in schema):
            raise Malformed("it is not UTF-8 text")  # pyarrow reads such a column as bytes
        with Beside(blocks) as typing:
            for batch in reader:
                if max_rows is not None and rows + batch.num_rows > max_rows:
                    batch, cut = batch.slice(0, max_rows - rows), True
                typing.add(batch)
                rows += batch.num_rows
                on_rows(rows)
                if cut:
                    break
    finally:
        reader.close()
        del reader
    return blocks.table(schema), cut


class _Lent:
    """The body as lent to pyarrow's CSV reader, taken back (`take_back`) when the parse ends.

    pyarrow keeps the file it reads from in objects of its own, and the last of them may be let
    go of on one of pyarrow's threads after the reader is closed; letting go of a Python file
    takes the GIL, and at the interpreter's exit that ends the thread in the middle of C++,
    which aborts the process ("terminate called without an active exception": a script or cron
    job that ran a query exited -6, about once in 20 runs). So pyarrow gets this stand-in, which
    nothing else holds: once the parse has taken the body back, it waits until ``released``
    (pyarrow let go of the stand-in), after which no thread of pyarrow's touches Python for it.
    """

    closed = False  # pyarrow checks it

    def __init__(self, body: io.BufferedReader) -> None:
        self._body: io.BufferedReader | None = body
        self._taken = threading.Event()
        self.released = threading.Event()
        weakref.finalize(self, self.released.set)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        body, taken = self._body, self._taken
        del self  # pyarrow keeps a failed read's traceback: it must not hold the stand-in
        if body is None:
            return b""
        try:
            return body.read(size)
        except Exception:
            if taken.is_set():
                return b""  # taken back: to pyarrow, the end of the body (not an error it keeps)
            raise

    def close(self) -> None:
        """pyarrow closes its file with the reader; the body is the caller's to close."""

    def take_back(self) -> None:
        """From now on pyarrow reads nothing more (its next read is the end)."""
        self._taken.set()
        self._body = None


#: Seconds a parse waits for pyarrow to let go of the body it lent (at once, unless one of
#: pyarrow's reads is under way); a slower one is waited for at exit.
LET_GO = 1.0
_held: set[threading.Event] = set()


def _wait_until_let_go(released: threading.Event, seconds: float) -> None:
    if released.wait(seconds):
        return
    atexit.unregister(_let_go_at_exit)  # registered once, however many are held
    atexit.register(_let_go_at_exit)
    _held.difference_update([e for e in _held if e.is_set()])
    _held.add(released)


def _let_go_at_exit() -> None:
    """Before the interpreter ends (while pyarrow's threads may still take the GIL), give the
    bodies pyarrow still holds `LET_GO` seconds in all to be let go of."""
    deadline = time.monotonic() + LET_GO
    for released in list(_held):
        released.wait(max(0.0, deadline - time.monotonic()))
    _held.clear()


def _pandas_frame(
    body: io.BufferedReader,
    names: list[str],
    columns: Mapping[str, Column],
    on_rows: RowCount,
    max_rows: int | None,
) -> tuple[Any, bool]:
    import pandas as pd

    text = dict.fromkeys(names, str)  # typed from the whole column (``dtypes.py``)
    chunks = []
    rows, cut = 0, False
    chunk_rows = 100_000 if max_rows is None else min(100_000, max_rows + 1)
    with pd.read_csv(
        body,
        header=None,
        names=names,
        dtype=text,
        keep_default_na=False,
        na_values=[""],
        chunksize=chunk_rows,
        dtype_backend="numpy_nullable",  # whole numbers with nulls stay whole (Int64)
    ) as reader:
        for chunk in reader:
            if not isinstance(chunk.index, pd.RangeIndex):  # pandas took a column as the index
                raise Malformed("a row has more cells than the header")
            if max_rows is not None and rows + len(chunk) > max_rows:
                chunk, cut = chunk.iloc[: max_rows - rows], True
            chunks.append(chunk)
            rows += len(chunk)
            on_rows(rows)
            if cut:
                break
    frame = pd.concat(chunks, ignore_index=True)
    for name in frame.columns:  # as pyarrow's path gives them: float64 (NaN), str
        if isinstance(frame[name].dtype, pd.Float64Dtype):
            frame[name] = frame[name].astype("float64")
        elif isinstance(frame[name].dtype, pd.StringDtype):
            frame[name] = frame[name].astype(object).where(frame[name].notna(), None).astype(str)
    return frame, cut


# -- the one rule for every results body -------------------------------------------------------


class Malformed(Exception):
    """Raised by a parser on a body it could read but that is not what Looker sends;
    ``reason`` ends the sentence's parenthesis ("it is not UTF-8 text")."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def guarded(
    consume: Callable[[io.BufferedReader], T],
    body: io.BufferedReader,
    *,
    what: str,
    max_bytes: int | None,
) -> T:
    """``consume(body)`` (a parser) under the rule of this module: ``what`` names the body in
    the sentence ("Looker's CSV result"). A `Receive`'s ``consume`` is this, ``consume`` bound
    with ``functools.partial``."""
    source = _Source(body, max_bytes)
    try:
        return consume(io.BufferedReader(source, BUFFER))
    except Exception as error:
        if source.failed is error:
            raise
        if source.failed is not None:  # the parser wrapped what went wrong in reading
            raise source.failed from None
        if isinstance(error, (LookerAuthError, MemoryError, ImportError)):
            raise
        raise UnexpectedResponse(
            f"{what} came back malformed ({_reason(error)}), so nothing of it was kept; run "
            "it again, and if this repeats, check that base_url reaches Looker itself rather "
            "than a proxy that changes its answers."
        ) from error
    finally:
        source.stop()  # a parser's read-ahead (pyarrow's) reads no further


def _reason(error: Exception) -> str:
    """What the parser found, by the type of its error (its message may quote the data)."""
    if isinstance(error, Malformed):
        return error.reason
    if isinstance(error, UnicodeError):
        return "it is not UTF-8 text"
    if isinstance(error, RecursionError):
        return "it is nested too deeply to read"
    if isinstance(error, ValueError):  # pyarrow's ArrowInvalid, pandas' ParserError, json's
        return "it does not parse"
    return "it is not shaped as Looker's results are"


class _Source(io.RawIOBase):
    """The body as a parser reads it: counted against ``max_bytes``, keeping what went wrong in
    reading it (that is not the parser's finding), and ended for good once `stop` is called."""

    def __init__(self, body: io.BufferedReader, max_bytes: int | None) -> None:
        self._body = body
        self._max_bytes = max_bytes
        self._stopped = False
        self.bytes_read = 0
        self.failed: BaseException | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._stopped:
            return 0
        try:
            size = self._body.readinto1(buffer)
        except BaseException as error:
            self.failed = error
            raise
        self.bytes_read += size
        if self._max_bytes is not None and self.bytes_read > self._max_bytes:
            self.failed = ResultTooLarge(
                f"The result grew past max_bytes={self._max_bytes:,} bytes, so its download was "
                "stopped and nothing of it was kept; ask for fewer rows (limit=, filters=) or "
                "pass a higher max_bytes."
            )
            raise self.failed
        return size

    def stop(self) -> None:
        self._stopped = True
