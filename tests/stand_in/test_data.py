"""Looks and queries over the built-in dataset, in json and csv."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict

import httpx
import pytest
from looker_sdk.rtl import serialize
from looker_sdk.sdk.api40 import models as models40

from looker_nb_auth.fake_looker import FakeLooker
from looker_nb_auth.fake_looker._data import ORDERS

NOT_FOUND = {
    "message": "Not found",
    "documentation_url": "https://cloud.google.com/looker/docs/r/api/support",
}
SQL_ERROR = (
    "SQL Error: SQL compilation error: error line 2 at position 4\n"
    "invalid identifier 'ORDERS.SQL_ERROR'"
)


def _query(**overrides: object) -> dict[str, object]:
    return {"model": "demo", "view": "orders", "fields": ["orders.region"], **overrides}


def test_dataset_has_sixty_2026_orders_in_four_regions_and_three_categories() -> None:
    assert len(ORDERS) == 60
    assert {row["orders.region"] for row in ORDERS} == {"North", "South", "East", "West"}
    assert {row["orders.category"] for row in ORDERS} == {"Books", "Games", "Music"}
    assert all(row["orders.created_date"].startswith("2026-") for row in ORDERS)


def test_looks_are_listed_in_lookers_shape(grace: httpx.Client) -> None:
    response = grace.get("looks")
    looks = serialize.deserialize40(data=response.text, structure=list[models40.Look])
    assert isinstance(looks, list) and len(looks) >= 2
    first = looks[0]
    assert isinstance(first, models40.Look) and first.id == "1" and first.title
    assert first.model is not None and first.model.id == "demo" and first.query_id


def test_one_look_and_a_missing_one(grace: httpx.Client) -> None:
    assert grace.get("looks/2").json()["title"] == "Monthly sales"
    for missing in (grace.get("looks/999"), grace.get("looks/999/run/json")):
        assert missing.status_code == 404 and missing.json() == NOT_FOUND


@pytest.mark.parametrize(
    "overrides", [{"model": "thelook"}, {"view": "users"}, {"model": "Demo"}, {"view": "orders "}]
)
def test_unknown_model_or_explore_is_lookers_404(
    grace: httpx.Client, overrides: dict[str, str]
) -> None:
    for result_format in ("json", "csv"):
        response = grace.post(f"queries/run/{result_format}", json=_query(**overrides))
        assert response.status_code == 404 and response.json() == NOT_FOUND


def test_fields_parameter_trims_looks_and_queries(grace: httpx.Client) -> None:
    looks = grace.get("looks", params={"fields": "id,title"}).json()
    assert looks == [
        {"id": "1", "title": "Sales by region"},
        {"id": "2", "title": "Monthly sales"},
        {"id": "3", "title": "Average price by category"},
        {"id": "4", "title": "Average sale by region"},
    ]
    look = grace.get("looks/1", params={"fields": "id,model(id)"}).json()
    assert look == {"id": "1", "model": {"id": "demo"}}
    query = grace.get("queries/101", params={"fields": "model,view"}).json()
    assert query == {"model": "demo", "view": "orders"}
    unknown = grace.get("looks", params={"fields": "id,nope"})
    assert unknown.status_code == 400 and "nope" in unknown.json()["message"]


# -- queries that fail in the database: HTTP 200, the error in-band -------------------------------


def test_query_on_the_broken_dimension_reports_lookers_in_band_sql_error(
    grace: httpx.Client,
) -> None:
    body = _query(fields=["orders.region", "orders.sql_error", "orders.count"])
    response = grace.post("queries/run/json", json=body)
    assert response.status_code == 200
    assert response.json() == [{"looker_error": SQL_ERROR}]
    filtered = grace.post("queries/run/json", json=_query(filters={"orders.sql_error": "x"}))
    assert filtered.status_code == 200 and filtered.json() == [{"looker_error": SQL_ERROR}]
    as_csv = grace.post("queries/run/csv", json=body)
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.text == SQL_ERROR + "\n"


def test_invalid_query_on_the_broken_dimension_is_still_a_400(grace: httpx.Client) -> None:
    body = _query(fields=["orders.sql_error"], sorts=["orders.count desc"])
    assert grace.post("queries/run/json", json=body).status_code == 400


def test_fail_queries_with_makes_every_query_fail_in_band(
    grace: httpx.Client, looker: FakeLooker
) -> None:
    looker.config.fail_queries_with = "Database is down for maintenance"
    expected = [{"looker_error": "Database is down for maintenance"}]
    for response in (
        grace.get("looks/1/run/json"),
        grace.get("queries/102/run/json"),
        grace.post("queries/run/json", json=_query()),
    ):
        assert response.status_code == 200 and response.json() == expected
    assert grace.get("looks/1/run/csv").text == "Database is down for maintenance\n"
    assert grace.get("looks/999/run/json").status_code == 404  # no look: no query to fail
    assert grace.post("queries/run/json", json=_query(limit="0")).status_code == 400
    looker.config.fail_queries_with = None
    assert "orders.region" in grace.get("looks/1/run/json").json()[0]


def test_running_a_look_as_json_aggregates_by_its_dimensions(grace: httpx.Client) -> None:
    rows = grace.get("looks/1/run/json").json()
    expected = Counter(row["orders.region"] for row in ORDERS)
    assert {r["orders.region"]: r["orders.count"] for r in rows} == expected
    totals = [r["orders.total_sale_price"] for r in rows]
    assert totals == sorted(totals, reverse=True)  # the look sorts by total desc
    assert sum(totals) == pytest.approx(sum(row["orders.sale_price"] for row in ORDERS))


def test_running_a_look_as_csv_has_a_header_of_field_labels(grace: httpx.Client) -> None:
    response = grace.get("looks/1/run/csv")
    assert response.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.text)))
    assert table[0] == ["Orders Region", "Orders Count", "Orders Total Sale Price"]
    assert len(table) == 5
    assert table[1:] == [
        [r["orders.region"], str(r["orders.count"]), str(r["orders.total_sale_price"])]
        for r in grace.get("looks/1/run/json").json()
    ]


@pytest.mark.parametrize("result_format", ["xlsx", "txt", "JSON", "png"])
def test_other_result_formats_are_400(grace: httpx.Client, result_format: str) -> None:
    response = grace.get(f"looks/1/run/{result_format}")
    assert response.status_code == 400 and "json" in response.json()["message"]


def test_saved_query_can_be_read_and_run(grace: httpx.Client) -> None:
    query_id = grace.get("looks/3").json()["query_id"]
    query = grace.get(f"queries/{query_id}").json()
    assert query["model"] == "demo" and query["fields"][0] == "orders.category"
    assert len(grace.get(f"queries/{query_id}/run/json").json()) == 3
    assert grace.get("queries/999").status_code == 404


def test_inline_query_groups_filters_sorts_and_limits(grace: httpx.Client) -> None:
    body = _query(
        fields=["orders.category", "orders.created_month", "orders.count"],
        filters={"orders.region": "West,East"},
        sorts=["orders.count desc", "orders.category"],
        limit="4",
    )
    rows = grace.post("queries/run/json", json=body).json()
    groups: defaultdict[tuple[str, str], int] = defaultdict(int)
    for row in ORDERS:
        if row["orders.region"] in ("West", "East"):
            groups[row["orders.category"], row["orders.created_month"]] += 1
    expected = sorted(groups.items(), key=lambda item: (-item[1], item[0][0]))[:4]
    assert [(r["orders.category"], r["orders.created_month"], r["orders.count"]) for r in rows] == [
        (category, month, count) for (category, month), count in expected
    ]


def test_measures_alone_give_one_row(grace: httpx.Client) -> None:
    body = _query(fields=["orders.count", "orders.average_sale_price"])
    assert grace.post("queries/run/json", json=body).json() == [
        {
            "orders.count": 60,
            "orders.average_sale_price": round(
                sum(row["orders.sale_price"] for row in ORDERS) / 60, 2
            ),
        }
    ]


def test_filter_that_matches_nothing_gives_a_zero_count(grace: httpx.Client) -> None:
    body = _query(fields=["orders.count"], filters={"orders.region": "Atlantis"})
    assert grace.post("queries/run/json", json=body).json() == [{"orders.count": 0}]


def test_inline_query_as_csv(grace: httpx.Client) -> None:
    body = _query(fields=["orders.category", "orders.count"], sorts=["orders.category"])
    response = grace.post("queries/run/csv", json=body)
    assert response.text.splitlines() == [
        "Orders Category,Orders Count",
        *(f"{c},{n}" for c, n in sorted(Counter(r["orders.category"] for r in ORDERS).items())),
    ]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"fields": ["orders.nope"]}, "fields"),
        ({"fields": ["users.id"]}, "fields"),
        ({"fields": []}, "fields"),
        ({"fields": "orders.region"}, "fields"),
        ({"fields": [1]}, "fields"),
        ({"fields": ["orders.region", "orders.region"]}, "fields"),
        ({"model": None}, "model"),
        ({"model": ""}, "model"),
        ({"view": 5}, "view"),
        ({"filters": {"orders.nope": "x"}}, "filters"),
        ({"filters": {"orders.count": "many"}}, "filters"),
        ({"filters": {"orders.region": 5}}, "filters"),
        ({"filters": ["orders.region"]}, "filters"),
        ({"sorts": ["orders.count desc"]}, "sorts"),
        ({"sorts": ["orders.region sideways"]}, "sorts"),
        ({"sorts": "orders.region"}, "sorts"),
        ({"limit": "0"}, "limit"),
        ({"limit": "lots"}, "limit"),
        ({"pivots": ["orders.region"]}, "pivots"),
    ],
)
def test_invalid_query_is_a_400_validation_error(
    grace: httpx.Client, overrides: dict[str, object], field: str
) -> None:
    response = grace.post("queries/run/json", json=_query(**overrides))
    assert response.status_code == 400
    body = response.json()
    assert body["message"] and body["documentation_url"]
    assert body["errors"][0]["field"] == field and body["errors"][0]["code"] == "invalid"


def test_inline_query_body_must_be_a_json_object(grace: httpx.Client) -> None:
    assert grace.post("queries/run/json", content=b"[1, 2]").status_code == 400
    assert grace.post("queries/run/json", content=b"{").status_code == 400


def test_data_needs_a_login(api: httpx.Client) -> None:
    assert api.get("/api/4.0/looks").status_code == 401
    assert api.post("/api/4.0/queries/run/json", json=_query()).status_code == 401
