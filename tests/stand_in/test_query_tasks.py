"""Async query tasks on the stand-in's clock: create, poll, results, multi_results, kill."""

from __future__ import annotations

import httpx

from looker_nb_auth.fake_looker import FakeLooker, ManualClock

from .helpers import ADA, api_client


def _task(client: httpx.Client, query_id: str = "102", fmt: str = "json", **params: int) -> str:
    response = client.post(
        "query_tasks", json={"query_id": query_id, "result_format": fmt}, params=params
    )
    assert response.status_code == 200, response.text
    task_id: str = response.json()["id"]
    return task_id


def test_task_runs_for_the_configured_time_then_completes(
    grace: httpx.Client, looker: FakeLooker, clock: ManualClock
) -> None:
    looker.config.query_task_seconds = 5.0
    task_id = _task(grace)
    task = grace.get(f"query_tasks/{task_id}").json()
    assert task["status"] == "running" and task["query_id"] == "102"
    assert task["result_format"] == "json" and task["query"]["model"] == "demo"
    pending = grace.get(f"query_tasks/{task_id}/results")
    assert pending.status_code == 202
    clock.advance(5.0)
    assert grace.get(f"query_tasks/{task_id}").json()["status"] == "complete"
    done = grace.get(f"query_tasks/{task_id}/results")
    assert done.status_code == 200 and done.json() == grace.get("queries/102/run/json").json()


def test_tasks_on_the_big_explore_run_longer_by_big_query_seconds(
    grace: httpx.Client, looker: FakeLooker, clock: ManualClock
) -> None:
    looker.config.big_rows = 10
    looker.config.big_query_seconds = 3.0
    events = {"model": "demo", "view": "events", "fields": ["events.id"]}
    big = grace.post("queries", json=events).json()["id"]
    big_task = _task(grace, big)
    small_task = _task(grace)
    assert grace.get(f"query_tasks/{small_task}").json()["status"] == "complete"
    assert grace.get(f"query_tasks/{big_task}/results").status_code == 202
    clock.advance(3.0)
    assert grace.get(f"query_tasks/{big_task}/results").status_code == 200


def test_task_with_zero_seconds_is_complete_at_once(grace: httpx.Client) -> None:
    task_id = _task(grace, fmt="json_bi", limit=2)
    assert grace.get(f"query_tasks/{task_id}").json()["status"] == "complete"
    assert len(grace.get(f"query_tasks/{task_id}/results").json()["rows"]) == 2


def test_created_query_can_be_run_as_a_task(grace: httpx.Client) -> None:
    body = {"model": "demo", "view": "orders", "fields": ["orders.category", "orders.count"]}
    created = grace.post("queries", json=body).json()
    assert created["id"] and created["fields"] == body["fields"]
    assert grace.post("queries", json=body).json()["id"] == created["id"]  # same query, same id
    assert grace.get(f"queries/{created['id']}").json()["view"] == "orders"
    task_id = _task(grace, created["id"], "csv")
    text = grace.get(f"query_tasks/{task_id}/results").text
    assert text.splitlines()[0] == "Orders Category,Orders Count"


def test_unknown_task_or_someone_elses_is_404(grace: httpx.Client, looker: FakeLooker) -> None:
    assert grace.get("query_tasks/nope").status_code == 404
    assert grace.get("query_tasks/nope/results").status_code == 404
    with api_client(looker, ADA) as ada:
        task_id = _task(ada)
    assert grace.get(f"query_tasks/{task_id}").status_code == 404


def test_bad_task_bodies_are_422_and_unknown_queries_fail(grace: httpx.Client) -> None:
    missing = grace.post("query_tasks", json={"result_format": "json"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "query_id"
    bad_format = grace.post("query_tasks", json={"query_id": "101", "result_format": "png"})
    assert bad_format.status_code == 422
    unknown = grace.post("query_tasks", json={"query_id": "999", "result_format": "json"})
    assert unknown.status_code == 404


def test_kill_stops_a_running_task(
    grace: httpx.Client, looker: FakeLooker, clock: ManualClock
) -> None:
    looker.config.query_task_seconds = 10.0
    task_id = _task(grace)
    assert grace.delete(f"running_queries/{task_id}").status_code == 204
    assert grace.get(f"query_tasks/{task_id}").json()["status"] == "killed"
    clock.advance(20.0)
    assert grace.get(f"query_tasks/{task_id}/results").status_code == 404
    assert grace.delete(f"running_queries/{task_id}").status_code == 404


def test_finished_task_cannot_be_killed(grace: httpx.Client) -> None:
    assert grace.delete(f"running_queries/{_task(grace)}").status_code == 404


def test_multi_results_reports_each_task(
    grace: httpx.Client, looker: FakeLooker, clock: ManualClock
) -> None:
    done = _task(grace, fmt="json")
    looker.config.query_task_seconds = 3.0
    slow = _task(grace, fmt="csv")
    ids = f"{done},{slow},nope"
    answer = grace.get("query_tasks/multi_results", params={"query_task_ids": ids}).json()
    assert answer[done]["status"] == "complete"
    assert answer[done]["data"] == grace.get("queries/102/run/json").json()
    assert answer[slow] == {"status": "running"} and answer["nope"] == {"status": "missing"}
    clock.advance(3.0)
    later = grace.get("query_tasks/multi_results", params={"query_task_ids": slow}).json()
    assert later[slow]["data"].startswith("Orders Created Month,")


def test_failed_sql_is_an_error_status_400_results_and_in_band_json_detail(
    grace: httpx.Client, looker: FakeLooker
) -> None:
    looker.config.fail_queries_with = "SQL Error: down"
    json_task, detail_task = _task(grace, fmt="json"), _task(grace, fmt="json_detail")
    assert grace.get(f"query_tasks/{json_task}").json()["status"] == "error"
    failed = grace.get(f"query_tasks/{json_task}/results")
    assert failed.status_code == 400 and failed.json()["message"] == "SQL Error: down"
    detail = grace.get(f"query_tasks/{detail_task}/results")
    assert detail.status_code == 200 and detail.json()["data"] == []
    assert detail.json()["errors"][0]["message"] == "SQL Error: down"
