"""Explore metadata: ``GET /api/4.0/lookml_models/{model}/explores/{explore}``."""

from __future__ import annotations

import httpx
import pytest
from looker_sdk.rtl import serialize
from looker_sdk.sdk.api40 import models as models40

from looker_nb_auth.fake_looker import FakeLooker
from looker_nb_auth.fake_looker._events import event_row

NOT_FOUND = {
    "message": "Not found",
    "documentation_url": "https://cloud.google.com/looker/docs/r/api/support",
}
ORDERS_DIMENSIONS = [
    "orders.id",
    "orders.created_date",
    "orders.created_month",
    "orders.region",
    "orders.category",
    "orders.sale_price",
    "orders.sql_error",
]
ORDERS_MEASURES = ["orders.count", "orders.total_sale_price", "orders.average_sale_price"]


def _explore(client: httpx.Client, explore: str) -> models40.LookmlModelExplore:
    response = client.get(f"lookml_models/demo/explores/{explore}")
    assert response.status_code == 200, response.text
    parsed = serialize.deserialize40(data=response.text, structure=models40.LookmlModelExplore)
    assert isinstance(parsed, models40.LookmlModelExplore)
    return parsed


def test_orders_explore_deserializes_into_the_sdks_model(grace: httpx.Client) -> None:
    explore = _explore(grace, "orders")
    assert explore.id == "demo::orders" and explore.name == "orders"
    assert explore.model_name == "demo" and explore.view_name == "orders"
    assert explore.label == "Orders" and explore.sql_table_name == "orders"
    fields = explore.fields
    assert fields is not None and fields.dimensions is not None and fields.measures is not None
    assert [d.name for d in fields.dimensions] == ORDERS_DIMENSIONS
    assert [m.name for m in fields.measures] == ORDERS_MEASURES
    assert [f.name for f in fields.filters or []] == ["orders.created_filter"]
    assert [p.name for p in fields.parameters or []] == ["orders.metric_selector"]
    assert {d.category for d in fields.dimensions} == {models40.Category.dimension}
    assert {m.category for m in fields.measures} == {models40.Category.measure}
    month = next(d for d in fields.dimensions if d.name == "orders.created_month")
    assert month.type == "date_month" and month.is_timeframe and month.label_short
    price = next(m for m in fields.measures if m.name == "orders.total_sale_price")
    assert price.type == "sum" and price.is_numeric and price.value_format == "$#,##0.00"


def test_dimension_group_timeframes_share_a_group_label_and_differ_by_variant(
    grace: httpx.Client,
) -> None:
    """As Looker's field picker groups them: "Created Date" holds Date and Month; a field with a
    ``group_label`` sits in its group under its short label; the others are in no group."""
    fields = _explore(grace, "orders").fields
    assert fields is not None
    dimensions = {d.name: d for d in fields.dimensions or []}
    groups = {n: (d.field_group_label, d.field_group_variant) for n, d in dimensions.items()}
    assert groups["orders.created_date"] == ("Created Date", "Date")
    assert groups["orders.created_month"] == ("Created Date", "Month")
    assert groups["orders.region"] == ("Order Details", "Region")
    assert groups["orders.category"] == ("Order Details", "Category")
    assert groups["orders.id"] == (None, "Id")
    assert {d.dimension_group for d in dimensions.values()} == {None, "orders.created"}


def test_fields_have_descriptions_tags_and_one_hidden_dimension(grace: httpx.Client) -> None:
    fields = _explore(grace, "orders").fields
    assert fields is not None
    described = {f.name: f for f in [*(fields.dimensions or []), *(fields.measures or [])]}
    assert described["orders.total_sale_price"].description == (
        "Revenue: the sum of the orders' sale prices."
    )
    assert described["orders.created_month"].description is None
    assert [n for n, f in described.items() if f.hidden] == ["orders.sql_error"]
    assert [n for n, f in described.items() if f.tags] == [
        "orders.sale_price",
        "orders.total_sale_price",
    ]
    assert all(f.sortable and f.can_filter and not f.is_filter for f in described.values())
    assert all(f.view_label == "Orders" for f in described.values())
    assert {n for n, f in described.items() if f.suggestable} == {
        "orders.created_date",
        "orders.created_month",
        "orders.region",
        "orders.category",
        "orders.sql_error",
    }


