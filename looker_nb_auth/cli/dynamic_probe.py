"""``doctor --data``'s probe of a table calculation and a custom field (``dynamic_fields``).

Looker keeps them on the query as one JSON string (the spec's ``Query.dynamic_fields``); the
explore's metadata does not describe them, so the CSV header is all that names their columns.
The probe asks for a table calculation (the measure times two) and a custom measure (a
``count_distinct`` of a dimension), says whether their columns come back, under which header
text, with values, and runs the same query through the DataFrame path (``run_query``) to say
whether it names them.
"""

from __future__ import annotations

import csv
import json
import warnings
from typing import Any

from .._errors import ColumnEmpty, LookerAuthError
from .probes import Explore, Finding, Probe, looker_said

__all__ = ["CUSTOM_MEASURE", "TABLE_CALCULATION", "dynamic_fields", "probe_query"]

TABLE_CALCULATION = "looker_nb_auth_probe_doubled"
CUSTOM_MEASURE = "looker_nb_auth_probe_distinct"
_LABELS = {TABLE_CALCULATION: "Probe doubled", CUSTOM_MEASURE: "Probe distinct"}


def probe_query(explore: Explore) -> dict[str, Any] | None:
    """The explore's query with the two dynamic fields, as the Explore writes them; None
    without a measure and a dimension to base them on."""
    measure, dimensions = explore.measure, explore.dimensions
    if measure is None or not dimensions:
        return None
    dynamic = [
        {
            "category": "table_calculation",
            "table_calculation": TABLE_CALCULATION,
            "label": _LABELS[TABLE_CALCULATION],
            "expression": f"${{{measure}}} * 2",
            "value_format": None,
            "value_format_name": None,
            "_kind_hint": "measure",
            "_type_hint": "number",
        },
        {
            "measure": CUSTOM_MEASURE,
            "based_on": dimensions[0],
            "type": "count_distinct",
            "label": _LABELS[CUSTOM_MEASURE],
            "expression": None,
            "value_format": None,
            "value_format_name": None,
            "_kind_hint": "measure",
            "_type_hint": "number",
        },
    ]
    fields = [*dimensions[:1], measure, CUSTOM_MEASURE, TABLE_CALCULATION]
    return explore.query(fields, dynamic_fields=json.dumps(dynamic), limit="3")


def _columns(text: str) -> dict[str, tuple[str, int] | None]:
    """Of each dynamic field: the header cell that names it and its values, or None."""
    table = list(csv.reader(text.splitlines()))
    cells, data = (table[0], table[1:]) if table else ([], [])
    found: dict[str, tuple[str, int] | None] = {}
    for name, label in _LABELS.items():
        index = next((i for i, c in enumerate(cells) if c in (name, label)), None)
        if index is None:
            found[name] = None
            continue
        filled = sum(1 for row in data if index < len(row) and row[index] != "")
        found[name] = ("its name" if cells[index] == name else "its label", filled)
    return found


def _said(found: dict[str, tuple[str, int] | None]) -> str:
    parts = []
    for name, seen in found.items():
        what = "the table calculation" if name == TABLE_CALCULATION else "the custom measure"
        if seen is None:
            parts.append(f"{what}'s column is missing")
        elif seen[1] == 0:
            parts.append(f"{what} comes back under {seen[0]} with no values")
        else:
            parts.append(f"{what} comes back under {seen[0]} with {seen[1]} value(s)")
    return "; ".join(parts)


def dynamic_fields(probe: Probe, explore: Explore) -> Finding:
    """Whether a table calculation's and a custom measure's columns come back, how the header
    names them, with values, and whether ``run_query`` names them after their fields. When the
    table calculation has no values, a second run with ``server_table_calcs=true`` says whether
    asking for them brings them."""
    body = probe_query(explore)
    if body is None:
        sentence = "The query has no measure and dimension to base a table calculation on."
        return Finding("dynamic_fields", "warn", sentence + " Name some with --fields.")
    query_id = probe.saved(body)
    ran = probe.run(query_id, "csv").read()
    if ran.response.status_code != 200:
        words = looker_said(ran.response)
        sentence = f"Looker refused a table calculation and a custom measure ({words!r})"
        return Finding("dynamic_fields", "warn", sentence + "; the probe could not see them.")
    found = _columns(ran.response.text)
    what = "As run_query asks for CSV, " + _said(found)
    calculation = found[TABLE_CALCULATION]
    observed: dict[str, Any] = {"columns": found}
    if calculation is None or calculation[1] == 0:
        asked = probe.run(query_id, "csv", params={"server_table_calcs": "true"}).read()
        if asked.response.status_code == 200:
            again = _columns(asked.response.text)[TABLE_CALCULATION]
            observed["with_server_table_calcs"] = again
            values = "no values" if again is None or again[1] == 0 else f"{again[1]} value(s)"
            what += f"; asked with server_table_calcs=true, the table calculation has {values}"
    try:
        with warnings.catch_warnings(record=True) as warned:
            warnings.simplefilter("always", ColumnEmpty)
            frame = probe.session.run_query(body, progress=False)
    except LookerAuthError as exc:
        sentence = f"{what}; the DataFrame path refuses it: {exc}"
        return Finding("dynamic_fields", "fails", sentence, observed)
    named = [str(c) for c in frame.columns]
    observed["named"] = named
    missing = [name for name in _LABELS if name not in named]
    empty = [name for name in _LABELS if name in named and int(frame[name].notna().sum()) == 0]
    said = any(issubclass(w.category, ColumnEmpty) for w in warned)
    if missing or empty:
        sentence = f"{what}; the DataFrame path gives the columns {', '.join(named)}"
        if empty:
            sentence += f", {', '.join(empty)} without values"
        if said and not missing and empty == [TABLE_CALCULATION]:  # said, not a silent gap
            return Finding(
                "dynamic_fields", "warn", sentence + ", and warns ColumnEmpty.", observed
            )
        return Finding("dynamic_fields", "fails", sentence + ".", observed)
    sentence = f"{what}; the DataFrame path names both columns after their fields, with values."
    return Finding("dynamic_fields", "ok", sentence, observed)
