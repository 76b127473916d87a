"""Step 7, annotate: what the DataFrame says of itself, and the warning a short result needs.

``df.attrs`` holds the fields' labels and the query's id (pandas); ``labels=True`` names the
columns (and a pivot's field level, the row index) by the labels. A result as long as a row
limit the caller did not set (Looker's default, a Look's own) warns `ResultTruncated`: Looker
cuts results at the limit without saying so; a limit the caller set gives what it asked for.
A result the parser cut at the limit asked for (Looker sent more) warns too, and says so.
A ``limit=-1`` result as long as a cap Looker applies silently (`SILENT_CAPS`: a user
without ``download_without_limit``, a query that does not stream) warns too, whoever set the
limit; so does a SQL Runner result as long as its 5,000-row cap. A table calculation null in
every row warns `ColumnEmpty`: Looker may not have computed it. Each warning points at the
caller's line: the first frame outside this package.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

from .._errors import ColumnEmpty, ResultTruncated
from .backends import Backend
from .describe import Column, Query

__all__ = [
    "DEFAULT_ROW_LIMIT",
    "SILENT_CAPS",
    "SQL_RUNNER_CAP",
    "annotate",
    "say",
    "warn_if_calculations_empty",
    "warn_if_sql_runner_cut",
    "warn_if_truncated",
]

#: Looker's row limit for a query that sets none.
DEFAULT_ROW_LIMIT = 500
#: Row counts at which Looker cuts a ``limit=-1`` result without saying so: the browser's and
#: SQL Runner's 5,000, the legacy 50,000 for results that do not stream, and the download
#: maximum (100,000 unless an admin changed it).
SILENT_CAPS = frozenset({5_000, 50_000, 100_000})
#: SQL Runner's row cap (Looker's row-limits page).
SQL_RUNNER_CAP = 5_000
#: Where the package's own frames are (``looker_nb_auth/``).
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def annotate(
    frame: Any, columns: Mapping[str, Column], saved: Query, backend: Backend, labels: bool
) -> None:
    """``df.attrs``: the field labels, the query id; ``labels=True`` shows the labels."""
    import pandas as pd

    by_field = {name: column.label for name, column in columns.items() if name in saved.fields}
    if backend == "polars":
        if labels:
            frame.columns = [by_field.get(c, c) for c in frame.columns]
        return
    frame.attrs["labels"] = by_field
    frame.attrs["query_id"] = saved.id
    if labels:
        if isinstance(frame.columns, pd.MultiIndex):  # pivots: (field, pivot values...)
            frame.columns = frame.columns.set_levels(
                [by_field.get(n, n) for n in frame.columns.levels[0]], level=0
            )
        else:
            frame.columns = [by_field.get(c, c) for c in frame.columns]
        frame.index.names = [by_field.get(n, n) if n else n for n in frame.index.names]


def warn_if_truncated(rows: int, limit: int | None, *, asked: bool, cut: bool) -> None:
    """Warn when rows past ``limit`` came and were not kept (``cut``), or when a result is as
    long as a row limit the caller did not set (not ``asked``; Looker's default when none)."""
    if cut:
        sentence = (
            f"Looker sent more rows than the limit of {limit:,} asked for (a proxy or Looker "
            f"ignored it), so only the first {rows:,} were kept and the rest was not downloaded; "
            "pass limit=-1 for every row."
        )
    elif limit is not None and limit < 0 and rows in SILENT_CAPS:
        sentence = (
            f"Looker returned {rows:,} rows for limit=-1 (every row), exactly one of its row "
            "caps, so the result is likely cut short: Looker sends every row only to a user "
            "with the download_without_limit permission and for a query that streams (table "
            "calculations, totals and some pivots stop it streaming); ask your Looker admin "
            "for that permission, or drop the table calculations, or split the query with "
            "filters."
        )
    elif asked:
        return  # the caller has the rows it asked for
    else:
        limit = DEFAULT_ROW_LIMIT if limit is None else limit
        if limit < 0 or rows < limit:
            return
        sentence = (
            f"Looker returned {rows:,} rows, the query's row limit, so the result may be cut "
            "short; pass limit=-1 for every row (or a higher limit)."
        )
    warnings.warn(sentence, ResultTruncated, stacklevel=_callers_level())


def warn_if_calculations_empty(
    frame: Any, columns: Mapping[str, Column], saved: Query, rows: int
) -> None:
    """Warn for each table calculation of the query whose column (all of its pivot columns) is
    null in every one of ``rows`` rows: a Looker that drops ``server_table_calcs`` sends them
    so. Called before ``labels=True`` renames the columns."""
    if rows == 0:
        return
    for name in saved.fields:
        column = columns.get(name)
        if column is None or column.category != "table_calculation":
            continue
        if _all_null(frame, name):
            shown = f"'{name}' ({column.label})" if column.label not in ("", name) else f"'{name}'"
            sentence = (
                f"Table calculation {shown} is empty in all {rows:,} rows: Looker may not have "
                "computed it (a Looker or proxy that drops server_table_calcs); check the "
                "query in Looker's Explore before relying on the column."
            )
            warnings.warn(sentence, ColumnEmpty, stacklevel=_callers_level())


def _all_null(frame: Any, name: str) -> bool:
    """Whether the column ``name`` (pandas: with its pivot columns; polars: flat, with
    ``name|value`` pivot columns) holds no value; False when the frame has no such column."""
    names = [str(c) for c in frame.columns]
    if hasattr(frame, "null_count"):  # polars
        found = [c for c in names if c == name or c.startswith(f"{name}|")]
        return bool(found) and all(frame[c].null_count() == frame.height for c in found)
    if name not in frame.columns:
        return False
    return bool(frame[name].isna().to_numpy().all())


def warn_if_sql_runner_cut(rows: int) -> None:
    """Warn when SQL Runner's result is as long as its cap: the rest was not sent."""
    if rows != SQL_RUNNER_CAP:
        return
    sentence = (
        f"SQL Runner returned {rows:,} rows, its row cap, so the result is likely cut short; "
        "run the query as a LookML query with run_query(..., limit=-1), or split the SQL with "
        "WHERE clauses (or aggregate it in the database)."
    )
    warnings.warn(sentence, ResultTruncated, stacklevel=_callers_level())


def say(sentences: Iterable[tuple[str, type[Warning]]]) -> None:
    """Warn each (sentence, category) a parser found, at the caller's line (parsers run in a
    worker thread, where no warning can point at it)."""
    for sentence, category in sentences:
        warnings.warn(sentence, category, stacklevel=_callers_level())


def _callers_level() -> int:
    """The ``stacklevel`` of the first frame outside this package, seen from the function that
    calls this one: the caller's line, whichever loop, flow or wrapper is between."""
    frame = sys._getframe(1)
    level = 1
    while frame.f_code.co_filename.startswith(_PACKAGE):
        if frame.f_back is None:
            return 1
        frame, level = frame.f_back, level + 1
    return level
