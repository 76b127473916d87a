"""``bad_filter``: a filter value that is no expression for its field's type.

Looker's answer is unverified (docs/fidelity.md), so the stand-in gives both plausible ones:
the filter matches nothing (the default) or the query cannot be built (``"error"``)."""

from __future__ import annotations

import httpx
import pytest

from looker_nb_auth.fake_looker import FakeLooker, FakeLookerConfig


def _run(client: httpx.Client, filters: dict[str, str], view: str = "orders") -> httpx.Response:
    query = {"model": "demo", "view": view, "fields": [f"{view}.count"], "filters": filters}
    return client.post("queries/run/json", json=query)


def test_by_default_a_value_that_is_no_date_matches_nothing(grace: httpx.Client) -> None:
    response = _run(grace, {"orders.created_month": "not a date at all"})
    assert response.status_code == 200 and response.json() == [{"orders.count": 0}]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("orders.created_month", "not a date at all"),
        ("orders.created_date", "2026-01-01 or so"),
        ("orders.sale_price", "cheap"),
        ("orders.id", "1,two"),
        ("orders.created_filter", "someday"),
    ],
)
def test_error_makes_it_a_query_looker_cannot_build(
    grace: httpx.Client, looker: FakeLooker, field: str, value: str
) -> None:
    looker.config.bad_filter = "error"
    response = _run(grace, {field: value})
    assert response.status_code == 400, response.text
    [error] = response.json()["errors"]
    assert error["field"] == "filters" and field in error["message"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("orders.created_month", "2026-01"),
        ("orders.created_month", "2026-01,2026-02"),
        ("orders.created_date", "last 3 months"),
        ("orders.created_date", "3 days ago for 3 days"),
        ("orders.created_date", "before 2026-02-01"),
        ("orders.created_date", "2026-01-01 to 2026-03-01"),
        ("orders.created_date", "this year"),
        ("orders.created_date", "NULL"),
        ("orders.sale_price", ">10"),
        ("orders.sale_price", "[10, 20]"),
        ("orders.sale_price", "10 to 20"),
        ("orders.region", "not a date at all"),  # a string takes any text
        ("orders.count", ">5"),
        ("orders.created_filter", "last 3 months"),
    ],
)
def test_error_lets_lookers_expressions_through(
    grace: httpx.Client, looker: FakeLooker, field: str, value: str
) -> None:
    looker.config.bad_filter = "error"
    assert _run(grace, {field: value}).status_code == 200


def test_error_checks_yesno_on_events(grace: httpx.Client, looker: FakeLooker) -> None:
    looker.config.big_rows = 10
    looker.config.bad_filter = "error"
    assert _run(grace, {"events.is_weekend": "Yes"}, view="events").status_code == 200
    assert _run(grace, {"events.is_weekend": "maybe"}, view="events").status_code == 400


def test_error_at_creation_under_query_errors_create(
    grace: httpx.Client, looker: FakeLooker
) -> None:
    looker.config.bad_filter = "error"
    query = {
        "model": "demo",
        "view": "orders",
        "fields": ["orders.count"],
        "filters": {"orders.created_month": "soon"},
    }
    assert grace.post("queries", json=query).status_code == 200  # saved; fails when it runs
    looker.config.query_errors = "create"
    assert grace.post("queries", json=query).status_code == 422


def test_an_unknown_bad_filter_is_refused() -> None:
    with pytest.raises(ValueError, match="bad_filter must be one of match_nothing, error"):
        FakeLookerConfig(bad_filter="loud")  # type: ignore[arg-type]
