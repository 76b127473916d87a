"""Queries with ``dynamic_fields`` (a JSON string on the query, as Looker stores it): custom
measures are aggregated with the explore's, table calculations run on the result when the run
asks for them (``server_table_calcs=true``); without it ``table_calcs_unasked`` says what comes
back. Look 4 carries a table calculation and a custom measure, as real Looks often do."""

from __future__ import annotations

import csv
import io
import json

import httpx
import pytest
from dynamic_fields import DISTINCT, SHARE, dynamic_query

from looker_nb_auth.fake_looker import FakeLooker, ManualClock

ASKED = {"server_table_calcs": "true"}


def test_look_4_carries_a_table_calculation_and_a_custom_measure(grace: httpx.Client) -> None:
    query = grace.get("looks/4").json()["query"]
    dynamic = json.loads(query["dynamic_fields"])
    assert [d.get("table_calculation") or d.get("measure") for d in dynamic] == [
        "sum_of_sale_price",
        "average_sale",
    ]
    assert query["fields"][-2:] == ["sum_of_sale_price", "average_sale"]
    rows = grace.get("looks/4/run/json", params=ASKED).json()
    east = rows[0]
    assert east["orders.region"] == "East"
    assert east["sum_of_sale_price"] == east["orders.total_sale_price"]
    assert east["average_sale"] == pytest.approx(east["orders.total_sale_price"] / 15)


def test_table_calculations_and_custom_measures_are_computed_when_asked(
    grace: httpx.Client,
) -> None:
    rows = grace.post("queries/run/json", params=ASKED, json=dynamic_query(SHARE, DISTINCT)).json()
    assert [row["orders.count"] for row in rows] == [15, 15, 15, 15]
    assert [row["share"] for row in rows] == [0.25, 0.25, 0.25, 0.25]
    assert [row["distinct_categories"] for row in rows] == [3, 3, 3, 3]


def test_csv_names_a_table_calculation_by_its_label(grace: httpx.Client) -> None:
    text = grace.post("queries/run/csv", params=ASKED, json=dynamic_query(SHARE, DISTINCT)).text
    header, first, *_ = csv.reader(io.StringIO(text))
    assert header == ["Orders Region", "Orders Count", "Share of orders", "Distinct categories"]
    assert first == ["East", "15", "0.25", "3"]


@pytest.mark.parametrize(
    ("knob", "columns", "share"),
    [
        ("absent", ["orders.region", "orders.count"], None),
        ("computed", ["orders.region", "orders.count", "share"], 0.25),
        ("empty", ["orders.region", "orders.count", "share"], None),
    ],
)
def test_table_calcs_unasked_says_what_a_run_without_server_table_calcs_gets(
    looker: FakeLooker, grace: httpx.Client, knob: str, columns: list[str], share: object
) -> None:
    looker.config.table_calcs_unasked = knob  # type: ignore[assignment]
    rows = grace.post("queries/run/json", json=dynamic_query(SHARE)).json()
    assert list(rows[0]) == columns
    assert rows[0].get("share") == share
    text = grace.post("queries/run/csv", json=dynamic_query(SHARE)).text
    assert len(next(csv.reader(io.StringIO(text)))) == len(columns)


def test_server_table_calcs_false_leaves_them_out_whatever_the_knob(
    looker: FakeLooker, grace: httpx.Client
) -> None:
    looker.config.table_calcs_unasked = "computed"
    params = {"server_table_calcs": "false"}
    rows = grace.post("queries/run/json", params=params, json=dynamic_query(SHARE)).json()
    assert "share" not in rows[0]


def test_json_detail_describes_table_calculations_and_custom_fields(
    grace: httpx.Client,
) -> None:
    detail = grace.post(
        "queries/run/json_detail", params=ASKED, json=dynamic_query(SHARE, DISTINCT)
    )
    fields = detail.json()["fields"]
    [calc] = fields["table_calculations"]
    assert (calc["name"], calc["label"], calc["type"]) == ("share", "Share of orders", "number")
    custom = fields["measures"][-1]
    assert (custom["name"], custom["label"], custom["dynamic"]) == (
        "distinct_categories",
        "Distinct categories",
        True,
    )
    assert detail.json()["data"][0]["share"] == {"value": 0.25}


