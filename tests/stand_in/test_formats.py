"""Result formats (json_bi, json_detail, csv, sql), row limits and the generated events explore."""

from __future__ import annotations

import csv
import io

import httpx
import pytest

from looker_nb_auth.fake_looker import FakeLooker
from looker_nb_auth.fake_looker._events import event_row


def _orders(**overrides: object) -> dict[str, object]:
    return {"model": "demo", "view": "orders", "fields": ["orders.id"], **overrides}


def _events(**overrides: object) -> dict[str, object]:
    return {"model": "demo", "view": "events", "fields": ["events.id"], **overrides}


MONTHLY = ["orders.created_month", "orders.count", "orders.total_sale_price"]


def test_json_bi_has_the_specs_metadata_and_typed_rows(grace: httpx.Client) -> None:
    body = grace.get("queries/102/run/json_bi").json()
    assert set(body) == {"metadata", "rows"}
    metadata = body["metadata"]
    required = {"big_query_metadata", "fields", "pivots", "has_subtotals", "has_totals"}
    assert required | {"columns_truncated", "filter_expression", "filters", "sql"} == set(metadata)
    fields = metadata["fields"]
    assert [f["name"] for f in fields["dimensions"]] == ["orders.created_month"]
    assert [f["type"] for f in fields["measures"]] == ["count", "sum"]
    month = fields["dimensions"][0]
    assert month["type"] == "date_month" and month["category"] == "dimension"
    assert month["label"] == "Orders Created Month" and month["view"] == "orders"
    assert fields["pivots"] == [] and fields["table_calculations"] == []
    assert body["rows"] == grace.get("queries/102/run/json").json()
    assert body["rows"][0]["orders.created_month"] == "2026-01"
    assert isinstance(body["rows"][0]["orders.count"], int)


def test_json_detail_has_value_cells_and_field_metadata(grace: httpx.Client) -> None:
    body = grace.get("looks/1/run/json_detail").json()
    plain = grace.get("looks/1/run/json").json()
    assert body["null_sort_treatment"] == "low" and body["pivots"] == []
    assert body["sql"].startswith("SELECT") and body["has_totals"] is False
    region = body["fields"]["dimensions"][0]
    count, total = body["fields"]["measures"]
    assert region["name"] == "orders.region" and region["is_numeric"] is False
    assert region["label_short"] == "Region" and region["category"] == "dimension"
    assert count["type"] == "count" and count["is_numeric"] is True
    assert total["type"] == "sum" and total["sorted"] == {"sort_index": 0, "desc": True}
    first = body["data"][0]
    assert first["orders.region"] == {"value": plain[0]["orders.region"]}
    assert first["orders.count"] == {"value": plain[0]["orders.count"]}
    price = plain[0]["orders.total_sale_price"]
    assert first["orders.total_sale_price"] == {"value": price, "rendered": f"${price:,.2f}"}


def test_dates_come_as_looker_sends_them(grace: httpx.Client) -> None:
    body = _orders(fields=["orders.created_date", "orders.created_month"], limit="1")
    row = grace.post("queries/run/json", json=body).json()[0]
    assert len(row["orders.created_date"]) == 10 and row["orders.created_date"][4] == "-"
    assert row["orders.created_month"] == row["orders.created_date"][:7]


def test_every_run_endpoint_honours_the_limit_parameter(grace: httpx.Client) -> None:
    assert len(grace.get("looks/1/run/json", params={"limit": 2}).json()) == 2
    assert len(grace.get("queries/102/run/json_bi", params={"limit": 3}).json()["rows"]) == 3
    detail = grace.post("queries/run/json_detail", json=_orders(), params={"limit": 7}).json()
    assert len(detail["data"]) == 7
    as_csv = grace.post("queries/run/csv", json=_orders(), params={"limit": 4}).text
    assert len(as_csv.splitlines()) == 5  # header + 4


def test_without_a_limit_500_rows_and_minus_one_gives_all(
    grace: httpx.Client, looker: FakeLooker
) -> None:
    looker.config.big_rows = 1200
    assert len(grace.post("queries/run/json", json=_events()).json()) == 500
    everything = grace.post("queries/run/json", json=_events(limit="-1")).json()
    assert len(everything) == 1200
    overridden = grace.post("queries/run/json", json=_events(limit="10"), params={"limit": -1})
    assert len(overridden.json()) == 1200


