"""Results as a broken proxy or Looker might send them: ``malformed_results`` (a body that does
not parse, in one of four shapes) and ``ignore_limit`` (more rows than the limit asked for)."""

from __future__ import annotations

import csv
import json

import httpx
import pytest

from looker_nb_auth.fake_looker import FakeLooker, FakeLookerConfig
from looker_nb_auth.fake_looker._malformed import DEEP

SQL = "SELECT region, COUNT(*) AS orders FROM orders GROUP BY region"


def _sql_run(client: httpx.Client, result_format: str) -> bytes:
    slug = client.post("sql_queries", json={"connection_name": "demo", "sql": SQL}).json()["slug"]
    return client.post(f"sql_queries/{slug}/run/{result_format}").content


def _rows(text: bytes) -> list[list[str]]:
    return list(csv.reader(text.decode().splitlines()))


def test_cut_row_ends_a_csv_inside_a_quoted_cell_and_a_json_before_its_end(
    grace: httpx.Client, looker: FakeLooker
) -> None:
    whole = grace.get("looks/1/run/csv").content
    looker.config.malformed_results = "cut_row"
    cut = grace.get("looks/1/run/csv").content
    assert cut.startswith(whole)
    assert cut[len(whole) :] == b'"cut sho'
    for sent in (grace.get("looks/1/run/json").content, _sql_run(grace, "json")):
        with pytest.raises(json.JSONDecodeError):
            json.loads(sent)


def test_bad_utf8_sends_bytes_that_are_not_utf8(grace: httpx.Client, looker: FakeLooker) -> None:
    looker.config.malformed_results = "bad_utf8"
    for sent in (
        grace.get("looks/1/run/csv").content,
        grace.get("looks/1/run/json_detail").content,
        _sql_run(grace, "json"),
        _sql_run(grace, "csv"),
    ):
        with pytest.raises(UnicodeDecodeError):
            sent.decode("utf-8")


def test_deep_json_nests_an_array_100000_deep_and_leaves_csv_alone(
    grace: httpx.Client, looker: FakeLooker
) -> None:
    whole = grace.get("looks/1/run/csv").content
    looker.config.malformed_results = "deep_json"
    for sent in (grace.get("looks/1/run/json_detail").content, _sql_run(grace, "json")):
        assert sent == b"[" * DEEP + b"]" * DEEP
    assert grace.get("looks/1/run/csv").content == whole


def test_wrong_shape_adds_a_cell_to_a_csv_row_and_sends_json_rows_as_arrays(
    grace: httpx.Client, looker: FakeLooker
) -> None:
    whole = _rows(grace.get("looks/1/run/csv").content)
    looker.config.malformed_results = "wrong_shape"
    rows = _rows(grace.get("looks/1/run/csv").content)
    assert rows[0] == whole[0]
    assert len(rows[1]) == len(whole[0]) + 1
    assert rows[2:] == whole[1:]
    for sent in (grace.get("looks/1/run/json").content, _sql_run(grace, "json")):
        assert all(isinstance(row, list) for row in json.loads(sent))


def test_query_task_results_are_malformed_too(grace: httpx.Client, looker: FakeLooker) -> None:
    looker.config.malformed_results = "cut_row"
    task = grace.post("query_tasks", json={"query_id": "101", "result_format": "csv"}).json()
    assert grace.get(f"query_tasks/{task['id']}/results").content.endswith(b'"cut sho')


def test_malformed_results_are_never_cached(grace: httpx.Client, looker: FakeLooker) -> None:
    looker.config.big_rows = 100
    url = "queries/run/csv"
    query = {"model": "demo", "view": "events", "fields": ["events.id"]}
    looker.config.malformed_results = "cut_row"
    grace.post(url, json=query)
    looker.config.malformed_results = None
    assert not grace.post(url, json=query).content.endswith(b'"cut sho')
    assert looker.result_cache.entries == 1  # the well-formed run alone


def test_ignore_limit_sends_every_row_whatever_the_limit(
    grace: httpx.Client, looker: FakeLooker
) -> None:
    assert len(grace.get("looks/1/run/json", params={"limit": "2"}).json()) == 2
    looker.config.ignore_limit = True
    every = grace.get("looks/1/run/json", params={"limit": "-1"}).json()
    assert len(every) > 2
    assert grace.get("looks/1/run/json", params={"limit": "2"}).json() == every


def test_ignore_limit_holds_for_query_tasks_and_big_results(
    grace: httpx.Client, looker: FakeLooker
) -> None:
    looker.config.big_rows = 1200
    looker.config.ignore_limit = True
    created = grace.post(
        "queries", json={"model": "demo", "view": "events", "fields": ["events.id"], "limit": "5"}
    ).json()
    task = grace.post(
        "query_tasks",
        params={"limit": "10"},
        json={"query_id": created["id"], "result_format": "csv"},
    ).json()
    body = grace.get(f"query_tasks/{task['id']}/results").content
    assert len(_rows(body)) == 1 + 1200


def test_an_unknown_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="malformed_results must be one of cut_row"):
        FakeLookerConfig(malformed_results="garbled")  # type: ignore[arg-type]
