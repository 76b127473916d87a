"""Field metadata of the stand-in's explores, as Looker describes fields in query results.

Each field has a LookML ``type`` (``string``, ``number``, ``yesno``, ``date_date``,
``date_month``, ``date_time`` for dimensions; ``count``, ``sum``, ``average`` for measures),
a category and labels. `detail_field` gives the json_detail description of a field (the shape
of ``LookmlModelExploreField`` that Looker's query responses carry), `bi_field` the json_bi one
(``JsonBiField`` in the API 4.0 spec).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FIELDS", "SAME_LABELS", "FieldInfo", "bi_field", "detail_field", "relabelled"]


@dataclass(frozen=True)
class FieldInfo:
    """One LookML field: ``name`` is ``view.field``; ``sql`` is its SQL expression."""

    name: str
    type: str
    sql: str
    measure: bool = False
    label_short: str = ""
    value_format: str | None = None
    dimension_group: str | None = None
    description: str | None = None
    group_label: str | None = None  # LookML ``group_label`` (a dimension group has its own)
    hidden: bool = False
    tags: tuple[str, ...] = ()

    @property
    def view(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def view_label(self) -> str:
        return self.view.replace("_", " ").title()

    @property
    def short(self) -> str:
        return self.label_short or self.name.split(".", 1)[1].replace("_", " ").title()

    @property
    def label(self) -> str:
        return f"{self.view_label} {self.short}"

    @property
    def field_group(self) -> tuple[str | None, str]:
        """``field_group_label`` and ``field_group_variant``: a dimension group's timeframes
        share "<Group> Date" and are told apart by their timeframe ("Date", "Month"); a field
        with a ``group_label`` shows there under its short label."""
        if self.dimension_group is not None:
            group = self.dimension_group.split(".", 1)[1].replace("_", " ").title()
            return f"{group} Date", self.type.removeprefix("date_").title()
        return self.group_label, self.short

    @property
    def is_numeric(self) -> bool:
        return self.measure or self.type == "number"

    @property
    def is_timeframe(self) -> bool:
        return self.type.startswith("date_")


_USD = "$#,##0.00"
_DETAILS = "Order Details"


def _fields(*infos: FieldInfo) -> dict[str, FieldInfo]:
    return {info.name: info for info in infos}


FIELDS: dict[str, FieldInfo] = _fields(
    FieldInfo(
        "orders.id", "number", "orders.id", description="The order's number, unique per order."
    ),
    FieldInfo(
        "orders.created_date",
        "date_date",
        "orders.created_date",
        label_short="Created Date",
        dimension_group="orders.created",
        description="The day the order was placed.",
    ),
    FieldInfo(
        "orders.created_month",
        "date_month",
        "substr(orders.created_date, 1, 7)",
        label_short="Created Month",
        dimension_group="orders.created",
    ),
    FieldInfo(
        "orders.region",
        "string",
        "orders.region",
        description="Where the order was shipped: North, South, East or West.",
        group_label=_DETAILS,
    ),
    FieldInfo(
        "orders.category",
        "string",
        "orders.category",
        description="The product category.",
        group_label=_DETAILS,
    ),
    FieldInfo(
        "orders.sale_price",
        "number",
        "orders.sale_price",
        value_format=_USD,
        description="What the customer paid, in US dollars.",
        tags=("finance",),
    ),
    FieldInfo(
        "orders.sql_error",
        "string",
        "orders.sql_error",
        description="A dimension whose SQL the database rejects.",
        hidden=True,
    ),
    FieldInfo("orders.count", "count", "COUNT(*)", measure=True, description="Number of orders."),
    FieldInfo(
        "orders.total_sale_price",
        "sum",
        "COALESCE(SUM(orders.sale_price), 0)",
        measure=True,
        value_format=_USD,
        description="Revenue: the sum of the orders' sale prices.",
        tags=("finance",),
    ),
    FieldInfo(
        "orders.average_sale_price",
        "average",
        "AVG(orders.sale_price)",
        measure=True,
        value_format=_USD,
    ),
    FieldInfo("events.id", "string", "events.id", label_short="ID"),
    FieldInfo("events.category", "string", "events.category"),
    FieldInfo("events.quantity", "number", "events.quantity"),
    FieldInfo("events.amount", "number", "events.amount", value_format=_USD),
    FieldInfo(
        "events.event_date",
        "date_date",
        "DATE(events.event_at)",
        label_short="Event Date",
        dimension_group="events.event",
        description="The day the event happened.",
    ),
    FieldInfo(
        "events.event_time",
        "date_time",
        "events.event_at",
        label_short="Event Time",
        dimension_group="events.event",
    ),
    FieldInfo(
        "events.is_weekend", "yesno", "events.is_weekend", label_short="Is Weekend (Yes / No)"
    ),
    FieldInfo("events.count", "count", "COUNT(*)", measure=True, description="Number of events."),
)


def detail_field(name: str, sort_index: int | None = None, desc: bool = False) -> dict[str, object]:
    """A field as json_detail (and Looker's visualization API) describe it."""
    info = FIELDS[name]
    described: dict[str, object] = {
        "align": "right" if info.is_numeric else "left",
        "can_filter": True,
        "category": "measure" if info.measure else "dimension",
        "default_filter_value": None,
        "description": info.description,
        "dimension_group": info.dimension_group,
        "enumerations": None,
        "field_group_label": info.field_group[0],
        "field_group_variant": info.field_group[1],
        "hidden": info.hidden,
        "is_filter": False,
        "is_fiscal": False,
        "is_numeric": info.is_numeric,
        "is_timeframe": info.is_timeframe,
        "label": info.label,
        "label_from_parameter": None,
        "label_short": info.short,
        "measure": info.measure,
        "name": info.name,
        "parameter": False,
        "primary_key": info.name in ("orders.id", "events.id"),
        "project_name": "demo",
        "scope": info.view,
        "sortable": True,
        "sql": info.sql,
        "suggestable": not info.measure and not info.is_numeric,
        "tags": list(info.tags),
        "type": info.type,
        "value_format": info.value_format,
        "view": info.view,
        "view_label": info.view_label,
    }
    if sort_index is not None:
        described["sorted"] = {"sort_index": sort_index, "desc": desc}
    return described


def bi_field(name: str) -> dict[str, object]:
    """A field as json_bi describes it: exactly the spec's ``JsonBiField`` properties."""
    info = FIELDS[name]
    return {
        "sql": info.sql,
        "view": info.view,
        "dimension_group": info.dimension_group,
        "category": "measure" if info.measure else "dimension",
        "field_group_label": info.field_group[0],
        "name": info.name,
        "type": info.type,
        "view_label": info.view_label,
        "label": info.label,
        "field_group_variant": info.field_group[1],
        "hidden": info.hidden,
        "description": info.description,
    }


#: ``FakeLookerConfig.duplicate_labels``: each key takes its value's labels, as a field of a
#: joined view whose ``view_label`` and label match another field's does.
SAME_LABELS = {"orders.category": "orders.region"}


def relabelled(described: dict[str, object], same_labels: dict[str, str]) -> dict[str, object]:
    """A `detail_field` description with another field's labels, where ``same_labels`` says."""
    other = same_labels.get(str(described["name"]))
    if other is None:
        return described
    info = FIELDS[other]
    return {**described, "label": info.label, "label_short": info.short}
