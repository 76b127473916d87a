"""A query Looker cannot build is saved by ``POST /queries`` and fails when it runs, as real
instances answer (``query_errors="run"``, the default): a run is a 400 naming the part, a task
ends with status ``error`` and its results say why; ``"create"`` refuses it with a 422."""

from __future__ import annotations

import httpx

from looker_nb_auth.fake_looker import FakeLooker

BAD_SORT = {
    "model": "demo",
    "view": "orders",
    "fields": ["orders.region", "orders.count"],
    "sorts": ["orders.created_date desc"],
}


def test_a_query_looker_cannot_build_is_saved_and_fails_when_it_runs(grace: httpx.Client) -> None:
    created = grace.post("queries", json=BAD_SORT)
    assert created.status_code == 200
    query_id = created.json()["id"]
    run = grace.get(f"queries/{query_id}/run/json")
    assert run.status_code == 400 and run.json()["errors"][0]["field"] == "sorts"
    task = grace.post("query_tasks", json={"query_id": query_id, "result_format": "csv"})
    assert task.status_code == 200
    task_id = task.json()["id"]
    assert grace.get(f"query_tasks/{task_id}").json()["status"] == "error"
    results = grace.get(f"query_tasks/{task_id}/results")
    assert results.status_code == 400 and results.json()["errors"][0]["field"] == "sorts"


def test_a_json_detail_task_that_cannot_be_built_says_so_in_errors(grace: httpx.Client) -> None:
    query_id = grace.post("queries", json=BAD_SORT).json()["id"]
    body = {"query_id": query_id, "result_format": "json_detail"}
    task_id = grace.post("query_tasks", json=body).json()["id"]
    detail = grace.get(f"query_tasks/{task_id}/results")
    assert detail.status_code == 200 and detail.json()["data"] == []
    assert detail.json()["errors"][0]["message"].startswith("sorts: ")


def test_query_errors_create_refuses_it_at_post_queries(
    grace: httpx.Client, looker: FakeLooker
) -> None:
    looker.config.query_errors = "create"
    created = grace.post("queries", json=BAD_SORT)
    assert created.status_code == 422 and created.json()["errors"][0]["field"] == "sorts"


def test_a_filter_on_a_measure_applies_after_aggregation(grace: httpx.Client) -> None:
    query = {"model": "demo", "view": "orders", "fields": ["orders.category", "orders.count"]}
    counts = {
        r["orders.category"]: r["orders.count"]
        for r in grace.post("queries/run/json", json=query).json()
    }
    most = max(counts.values())
    filtered = grace.post(
        "queries/run/json", json={**query, "filters": {"orders.count": f">={most}"}}
    ).json()
    assert {r["orders.category"] for r in filtered} == {c for c, n in counts.items() if n == most}