def test_json_bi_lists_table_calculations_as_the_spec_describes(grace: httpx.Client) -> None:
    answer = grace.post("queries/run/json_bi", params=ASKED, json=dynamic_query(SHARE)).json()
    [calc] = answer["metadata"]["fields"]["table_calculations"]
    assert set(calc) == {"name", "label", "align", "expression", "value_format", "measure"}
    assert answer["rows"][0]["share"] == 0.25


def test_a_query_task_computes_table_calculations_when_asked(
    looker: FakeLooker, clock: ManualClock, grace: httpx.Client
) -> None:
    query_id = grace.post("queries", json=dynamic_query(SHARE)).json()["id"]
    body = {"query_id": query_id, "result_format": "json"}
    asked = grace.post("query_tasks", params=ASKED, json=body).json()
    unasked = grace.post("query_tasks", json=body).json()
    assert asked["server_table_calcs"] is True
    clock.advance(looker.config.query_task_seconds + 1)
    assert grace.get(f"query_tasks/{asked['id']}/results").json()[0]["share"] == 0.25
    assert "share" not in grace.get(f"query_tasks/{unasked['id']}/results").json()[0]


@pytest.mark.parametrize(
    "expression",
    ["if(${orders.count} > 1, 1, 0)", "${orders.count} +", "${orders.nope} * 2"],
)
def test_a_table_calculation_the_stand_in_cannot_compute_fails_when_it_runs(
    grace: httpx.Client, expression: str
) -> None:
    body = dynamic_query({**SHARE, "expression": expression})
    assert grace.post("queries", json=body).status_code == 200
    run = grace.post("queries/run/json", params=ASKED, json=body)
    assert run.status_code == 400
    assert run.json()["errors"][0]["field"] == "dynamic_fields"


def test_dynamic_fields_must_be_a_json_string(grace: httpx.Client) -> None:
    run = grace.post("queries/run/json", json={**dynamic_query(), "dynamic_fields": [SHARE]})
    assert run.status_code == 400
    assert run.json()["errors"][0]["field"] == "dynamic_fields"


def test_a_created_query_keeps_its_dynamic_fields(grace: httpx.Client) -> None:
    created = grace.post("queries", json=dynamic_query(SHARE)).json()
    assert json.loads(grace.get(f"queries/{created['id']}").json()["dynamic_fields"]) == [SHARE]


def test_a_custom_dimension_groups_the_rows(grace: httpx.Client) -> None:
    double: dict[str, object] = {
        "dimension": "double_id",
        "label": "Double id",
        "expression": "${orders.id} * 2",
    }
    body = {
        "model": "demo",
        "view": "orders",
        "fields": ["double_id", "orders.count"],
        "sorts": ["double_id"],
        "limit": "3",
        "dynamic_fields": json.dumps([double]),
    }
    rows = grace.post("queries/run/json", json=body).json()
    assert rows == [{"double_id": n, "orders.count": 1} for n in (2, 4, 6)]


def test_a_sort_on_a_table_calculation_orders_the_result(grace: httpx.Client) -> None:
    ratio: dict[str, object] = {
        "table_calculation": "average",
        "label": "Average",
        "expression": "${orders.total_sale_price} / ${orders.count}",
        "_kind_hint": "measure",
        "_type_hint": "number",
    }
    body = {
        "model": "demo",
        "view": "orders",
        "fields": ["orders.region", "orders.count", "orders.total_sale_price", "average"],
        "sorts": ["average desc"],
        "dynamic_fields": json.dumps([ratio]),
    }
    rows = grace.post("queries/run/json", params=ASKED, json=body).json()
    assert [row["orders.region"] for row in rows] == ["East", "South", "North", "West"]
