"""What the DataFrame tests share: the stand-in's queries and fields, and the CSV parser on a
string (fixtures are in ``conftest.py``)."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd

from looker_nb_auth.dataframes import dtypes, parse
from looker_nb_auth.dataframes.describe import Column
from looker_nb_auth.dataframes.stream import Body

#: The big explore's fields, and the dtype each must have, whichever parser reads it.
EVENT_DTYPES = {
    "events.id": "str",
    "events.category": "str",
    "events.quantity": "Int64",
    "events.amount": "float64",
    "events.event_date": "datetime64[us]",
    "events.event_time": "datetime64[us]",
    "events.is_weekend": "boolean",
    "events.count": "Int64",
}
EVENTS = list(EVENT_DTYPES)
BY_REGION = {
    "model": "demo",
    "view": "orders",
    "fields": ["orders.region", "orders.count", "orders.total_sale_price"],
    "sorts": ["orders.region"],
}
PIVOTED = {
    "model": "demo",
    "view": "orders",
    "fields": ["orders.region", "orders.category", "orders.count", "orders.total_sale_price"],
    "pivots": ["orders.category"],
    "sorts": ["orders.region"],
}
ENGINES: list[parse.Engine] = ["pyarrow", "pandas"]


def lookml_field(name: str, lookml_type: str, *, measure: bool = False) -> dict[str, Any]:
    """A field as the explore metadata describes it, labelled as Looker labels it."""
    label = name.replace(".", " ").replace("_", " ").title()
    return {"name": name, "label": label, "type": lookml_type, "measure": measure}


def parse_text(
    text: str, engine: parse.Engine, columns: dict[str, Column], fields: list[str]
) -> pd.DataFrame:
    """Looker's CSV ``text`` through ``engine`` and the typing step, as ``run_query`` does."""
    body: io.BufferedReader = io.BufferedReader(Body(iter([text.encode()])))
    parsed = parse.csv(
        body, columns=columns, fields=fields, on_rows=lambda rows: None, engine=engine
    )
    frame: pd.DataFrame = dtypes.frame(parsed, columns, "pandas")
    return frame
