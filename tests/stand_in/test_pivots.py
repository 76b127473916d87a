"""Pivoted queries on demo::orders: json_detail and json shapes, limits, sorts, SQL, refusals."""

from __future__ import annotations

from collections import Counter, defaultdict

import httpx
import pytest

from looker_nb_auth.fake_looker import FakeLooker
from looker_nb_auth.fake_looker._data import ORDERS
from looker_nb_auth.fake_looker._detail_extras import DEVELOPMENT_MODE_NOTE

CATEGORIES = sorted({row["orders.category"] for row in ORDERS})
REGIONS = sorted({row["orders.region"] for row in ORDERS})
BY_REGION = ["orders.region", "orders.category", "orders.count"]
PIVOTED = {
    "model": "demo",
    "view": "orders",
    "fields": [*BY_REGION, "orders.total_sale_price"],
    "pivots": ["orders.category"],
}


def _query(**overrides: object) -> dict[str, object]:
    return {
        "model": "demo",
        "view": "orders",
        "fields": BY_REGION,
        "pivots": ["orders.category"],
        **overrides,
    }


def _counts(*names: str) -> Counter[tuple[object, ...]]:
    return Counter(tuple(row[n] for n in names) for row in ORDERS)


def test_pivoted_json_detail_has_lookers_pivots_fields_and_cells(grace: httpx.Client) -> None:
    response = grace.post("queries/run/json_detail", json=_query(limit="2"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["pivots"] == [
        {
            "key": category,
            "is_total": False,
            "data": {"orders.category": category},
            "sort_values": {"orders.category": category},
            "labels": {},
        }
        for category in CATEGORIES
    ]
    fields = body["fields"]
    assert [f["name"] for f in fields["pivots"]] == ["orders.category"]
    assert fields["pivots"][0]["category"] == "dimension"
    assert [f["name"] for f in fields["dimensions"]] == ["orders.region"]
    assert [f["name"] for f in fields["measures"]] == ["orders.count"]
    counts = _counts("orders.region", "orders.category")
    assert body["data"] == [
        {
            "orders.region": {"value": region},
            "orders.count": {c: {"value": counts[region, c]} for c in CATEGORIES},
        }
        for region in REGIONS[:2]  # the row limit counts pivoted rows, ascending by default
    ]


def test_a_pivot_column_without_rows_is_an_empty_cell(grace: httpx.Client) -> None:
    fields = ["orders.id", "orders.category", "orders.total_sale_price"]
    body = _query(fields=fields, sorts=["orders.id"], limit="3")
    data = grace.post("queries/run/json_detail", json=body).json()["data"]
    assert [row["orders.id"] for row in data] == [{"value": 1}, {"value": 2}, {"value": 3}]
    for row, order in zip(data, ORDERS[:3], strict=True):
        price = order["orders.sale_price"]
        assert row["orders.total_sale_price"] == {
            c: {"value": price, "rendered": f"${price:,.2f}"}
            if c == order["orders.category"]
            else {"value": None}
            for c in CATEGORIES
        }


def test_several_pivots_join_their_values_with_field(grace: httpx.Client) -> None:
    fields = ["orders.created_month", "orders.category", "orders.region", "orders.count"]
    body = _query(fields=fields, pivots=["orders.category", "orders.region"], limit="-1")
    answer = grace.post("queries/run/json_detail", json=body).json()
    keys = [f"{c}|FIELD|{r}" for c in CATEGORIES for r in REGIONS]
    assert [p["key"] for p in answer["pivots"]] == keys
    assert answer["pivots"][1]["data"] == {
        "orders.category": CATEGORIES[0],
        "orders.region": REGIONS[1],
    }
    assert [f["name"] for f in answer["fields"]["pivots"]] == body["pivots"]
    assert [f["name"] for f in answer["fields"]["dimensions"]] == ["orders.created_month"]
    counts = _counts("orders.created_month", "orders.category", "orders.region")
    months = sorted({row["orders.created_month"] for row in ORDERS}, reverse=True)  # newest first
    assert [row["orders.created_month"]["value"] for row in answer["data"]] == months
    for row in answer["data"]:
        month = row["orders.created_month"]["value"]
        expected = {
            f"{c}|FIELD|{r}": {"value": counts[month, c, r] or None}
            for c in CATEGORIES
            for r in REGIONS
        }
        assert row["orders.count"] == expected
    assert any(
        cell == {"value": None} for r in answer["data"] for cell in r["orders.count"].values()
    )


def test_pivoted_json_nests_measures_by_pivot_field_then_key(grace: httpx.Client) -> None:
    rows = grace.post("queries/run/json", json=_query(limit="2")).json()
    counts = _counts("orders.region", "orders.category")
    assert rows == [
        {
            "orders.region": region,
            "orders.count": {"orders.category": {c: counts[region, c] for c in CATEGORIES}},
        }
        for region in REGIONS[:2]
    ]
    fields = ["orders.id", "orders.category", "orders.region", "orders.count"]
    both = _query(fields=fields, pivots=["orders.category", "orders.region"], limit="1")
    [row] = grace.post("queries/run/json", json=both, params={"limit": 1}).json()
    nested = row["orders.count"]["orders.category|FIELD|orders.region"]
    first = ORDERS[0]
    own = f"{first['orders.category']}|FIELD|{first['orders.region']}"
    assert row["orders.id"] == first["orders.id"]
    assert nested == {
        f"{c}|FIELD|{r}": 1 if f"{c}|FIELD|{r}" == own else None
        for c in CATEGORIES
        for r in REGIONS
    }


def test_the_limit_parameter_counts_pivoted_rows(grace: httpx.Client) -> None:
    body = _query(limit="500")
    assert len(grace.post("queries/run/json", json=body).json()) == len(REGIONS)
    limited = grace.post("queries/run/json_detail", json=body, params={"limit": 3}).json()
    assert len(limited["data"]) == 3 and len(limited["pivots"]) == len(CATEGORIES)


def test_sorts_order_the_rows_and_the_pivot_columns(grace: httpx.Client) -> None:
    body = _query(sorts=["orders.region desc", "orders.category desc"])
    answer = grace.post("queries/run/json_detail", json=body).json()
    assert [row["orders.region"]["value"] for row in answer["data"]] == REGIONS[::-1]
    assert [p["key"] for p in answer["pivots"]] == CATEGORIES[::-1]
    assert list(answer["data"][0]["orders.count"]) == CATEGORIES[::-1]
    assert answer["fields"]["pivots"][0]["sorted"] == {"sort_index": 1, "desc": True}


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"pivots": ["orders.created_month"]}, "pivots", "orders.created_month"),
        ({"pivots": ["orders.count"]}, "pivots", "measure"),
        ({"pivots": "orders.category"}, "pivots", "list"),
        ({"pivots": [7]}, "pivots", "list"),
        ({"pivots": ["orders.category", "orders.category"]}, "pivots", "twice"),
        ({"fields": ["orders.region", "orders.category"]}, "pivots", "measure"),
        ({"column_limit": "201"}, "column_limit", "200"),
        ({"column_limit": "0"}, "column_limit", "200"),
        ({"column_limit": "many"}, "column_limit", "200"),
        ({"limit": "0"}, "limit", "limit"),
    ],
)
def test_invalid_pivoted_queries_are_400s_naming_the_part(
    grace: httpx.Client,
    looker: FakeLooker,
    overrides: dict[str, object],
    field: str,
    words: str,
) -> None:
    for result_format in ("json", "json_detail", "sql"):
        response = grace.post(f"queries/run/{result_format}", json=_query(**overrides))
        assert response.status_code == 400, (result_format, response.text)
        error = response.json()["errors"][0]
        assert error["field"] == field and words in error["message"]
    assert grace.post("queries", json=_query(**overrides)).status_code == 200  # fails at run
    looker.config.query_errors = "create"
    created = grace.post("queries", json=_query(**overrides))
    assert created.status_code == 422 and created.json()["errors"][0]["field"] == field