@pytest.mark.parametrize("limit", ["0", "-2", "lots"])
def test_bad_limit_parameter_is_a_400(grace: httpx.Client, limit: str) -> None:
    response = grace.get("looks/1/run/json", params={"limit": limit})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "limit"


def test_sql_format_returns_the_generated_select_as_text(grace: httpx.Client) -> None:
    response = grace.get("queries/101/run/sql")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    sql = response.text
    assert sql.startswith("SELECT") and "FROM orders AS orders" in sql
    assert "GROUP BY 1" in sql and "ORDER BY 3 DESC" in sql and "LIMIT 500" in sql
    inline = grace.post("queries/run/sql", json=_orders(filters={"orders.region": "West"}))
    assert "WHERE (CAST(orders.region AS TEXT) IN ('West'))" in inline.text
    assert grace.post("queries/run/sql", json=_orders(view="nope")).status_code == 404


def test_sql_error_in_json_detail_is_in_band_and_json_bi_is_a_400(
    grace: httpx.Client, looker: FakeLooker
) -> None:
    looker.config.fail_queries_with = "SQL Error: boom"
    detail = grace.get("looks/1/run/json_detail")
    assert detail.status_code == 200 and detail.json()["data"] == []
    assert detail.json()["errors"][0]["message"] == "SQL Error: boom"
    bi = grace.get("looks/1/run/json_bi")
    assert bi.status_code == 400 and bi.json()["message"] == "SQL Error: boom"


def test_events_explore_exists_only_with_big_rows(grace: httpx.Client, looker: FakeLooker) -> None:
    assert grace.post("queries/run/json", json=_events()).status_code == 404
    looker.config.big_rows = 10
    assert grace.post("queries/run/json", json=_events()).status_code == 200


def test_events_rows_are_typed_and_deterministic(grace: httpx.Client, looker: FakeLooker) -> None:
    looker.config.big_rows = 50
    fields = [
        "events.id",
        "events.category",
        "events.quantity",
        "events.amount",
        "events.event_date",
        "events.event_time",
        "events.is_weekend",
        "events.count",
    ]
    rows = grace.post("queries/run/json", json=_events(fields=fields, limit="-1")).json()
    assert len(rows) == 50 and rows[0] == {**event_row(0), "events.count": 1}
    first = rows[0]
    assert isinstance(first["events.quantity"], int) and isinstance(first["events.amount"], float)
    assert len(first["events.event_time"]) == 19 and first["events.event_time"][10] == " "
    assert first["events.is_weekend"] in ("Yes", "No")
    times = [r["events.event_time"] for r in rows]
    assert times == sorted(times, reverse=True)  # newest first
    bi = grace.post("queries/run/json_bi", json=_events(fields=fields, limit="1")).json()
    types = {f["name"]: f["type"] for f in bi["metadata"]["fields"]["dimensions"]}
    assert types["events.event_time"] == "date_time" and types["events.is_weekend"] == "yesno"


def test_events_group_filter_and_sort(grace: httpx.Client, looker: FakeLooker) -> None:
    looker.config.big_rows = 100
    body = _events(fields=["events.category", "events.count"], sorts=["events.category"])
    rows = grace.post("queries/run/json", json=body).json()
    expected: dict[str, int] = {}
    for i in range(100):
        category = event_row(i)["events.category"]
        expected[category] = expected.get(category, 0) + 1
    assert [(r["events.category"], r["events.count"]) for r in rows] == sorted(expected.items())
    only = _events(filters={"events.category": "login"}, limit="-1")
    assert len(grace.post("queries/run/json", json=only).json()) == expected["login"]


def test_many_events_stream_as_csv(grace: httpx.Client, looker: FakeLooker) -> None:
    looker.config.big_rows = 250_000
    body = _events(fields=["events.id", "events.amount", "events.event_time"], limit="-1")
    lines = 0
    with grace.stream("POST", "queries/run/csv", json=body, timeout=120) as response:
        assert response.status_code == 200
        for _line in response.iter_lines():
            lines += 1
    assert lines == 250_001


def test_csv_header_uses_field_labels_for_events(grace: httpx.Client, looker: FakeLooker) -> None:
    looker.config.big_rows = 3
    text = grace.post("queries/run/csv", json=_events(fields=["events.id", "events.count"])).text
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == ["Events ID", "Events Count"] and len(table) == 4