def test_filter_only_fields_and_parameters_are_listed_as_lookml_declares_them(
    grace: httpx.Client,
) -> None:
    explore = _explore(grace, "orders")
    assert explore.description == "The demo shop's orders, one row per order."
    fields = explore.fields
    assert fields is not None
    [date_filter] = fields.filters or []
    assert date_filter.category == models40.Category.filter and date_filter.type == "date"
    assert date_filter.is_filter and not date_filter.parameter and not date_filter.sortable
    assert date_filter.label == "Orders Created Filter" and date_filter.enumerations is None
    [selector] = fields.parameters or []
    assert selector.name == "orders.metric_selector"
    assert selector.category == models40.Category.parameter and selector.type == "unquoted"
    assert selector.is_filter and selector.parameter and selector.has_allowed_values
    assert selector.default_filter_value == "count"
    allowed = [(e.label, e.value) for e in selector.enumerations or []]
    assert allowed == [("Order Count", "count"), ("Total Sale Price", "total_sale_price")]


def test_events_timeframes_are_grouped_too(grace: httpx.Client, looker: FakeLooker) -> None:
    looker.config.big_rows = 3
    explore = _explore(grace, "events")
    assert explore.fields is not None
    groups = {
        d.name: (d.field_group_label, d.field_group_variant)
        for d in explore.fields.dimensions or []
        if d.dimension_group
    }
    assert groups == {
        "events.event_date": ("Event Date", "Date"),
        "events.event_time": ("Event Date", "Time"),
    }
    assert explore.fields.filters == [] and explore.fields.parameters == []


def test_explore_fields_are_described_as_query_results_describe_them(
    grace: httpx.Client,
) -> None:
    """The metadata of each field is exactly what a json_detail answer carries for it."""
    body = grace.get("lookml_models/demo/explores/orders").json()
    runnable = [name for name in ORDERS_DIMENSIONS if name != "orders.sql_error"]
    query = {"model": "demo", "view": "orders", "fields": runnable + ORDERS_MEASURES}
    detail = grace.post("queries/run/json_detail", json=query, params={"limit": 1}).json()
    dimensions = [f for f in body["fields"]["dimensions"] if f["name"] != "orders.sql_error"]
    assert dimensions == detail["fields"]["dimensions"]
    assert body["fields"]["measures"] == detail["fields"]["measures"]


def test_every_listed_field_can_be_queried_and_the_broken_one_fails_in_band(
    grace: httpx.Client,
) -> None:
    body = grace.get("lookml_models/demo/explores/orders").json()
    for field in body["fields"]["dimensions"] + body["fields"]["measures"]:
        query = {"model": "demo", "view": "orders", "fields": [field["name"]], "limit": "1"}
        response = grace.post("queries/run/json", json=query)
        assert response.status_code == 200, (field["name"], response.text)
        [row] = response.json()
        expected = {"looker_error"} if field["name"] == "orders.sql_error" else {field["name"]}
        assert set(row) == expected


def test_events_explore_exists_only_with_big_rows(grace: httpx.Client, looker: FakeLooker) -> None:
    assert grace.get("lookml_models/demo/explores/events").json() == NOT_FOUND
    looker.config.big_rows = 3
    explore = _explore(grace, "events")
    assert explore.id == "demo::events" and explore.view_name == "events"
    assert explore.fields is not None and explore.fields.dimensions is not None
    assert explore.fields.measures is not None
    assert [d.name for d in explore.fields.dimensions] == list(event_row(0))
    assert [m.name for m in explore.fields.measures] == ["events.count"]
    looker.config.big_rows = 0
    assert grace.get("lookml_models/demo/explores/events").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "thelook/explores/orders",
        "Demo/explores/orders",
        "demo/explores/users",
        "demo/explores/Orders",
    ],
)
def test_unknown_model_or_explore_is_lookers_404(grace: httpx.Client, path: str) -> None:
    response = grace.get(f"lookml_models/{path}")
    assert response.status_code == 404 and response.json() == NOT_FOUND