def test_a_column_limit_at_the_number_of_columns_is_accepted(grace: httpx.Client) -> None:
    response = grace.post("queries/run/json", json=_query(column_limit=str(len(CATEGORIES))))
    assert response.status_code == 200
    assert len(response.json()[0]["orders.count"]["orders.category"]) == len(CATEGORIES)


@pytest.mark.parametrize("result_format", ["csv", "json_bi"])
def test_formats_the_stand_in_does_not_pivot_are_a_one_sentence_400(
    grace: httpx.Client, result_format: str
) -> None:
    response = grace.post(f"queries/run/{result_format}", json=_query())
    assert response.status_code == 400
    message = response.json()["message"]
    assert result_format in message and message.count(".") == 1 and message.endswith(".")
    query_id = grace.post("queries", json=_query()).json()["id"]
    assert grace.get(f"queries/{query_id}/run/{result_format}").status_code == 400
    task = grace.post("query_tasks", json={"query_id": query_id, "result_format": result_format})
    assert task.status_code == 400 and task.json()["message"] == message
    unpivoted = grace.post(f"queries/run/{result_format}", json=_query(pivots=[]))
    assert unpivoted.status_code == 200


def test_the_events_explore_still_refuses_pivots(grace: httpx.Client, looker: FakeLooker) -> None:
    looker.config.big_rows = 10
    body = {
        "model": "demo",
        "view": "events",
        "fields": ["events.category", "events.count"],
        "pivots": ["events.category"],
    }
    response = grace.post("queries/run/json_detail", json=body)
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "pivots"


