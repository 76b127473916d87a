"""The filter-only fields and parameters of ``demo::orders``, as explore metadata lists them.

LookML's ``filter:`` and ``parameter:`` make fields a user can filter on but never select: the
explore lists them under ``fields.filters`` (category ``filter``) and ``fields.parameters``
(category ``parameter``, its ``allowed_value``s as ``enumerations``, its ``default_value`` as
``default_filter_value``). Both carry ``is_filter: true``; neither is sortable. A query may name
them only in ``filters`` (`FILTER_ONLY`).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FILTER_ONLY", "FilterOnly", "filter_only_fields"]


@dataclass(frozen=True)
class FilterOnly:
    """A ``filter:`` (``parameter`` False) or ``parameter:`` field of a view."""

    name: str
    type: str
    label_short: str
    description: str
    parameter: bool = False
    allowed: tuple[tuple[str, str], ...] = ()  # (label, value) of each allowed_value
    default: str | None = None

    @property
    def view(self) -> str:
        return self.name.split(".", 1)[0]


FILTER_ONLY: dict[str, FilterOnly] = {
    field.name: field
    for field in (
        FilterOnly(
            "orders.created_filter",
            "date",
            "Created Filter",
            "Limits the orders to a date range, as a templated filter.",
        ),
        FilterOnly(
            "orders.metric_selector",
            "unquoted",
            "Metric Selector",
            "Which measure a dynamic measure shows.",
            parameter=True,
            allowed=(("Order Count", "count"), ("Total Sale Price", "total_sale_price")),
            default="count",
        ),
    )
}


def _described(field: FilterOnly) -> dict[str, object]:
    view_label = field.view.replace("_", " ").title()
    enumerations = [{"label": label, "value": value} for label, value in field.allowed]
    return {
        "align": "left",
        "can_filter": True,
        "category": "parameter" if field.parameter else "filter",
        "default_filter_value": field.default,
        "description": field.description,
        "dimension_group": None,
        "enumerations": enumerations or None,
        "field_group_label": None,
        "field_group_variant": field.label_short,
        "has_allowed_values": bool(field.allowed),
        "hidden": False,
        "is_filter": True,
        "is_fiscal": False,
        "is_numeric": False,
        "is_timeframe": False,
        "label": f"{view_label} {field.label_short}",
        "label_from_parameter": None,
        "label_short": field.label_short,
        "measure": False,
        "name": field.name,
        "parameter": field.parameter,
        "primary_key": False,
        "project_name": "demo",
        "scope": field.view,
        "sortable": False,
        "sql": None,
        "suggestable": False,
        "tags": [],
        "type": field.type,
        "value_format": None,
        "view": field.view,
        "view_label": view_label,
    }


def filter_only_fields(explore: str, *, parameters: bool) -> list[dict[str, object]]:
    """The explore's ``fields.parameters`` (``parameters``) or ``fields.filters``."""
    return [
        _described(field)
        for field in FILTER_ONLY.values()
        if field.view == explore and field.parameter == parameters
    ]