def test_fields_parameter_trims_the_explore_and_its_nested_fields(grace: httpx.Client) -> None:
    spec = "id,fields(measures(name,type))"
    trimmed = grace.get("lookml_models/demo/explores/orders", params={"fields": spec}).json()
    assert trimmed == {
        "id": "demo::orders",
        "fields": {
            "measures": [
                {"name": "orders.count", "type": "count"},
                {"name": "orders.total_sale_price", "type": "sum"},
                {"name": "orders.average_sale_price", "type": "average"},
            ]
        },
    }
    spec = "fields(filters(name,category),parameters(name,enumerations,default_filter_value))"
    trimmed = grace.get("lookml_models/demo/explores/orders", params={"fields": spec}).json()
    assert trimmed == {
        "fields": {
            "filters": [{"name": "orders.created_filter", "category": "filter"}],
            "parameters": [
                {
                    "name": "orders.metric_selector",
                    "enumerations": [
                        {"label": "Order Count", "value": "count"},
                        {"label": "Total Sale Price", "value": "total_sale_price"},
                    ],
                    "default_filter_value": "count",
                }
            ],
        }
    }
    unknown = grace.get("lookml_models/demo/explores/orders", params={"fields": "id,nope"})
    assert unknown.status_code == 400 and "nope" in unknown.json()["message"]


def test_explore_metadata_needs_a_login(api: httpx.Client) -> None:
    assert api.get("/api/4.0/lookml_models/demo/explores/orders").status_code == 401


def test_a_query_is_found_by_its_slug_as_on_looker(grace: httpx.Client) -> None:
    created = grace.post(
        "queries", json={"model": "demo", "view": "orders", "fields": ["orders.id"]}
    )
    query = created.raise_for_status().json()
    built_in = grace.get("queries/101").json()
    assert grace.get(f"queries/slug/{query['slug']}").json()["id"] == query["id"]
    assert grace.get(f"queries/slug/{built_in['slug']}").json()["id"] == "101"
    assert grace.get("queries/slug/nosuchq").status_code == 404
    assert query["slug"] != built_in["slug"]


def test_a_filter_value_that_is_no_date_matches_nothing(grace: httpx.Client) -> None:
    """What Looker answers is unverified (docs/fidelity.md); the stand-in matches no row, so a
    measure alone comes back as one row of zero, with no warning."""
    query = {
        "model": "demo",
        "view": "orders",
        "fields": ["orders.count"],
        "filters": {"orders.created_month": "not a date at all"},
    }
    response = grace.post("queries/run/json", json=query)
    assert response.status_code == 200 and response.json() == [{"orders.count": 0}]
    query["fields"] = ["orders.created_month", "orders.count"]
    assert grace.post("queries/run/json", json=query).json() == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("orders.created_filter", "last 3 months"), ("orders.metric_selector", "total_sale_price")],
)
def test_a_filter_on_a_filter_only_field_or_parameter_keeps_every_row(
    grace: httpx.Client, field: str, value: str
) -> None:
    """As on Looker, a query may filter on them; no templated SQL of the stand-in reads them, so
    they change nothing (nor the generated SQL)."""
    query = {
        "model": "demo",
        "view": "orders",
        "fields": ["orders.count"],
        "filters": {field: value},
    }
    assert grace.post("queries/run/json", json=query).json() == [{"orders.count": 60}]
    sql = grace.post("queries/run/sql", json=query).text
    assert "WHERE" not in sql and field not in sql


def test_a_parameter_value_outside_its_allowed_values_is_refused(grace: httpx.Client) -> None:
    """The strict side (Looker unverified): a parameter takes one of its allowed values."""
    filters = {"orders.metric_selector": "revenue"}
    query = {"model": "demo", "view": "orders", "fields": ["orders.count"], "filters": filters}
    response = grace.post("queries/run/json", json=query)
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "filters" and "count, total_sale_price" in error["message"]