def test_pivoted_sql_runs_in_sql_runner_to_the_cells_of_the_pivoted_answer(
    grace: httpx.Client,
) -> None:
    fields = [
        "orders.created_month",
        "orders.region",
        "orders.category",
        "orders.total_sale_price",
    ]
    body = _query(
        fields=fields,
        filters={"orders.region": "West,East"},
        sorts=["orders.region desc"],
        limit="4",
    )
    sql = grace.post("queries/run/sql", json=body).text
    assert "GROUP BY 1, 2, 3" in sql
    created = grace.post("sql_queries", json={"connection_name": "demo", "sql": sql}).json()
    ran = grace.post(f"sql_queries/{created['slug']}/run/json").json()
    answer = grace.post("queries/run/json_detail", json=body).json()
    assert len(answer["data"]) == 4
    cells = []
    for row in answer["data"]:
        for pivot in answer["pivots"]:
            cell = row["orders.total_sale_price"][pivot["key"]]
            if cell["value"] is not None:
                cells.append(
                    {
                        "orders.created_month": row["orders.created_month"]["value"],
                        "orders.region": row["orders.region"]["value"],
                        "orders.category": pivot["data"]["orders.category"],
                        "orders.total_sale_price": cell["value"],
                    }
                )
    assert ran == cells
    expected: defaultdict[tuple[str, str, str], float] = defaultdict(float)
    for order in ORDERS:
        if order["orders.region"] in ("West", "East"):
            at = (order["orders.created_month"], order["orders.region"], order["orders.category"])
            expected[at] += order["orders.sale_price"]
    for cell in cells:
        at = (cell["orders.created_month"], cell["orders.region"], cell["orders.category"])
        assert cell["orders.total_sale_price"] == pytest.approx(expected[at])


def test_a_created_pivoted_query_runs_by_id_and_as_a_task(grace: httpx.Client) -> None:
    body = _query(limit="3")
    created = grace.post("queries", json=body)
    assert created.status_code == 200 and created.json()["pivots"] == ["orders.category"]
    query_id = created.json()["id"]
    inline = grace.post("queries/run/json_detail", json=body).json()
    by_id = grace.get(f"queries/{query_id}/run/json_detail").json()
    task = grace.post("query_tasks", json={"query_id": query_id, "result_format": "json_detail"})
    assert task.status_code == 200, task.text
    results = grace.get(f"query_tasks/{task.json()['id']}/results").json()
    assert results["id"] == task.json()["id"]
    for answer in (by_id, results):
        for part in ("pivots", "data", "fields", "sql"):
            assert answer[part] == inline[part], part
    json_task = grace.post("query_tasks", json={"query_id": query_id, "result_format": "json"})
    as_json = grace.get(f"query_tasks/{json_task.json()['id']}/results").json()
    assert as_json == grace.post("queries/run/json", json=body).json()


def test_a_pivoted_query_on_the_broken_dimension_fails_in_band(grace: httpx.Client) -> None:
    fields = ["orders.sql_error", "orders.category", "orders.count"]
    response = grace.post("queries/run/json", json=_query(fields=fields))
    assert response.status_code == 200
    [row] = response.json()
    assert "ORDERS.SQL_ERROR" in row["looker_error"]
    bad = grace.post("queries/run/json", json=_query(fields=fields, pivots=["orders.region"]))
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "pivots"


def test_pivot_columns_past_the_column_limit_are_cut_and_json_detail_says_so(
    grace: httpx.Client,
) -> None:
    detail = grace.post("queries/run/json_detail", json={**PIVOTED, "column_limit": "2"}).json()
    assert [p["key"] for p in detail["pivots"]] == ["Books", "Games"]
    assert detail["columns_truncated"] is True
    assert set(detail["data"][0]["orders.count"]) == {"Books", "Games"}


def test_a_pivoted_query_sorted_by_a_measure_orders_rows_by_its_first_column(
    grace: httpx.Client,
) -> None:
    body = {**PIVOTED, "sorts": ["orders.total_sale_price desc"]}
    rows = grace.post("queries/run/json", json=body).json()
    firsts = [row["orders.total_sale_price"]["orders.category"]["Books"] for row in rows]
    assert firsts == sorted(firsts, reverse=True)


def test_row_totals_are_a_total_pivot_column_in_every_measure(grace: httpx.Client) -> None:
    detail = grace.post("queries/run/json_detail", json={**PIVOTED, "row_total": "right"}).json()
    assert detail["pivots"][-1]["key"] == "$$$_row_total_$$$" and detail["pivots"][-1]["is_total"]
    row = detail["data"][0]["orders.count"]
    assert row["$$$_row_total_$$$"]["value"] == sum(
        row[k]["value"] for k in ("Books", "Games", "Music")
    )


def test_development_mode_note_comes_in_errors_with_the_rows(
    grace: httpx.Client, looker: FakeLooker
) -> None:
    looker.config.development_mode_note = True
    detail = grace.post("queries/run/json_detail", json=PIVOTED).json()
    assert detail["errors"] == [{"message": DEVELOPMENT_MODE_NOTE}] and detail["data"]
