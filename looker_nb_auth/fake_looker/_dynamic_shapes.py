"""How result metadata describes a query's dynamic fields.

A custom dimension or measure is described as an explore field is, with ``dynamic: true``
(the spec's ``LookmlModelExploreField.dynamic``: "specified in dynamic_fields and is not part of
the model"), under its own label. A table calculation goes in ``table_calculations``: json_bi's
entries are exactly the spec's ``JsonBiTableCalc`` (name, label, align, expression,
value_format, measure); json_detail's carry the same and the field-like keys the Explore reads.
"""

from __future__ import annotations

from ._dynamic import DynamicField

__all__ = ["dynamic_bi_calc", "dynamic_bi_field", "dynamic_detail_field"]


def dynamic_detail_field(
    field: DynamicField, sort_index: int | None = None, desc: bool = False
) -> dict[str, object]:
    """A dynamic field as json_detail describes it."""
    described: dict[str, object] = {
        "align": "right" if field.is_numeric else "left",
        "can_filter": field.kind != "table_calculation",
        "category": field.kind if field.kind == "table_calculation" else _category(field),
        "description": "",
        "dimension_group": None,
        "dynamic": True,
        "expression": field.expression,
        "hidden": False,
        "is_numeric": field.is_numeric,
        "is_table_calculation": field.kind == "table_calculation",
        "is_timeframe": False,
        "label": field.label,
        "label_short": field.label,
        "measure": field.is_measure,
        "name": field.name,
        "sortable": True,
        "type": field.type,
        "value_format": None,
        "value_format_name": field.value_format_name,
        "view": None,
        "view_label": None,
    }
    if field.based_on is not None:
        described["based_on"] = field.based_on
    if sort_index is not None:
        described["sorted"] = {"sort_index": sort_index, "desc": desc}
    return described


def _category(field: DynamicField) -> str:
    return "measure" if field.kind == "measure" else "dimension"


def dynamic_bi_field(field: DynamicField) -> dict[str, object]:
    """A custom dimension or measure as json_bi describes it (the spec's ``JsonBiField``)."""
    return {
        "sql": None,
        "view": None,
        "dimension_group": None,
        "category": _category(field),
        "field_group_label": None,
        "name": field.name,
        "type": field.type,
        "view_label": None,
        "label": field.label,
        "field_group_variant": field.label,
        "hidden": False,
        "description": None,
    }


def dynamic_bi_calc(field: DynamicField) -> dict[str, object]:
    """A table calculation as json_bi describes it: the spec's ``JsonBiTableCalc``."""
    return {
        "name": field.name,
        "label": field.label,
        "align": "right" if field.is_numeric else "left",
        "expression": field.expression or "",
        "value_format": "",
        "measure": field.is_measure,
    }
