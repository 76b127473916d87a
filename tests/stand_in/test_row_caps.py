"""Row caps as Looker applies them: limits above 5,000 are accepted; ``-1`` gets every row
unless ``unlimited_row_cap`` says the user (or the query) cannot have them; SQL Runner stops at
``sql_runner_row_cap`` (5,000)."""

from __future__ import annotations

import httpx
import pytest

from looker_nb_auth.fake_looker import FakeLooker

EVENTS = {"model": "demo", "view": "events", "fields": ["events.id"]}
NUMBERS = (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 6000) SELECT i FROM n"
)


@pytest.fixture
def grace(looker: FakeLooker, grace: httpx.Client) -> httpx.Client:
    """conftest's Grace, on a stand-in with 7,000 events."""
    looker.config.big_rows = 7000
    return grace


def _rows(client: httpx.Client, limit: str) -> int:
    answer = client.post("queries/run/json", params={"limit": limit}, json=EVENTS)
    assert answer.status_code == 200
    return len(answer.json())


def test_a_limit_above_5000_is_accepted_and_cuts_at_itself(grace: httpx.Client) -> None:
    assert _rows(grace, "6000") == 6000
    created = grace.post("queries", json={**EVENTS, "limit": "6500"})
    assert created.status_code == 200
    assert len(grace.get(f"queries/{created.json()['id']}/run/json").json()) == 6500


def test_minus_one_gets_every_row_without_a_cap(grace: httpx.Client) -> None:
    assert _rows(grace, "-1") == 7000


def test_unlimited_row_cap_cuts_minus_one_silently(grace: httpx.Client, looker: FakeLooker) -> None:
    looker.config.unlimited_row_cap = 5000
    assert _rows(grace, "-1") == 5000
    assert _rows(grace, "6000") == 6000  # an explicit limit is not the cap's


def test_sql_runner_stops_at_its_row_cap(grace: httpx.Client, looker: FakeLooker) -> None:
    slug = grace.post("sql_queries", json={"connection_name": "demo", "sql": NUMBERS}).json()
    assert len(grace.post(f"sql_queries/{slug['slug']}/run/json").json()) == 5000
    looker.config.sql_runner_row_cap = None
    assert len(grace.post(f"sql_queries/{slug['slug']}/run/json").json()) == 6000
