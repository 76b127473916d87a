"""A saved query's ``dynamic_fields``: its table calculations and custom fields, as columns.

The explore's metadata knows only LookML fields, so a table calculation (``share``) or a custom
measure would come back unnamed by any label and untyped. Looker keeps them on the query as a
JSON string, a list of entries, each named by its key (``table_calculation``, ``measure`` or
``dimension``) with its ``label`` and a ``_type_hint`` (as the Explore writes them, e.g.
``{"table_calculation": "share", "label": "Share", "expression": "...", "_kind_hint":
"measure", "_type_hint": "number"}``). Each becomes a `Column`: its name, its own label, its
category, and the kind its declared type calls for (a custom measure's ``type`` too); a type
this does not know leaves the column to the parser's inference. What cannot be read adds no
column: the header check (``header.py``) still refuses a column nothing names.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from .describe import Column, Kind

__all__ = ["dynamic_columns"]

_KEYS = {"table_calculation": "table_calculation", "measure": "measure", "dimension": "dimension"}
#: ``_type_hint`` values by the kind of their values (dates: ISO text, for the ISO parser).
_HINTS: dict[str, Kind] = {
    "number": "number",
    "string": "string",
    "yesno": "boolean",
    "date": "datetime",
    "date_date": "datetime",
    "date_time": "datetime",
    "datetime": "datetime",
    "timestamp": "datetime",
}
#: Custom measure types whose values are numbers, whatever the hint says.
_COUNTING = {"count", "count_distinct", "sum", "average", "min", "max", "median", "percentile"}


def dynamic_columns(value: object) -> dict[str, Column]:
    """The columns ``dynamic_fields`` (a JSON string, or None) describes, by field name."""
    if not isinstance(value, str) or not value.strip():
        return {}
    try:
        entries = json.loads(value)
    except ValueError:
        return {}
    if not isinstance(entries, list):
        return {}
    found: dict[str, Column] = {}
    for entry in entries:
        column = _column(entry) if isinstance(entry, Mapping) else None
        if column is not None:
            found[column.name] = column
    return found


def _column(entry: Mapping[str, object]) -> Column | None:
    keys = [key for key in _KEYS if isinstance(entry.get(key), str) and entry[key]]
    if len(keys) != 1 or entry.get("is_disabled") is True:
        return None
    category = keys[0]
    name = str(entry[category])
    label = entry.get("label")
    shown = label if isinstance(label, str) and label else name.replace("_", " ").title()
    hint = entry.get("_type_hint")
    kind: Kind = _HINTS.get(hint, "inferred") if isinstance(hint, str) else "inferred"
    if category == "measure" and entry.get("type") in _COUNTING:
        kind = "number"
    return Column(name=name, label=shown, kind=kind, label_short=shown, category=category)
