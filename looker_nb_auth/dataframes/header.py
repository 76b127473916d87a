"""Step 5's first line: which field each column of Looker's CSV holds, from its header.

Looker writes a header of labels, and says neither which text (the field's ``label``, "Orders
Region"; its ``label_short``, "Region"; a label the explore metadata does not give) nor which
column order (the query's ``fields``; the Explore's data table puts dimensions before measures
and measures before table calculations). Two fields may share a label (two joined views with one
``view_label``). So a column is named only by what says which field it is:

1. each header cell is a name or label of exactly one of the query's fields, a different field
   for each cell: the columns are those fields, whatever their order (one cell that names
   nothing is the one field left, if one is: a custom field the metadata does not describe);
2. else (labels shared by several fields) the cells match the query's fields in the query's
   order or dimensions first, cell by cell, and every order that matches names the columns
   alike;
3. else `UnexpectedResponse`: no column is named by its position alone.

A field of the query that no column holds is `UnexpectedResponse` too: a DataFrame without a
column the query asks for is wrong. A table calculation is the likely one: Looker computes
those only when a run asks it to (``server_table_calcs``, which ``task.py`` sends).
"""

from __future__ import annotations

from collections.abc import Mapping

from .._errors import UnexpectedResponse
from .describe import Column

__all__ = ["field_names"]

_RANKS = {"dimension": 0, "measure": 1, "table_calculation": 2}


def field_names(header: list[str], columns: Mapping[str, Column], fields: list[str]) -> list[str]:
    """The field of each cell of ``header``, by the query's ``fields`` and what ``columns``
    (the explore's metadata, the query's custom fields) call them."""
    texts = {name: _texts(name, columns.get(name)) for name in fields}
    found = _one_to_one(header, texts)
    if found is not None:
        _check_whole(found, columns, fields)
        return found
    agreed = {
        tuple(order)
        for order in _orders(fields, columns)
        if len(order) == len(header)
        and all(c in texts[f] for c, f in zip(header, order, strict=False))
    }
    if len(agreed) == 1:
        return list(agreed.pop())
    unknown = [cell for cell in header if not any(cell in t for t in texts.values())]
    why = (
        f"names no field of the query ({', '.join(repr(c) for c in unknown[:3])})"
        if unknown
        else "gives several fields one label, in an order that does not say which is which"
    )
    raise UnexpectedResponse(
        f"Looker's CSV header {why}, so its columns were not named by guessing and nothing was "
        "kept; give the fields distinct labels (a custom label or series label in the query's "
        "visualization can hide them), or run the query with only the fields you need."
    )


def _check_whole(found: list[str], columns: Mapping[str, Column], fields: list[str]) -> None:
    """Every field of the query has its column, else `UnexpectedResponse` naming the first
    one missing."""
    missing = [name for name in fields if name not in found]
    if not missing:
        return
    name = missing[0]
    column = columns.get(name)
    if column is not None and column.category == "table_calculation":
        raise UnexpectedResponse(
            f"Looker's result has no column for the table calculation {name!r} "
            f"({column.label}) that the query asks for: Looker did not compute it although it "
            "was asked to (server_table_calcs), so nothing was kept; run the query without it "
            "and compute it from the other columns."
        )
    raise UnexpectedResponse(
        f"Looker's result has no column for {name!r}, a field the query asks for, so nothing "
        "was kept; run the query again, or without that field."
    )


def _texts(name: str, column: Column | None) -> set[str]:
    """What a header cell may say for field ``name``: its name and its labels."""
    if column is None:
        return {name}
    return {name, column.label, column.label_short} - {""}


def _one_to_one(header: list[str], texts: Mapping[str, set[str]]) -> list[str] | None:
    """The fields of the header's cells when each cell is one field's alone, else None. One
    cell that names no field is the one field left over, if it is the only one."""
    names: list[str | None] = []
    for cell in header:
        matches = [name for name, said in texts.items() if cell in said]
        if len(matches) > 1:
            return None
        names.append(matches[0] if matches else None)
    left = [name for name in texts if name not in names]
    if names.count(None) == 1 and len(left) == 1:
        names[names.index(None)] = left[0]
    if None in names or len(set(names)) != len(names):
        return None
    return [str(name) for name in names]


def _orders(fields: list[str], columns: Mapping[str, Column]) -> list[list[str]]:
    """The column orders Looker is known to write: the query's, and dimensions first."""

    def rank(name: str) -> int:
        column = columns.get(name)
        return 0 if column is None else _RANKS.get(column.category, 0)

    return [list(fields), sorted(fields, key=rank)]
