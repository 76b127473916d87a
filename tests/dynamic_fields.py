"""A query's ``dynamic_fields`` for the tests of the stand-in and of the DataFrame pipeline: one
table calculation, one custom measure, and a query on the orders explore that asks for them."""

from __future__ import annotations

import json
from typing import Any

#: A table calculation: each region's share of the orders.
SHARE: dict[str, object] = {
    "category": "table_calculation",
    "table_calculation": "share",
    "label": "Share of orders",
    "expression": "${orders.count}/sum(${orders.count})",
    "value_format_name": "percent_0",
    "_kind_hint": "measure",
    "_type_hint": "number",
}
#: A custom measure: the distinct categories a region's orders have.
DISTINCT: dict[str, object] = {
    "measure": "distinct_categories",
    "based_on": "orders.category",
    "type": "count_distinct",
    "label": "Distinct categories",
    "expression": None,
    "_kind_hint": "measure",
    "_type_hint": "number",
}


def dynamic_query(*dynamic: dict[str, object], **overrides: object) -> dict[str, Any]:
    """Orders by region with the ``dynamic`` fields (as Looker stores them: a JSON string),
    sorted by region; ``overrides`` replace or add the query's other keys."""
    names = [str(d.get("table_calculation") or d.get("measure")) for d in dynamic]
    return {
        "model": "demo",
        "view": "orders",
        "fields": ["orders.region", "orders.count", *names],
        "sorts": ["orders.region"],
        "dynamic_fields": json.dumps(list(dynamic)),
        **overrides,
    }
