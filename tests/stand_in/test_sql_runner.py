"""SQL Runner over the built-in orders table (sqlite, connection ``demo``)."""

from __future__ import annotations

from collections import Counter

import httpx

from looker_nb_auth.fake_looker._data import ORDERS


def _create(client: httpx.Client, sql: str, **body: object) -> str:
    response = client.post("sql_queries", json={"connection_name": "demo", "sql": sql, **body})
    assert response.status_code == 200, response.text
    slug: str = response.json()["slug"]
    return slug


def test_sql_query_is_created_read_back_and_run_as_json(grace: httpx.Client) -> None:
    sql = "SELECT region, COUNT(*) AS n FROM orders GROUP BY region ORDER BY region"
    slug = _create(grace, sql)
    query = grace.get(f"sql_queries/{slug}").json()
    assert query["sql"] == sql and query["connection"]["name"] == "demo"
    assert query["run_count"] == 0 and query["creator"]["id"] == "2"
    rows = grace.post(f"sql_queries/{slug}/run/json").json()
    counts = Counter(row["orders.region"] for row in ORDERS)
    assert rows == [{"region": r, "n": counts[r]} for r in sorted(counts)]
    assert grace.get(f"sql_queries/{slug}").json()["run_count"] == 1


def test_sql_query_runs_as_csv_with_column_names(grace: httpx.Client) -> None:
    slug = _create(grace, "SELECT id, sale_price FROM orders ORDER BY id LIMIT 2")
    lines = grace.post(f"sql_queries/{slug}/run/csv").text.splitlines()
    assert lines[0] == "id,sale_price" and lines[1].startswith("1,")


def test_a_querys_generated_sql_runs_in_sql_runner_to_the_same_rows(grace: httpx.Client) -> None:
    body = {
        "model": "demo",
        "view": "orders",
        "fields": ["orders.category", "orders.count"],
        "filters": {"orders.region": "West,East"},
        "sorts": ["orders.category"],
    }
    sql = grace.post("queries/run/sql", json=body).text
    ran = grace.post(f"sql_queries/{_create(grace, sql)}/run/json").json()
    assert ran == grace.post("queries/run/json", json=body).json()


def test_sql_error_is_in_band(grace: httpx.Client) -> None:
    slug = _create(grace, "SELECT nope FROM orders")
    response = grace.post(f"sql_queries/{slug}/run/json")
    assert response.status_code == 200
    [row] = response.json()
    assert row["looker_error"].startswith("SQL Error: ") and "nope" in row["looker_error"]


def test_unknown_connection_or_slug_is_404_and_missing_fields_refused(grace: httpx.Client) -> None:
    unknown = grace.post("sql_queries", json={"connection_name": "prod", "sql": "SELECT 1"})
    assert unknown.status_code == 404
    assert grace.post("sql_queries", json={"sql": "SELECT 1"}).status_code == 400
    assert grace.post("sql_queries", json={"connection_name": "demo"}).status_code == 422
    assert grace.get("sql_queries/nope").status_code == 404
    assert grace.post("sql_queries/nope/run/json").status_code == 404


def test_runaway_sql_is_cut_off_in_band(grace: httpx.Client) -> None:
    sql = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT COUNT(*) FROM n"
    [row] = grace.post(f"sql_queries/{_create(grace, sql)}/run/json").json()
    assert "interrupted" in row["looker_error"]
