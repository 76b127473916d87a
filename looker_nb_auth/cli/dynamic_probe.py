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
from typing import Any

from .._errors import LookerAuthError
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


def dynamic_fields(probe: Probe, explore: Explore) -> Finding:
    """Whether a table calculation's and a custom measure's columns come back, how the header
    names them, with values, and whether ``run_query`` names them after their fields."""
    body = probe_query(explore)
    if body is None:
        sentence = "The query has no measure and dimension to base a table calculation on."
        return Finding("dynamic_fields", "warn", sentence + " Name some with --fields.")
    ran = probe.text(probe.saved(body), "csv")
    if ran.response.status_code != 200:
        words = looker_said(ran.response)
        sentence = f"Looker refused a table calculation and a custom measure ({words!r})"
        return Finding("dynamic_fields", "warn", sentence + "; the probe could not see them.")
    table = list(csv.reader(ran.response.text.splitlines()))
    cells, data = (table[0], table[1:]) if table else ([], [])
    said = {
        name: next((i for i, c in enumerate(cells) if c in (name, _LABELS[name])), None)
        for name in _LABELS
    }
    parts = []
    for name, index in said.items():
        what = "table calculation" if name == TABLE_CALCULATION else "custom measure"
        if index is None:
            parts.append(f"the {what}'s column is not named by its name or label")
            continue
        shown = "its name" if cells[index] == name else "its label"
        filled = sum(1 for row in data if index < len(row) and row[index] != "")
        parts.append(f"the {what} comes back under {shown} with {filled} value(s)")
    what = f"In CSV ({', '.join(repr(c) for c in cells)}), " + "; ".join(parts)
    observed: dict[str, Any] = {"cells": cells, "columns": {k: v for k, v in said.items()}}
    try:
        frame = probe.session.run_query(body, progress=False)
    except LookerAuthError as exc:
        return Finding(
            "dynamic_fields", "fails", f"{what}; the DataFrame path refuses it: {exc}", observed
        )
    named = [str(c) for c in frame.columns]
    observed["named"] = named
    missing = [name for name in _LABELS if name not in named]
    if missing:
        sentence = f"{what}; the DataFrame path names the columns {', '.join(named)}."
        return Finding("dynamic_fields", "fails", sentence, observed)
    return Finding(
        "dynamic_fields",
        "ok",
        f"{what}; the DataFrame path names both columns after their fields.",
        observed,
    )
