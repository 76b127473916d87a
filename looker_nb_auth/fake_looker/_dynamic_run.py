"""How `run_query` runs a query's ``dynamic_fields``: custom dimensions and measures join the
explore's in the SQL, table calculations run on the result after it (Looker's table
calculations "operate on the results from your query after it has run").

Whether a run computes its table calculations is the run's ``server_table_calcs``; when the
caller does not set it, `FakeLookerConfig.table_calcs_unasked` says what comes back.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._data import QueryError
from ._dynamic import DynamicField, Evaluate, aggregate, compile_expression, parse_dynamic_fields

__all__ = ["CustomFields", "custom_fields", "with_table_calcs"]

Measure = Callable[[Sequence[dict[str, Any]]], object]


@dataclass
class CustomFields:
    """A query's dynamic fields, ready to run."""

    described: dict[str, DynamicField] = field(default_factory=dict)
    measures: dict[str, Measure] = field(default_factory=dict)
    dimensions: dict[str, Evaluate] = field(default_factory=dict)
    table_calcs: dict[str, tuple[Evaluate, set[str]]] = field(default_factory=dict)

    def add_dimensions(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The explore's rows with each custom dimension's value."""
        if not self.dimensions or not rows:
            return rows
        columns: dict[str, list[object]] = {name: [row[name] for row in rows] for name in rows[0]}
        values = {name: evaluate(columns, len(rows)) for name, evaluate in self.dimensions.items()}
        return [
            {**row, **{name: column[i] for name, column in values.items()}}
            for i, row in enumerate(rows)
        ]


def custom_fields(body: dict[str, Any], dimensions: Collection[str]) -> CustomFields:
    """The body's ``dynamic_fields`` compiled; a `QueryError` for what cannot run."""
    described = parse_dynamic_fields(body.get("dynamic_fields"))
    custom = CustomFields(described)
    for name, entry in described.items():
        if entry.kind == "measure":
            custom.measures[name] = aggregate(entry, tuple(dimensions))
        elif entry.kind == "dimension":
            evaluate, refs = compile_expression(name, entry.expression)
            _known(name, refs, dimensions)
            custom.dimensions[name] = evaluate
        else:
            custom.table_calcs[name] = compile_expression(name, entry.expression)
    return custom


def _known(name: str, refs: Collection[str], known: Collection[str]) -> None:
    for ref in refs:
        if ref not in known:
            sentence = f"Dynamic field {name!r} refers to {ref!r}, which the query cannot use."
            raise QueryError("dynamic_fields", sentence)


def with_table_calcs(
    fields: list[str], rows: list[dict[str, object]], custom: CustomFields, mode: str
) -> tuple[list[str], list[dict[str, object]]]:
    """The result with its table calculations, in ``fields`` order: computed, ``"absent"``
    (their columns left out) or ``"empty"`` (their columns null)."""
    calcs = [f for f in fields if f in custom.table_calcs]
    if not calcs:
        return fields, rows
    if mode == "absent":
        return [f for f in fields if f not in calcs], rows
    columns: dict[str, list[object]] = {
        f: [row[f] for row in rows] for f in fields if f not in calcs
    }
    for name in calcs:
        evaluate, refs = custom.table_calcs[name]
        _known(name, refs, columns)  # a field of the query, or an earlier table calculation
        columns[name] = [None] * len(rows) if mode == "empty" else evaluate(columns, len(rows))
    out = [{f: columns[f][i] for f in fields} for i in range(len(rows))]
    return fields, out
