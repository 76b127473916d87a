"""Step 7, annotate: what the DataFrame says of itself, and the warning a short result needs.

``df.attrs`` holds the fields' labels and the query's id (pandas); ``labels=True`` names the
columns (and a pivot's field level, the row index) by the labels. A result as long as its row
limit warns `ResultTruncated`: Looker cuts results at the limit without saying so.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

from .._errors import ResultTruncated
from .backends import Backend
from .describe import Column, Query

__all__ = ["DEFAULT_ROW_LIMIT", "annotate", "warn_if_truncated"]

#: Looker's row limit for a query that sets none.
DEFAULT_ROW_LIMIT = 500
#: From `warn_if_truncated`: the pipeline's flow, the loop driving it, ``run_query``, the caller.
_CALLER = 5


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


def warn_if_truncated(rows: int, limit: int | None) -> None:
    """Warn when a result is as long as its row limit (Looker's default when it has none)."""
    if limit is None:
        limit = DEFAULT_ROW_LIMIT
    if limit >= 0 and rows >= limit:
        warnings.warn(
            f"Looker returned {rows:,} rows, the query's row limit, so the result may be cut "
            "short; pass limit=-1 for every row (or a higher limit).",
            ResultTruncated,
            stacklevel=_CALLER,
        )
