"""``LookmlModelExplore``: the explore metadata of ``demo::orders`` and ``demo::events``.

Its fields are described as json_detail answers describe them (`detail_field`), plus the
explore's filter-only fields and parameters (`filter_only_fields`).
"""

from __future__ import annotations

from ._config import FakeLookerConfig
from ._data import MODEL
from ._fields import FIELDS, SAME_LABELS, detail_field, relabelled
from ._filter_fields import filter_only_fields

__all__ = ["EXPLORE_DESCRIPTIONS", "explore_json"]

#: Each explore's LookML ``description``.
EXPLORE_DESCRIPTIONS = {
    "orders": "The demo shop's orders, one row per order.",
    "events": "Generated events, as many as big_rows says.",
}


def explore_json(explore: str, config: FakeLookerConfig | None = None) -> dict[str, object]:
    """``LookmlModelExplore`` of ``demo::orders`` or ``demo::events``: its fields as
    `detail_field` describes them in query results (the spec's ``LookmlModelExploreField``);
    under ``config.duplicate_labels`` some fields take another's labels (`SAME_LABELS`)."""
    names = [name for name, info in FIELDS.items() if info.view == explore]
    same = SAME_LABELS if config is not None and config.duplicate_labels else {}
    label = explore.replace("_", " ").title()
    return {
        "id": f"{MODEL}::{explore}",
        "name": explore,
        "description": EXPLORE_DESCRIPTIONS[explore],
        "label": label,
        "title": label,
        "scopes": [explore],
        "can_total": False,  # the stand-in computes no totals
        "can_develop": False,
        "can_see_lookml": False,
        "lookml_link": None,
        "can_save": True,
        "can_explain": False,
        "can_pivot_in_db": explore == "orders",
        "can_subtotal": False,
        "has_timezone_support": False,
        "supports_cost_estimate": False,
        "connection_name": "demo",
        "dialect_name": "sqlite",
        "null_sort_treatment": "low",
        "files": [f"{MODEL}.model.lkml", f"{explore}.view.lkml"],
        "source_file": f"{MODEL}.model.lkml",
        "project_name": MODEL,
        "model_name": MODEL,
        "view_name": explore,
        "hidden": False,
        "sql_table_name": explore,
        "access_filters": [],
        "aliases": [],
        "always_filter": [],
        "conditionally_filter": [],
        "index_fields": [],
        "sets": [],
        "tags": [],
        "errors": [],
        "fields": {
            "dimensions": [
                relabelled(detail_field(n), same) for n in names if not FIELDS[n].measure
            ],
            "measures": [relabelled(detail_field(n), same) for n in names if FIELDS[n].measure],
            "filters": filter_only_fields(explore, parameters=False),
            "parameters": filter_only_fields(explore, parameters=True),
        },
        "joins": [],
        "group_label": "Demo",
        "supported_measure_types": [],
        "always_join": [],
    }
