"""A query Looker cannot build is said to be so, naming the part, whether Looker refuses it at
``POST /queries`` (422) or, as real instances do, only when it runs (a query task that ends in
``error``); an SQL failure says it failed in the database; filters on measures are ordinary."""

from __future__ import annotations

from typing import Any

import pytest

from looker_nb_auth import LookerSession, QueryError
from looker_nb_auth.fake_looker import FakeLooker

from .conftest import Requests

MODES = ["run", "create"]
REGION = ["orders.region", "orders.count", "orders.total_sale_price"]
MISTAKES: list[tuple[dict[str, Any], str]] = [
    # A misspelled field never reaches Looker now: run_query refuses it first, from the explore's
    # metadata (tests/explore/test_run_query_checks.py). A custom field on an unknown field is
    # one the metadata cannot judge, so Looker answers it.
    (
        {
            "fields": [*REGION, "bad_sum"],
            "dynamic_fields": [{"measure": "bad_sum", "based_on": "orders.nope", "type": "sum"}],
        },
        "dynamic_fields",
    ),
    ({"sorts": ["orders.created_date desc"]}, "sorts"),
    ({"limit": "0"}, "limit"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("change", "part"), MISTAKES)
def test_a_query_looker_cannot_build_says_so_and_names_the_part(
    logged_in: LookerSession,
    looker: FakeLooker,
    seen: Requests,
    mode: str,
    change: dict[str, Any],
    part: str,
) -> None:
    looker.config.query_errors = mode  # type: ignore[assignment]
    query = {"model": "demo", "view": "orders", "fields": REGION, **change}
    with pytest.raises(QueryError) as caught:
        logged_in.run_query(query)
    sentence = str(caught.value)
    assert "database" not in sentence
    assert part in sentence and ("could not build" in sentence or "refused" in sentence)
    assert bool(seen.tasks_started()) == (mode == "run")  # refused at creation: no task


@pytest.mark.parametrize("mode", MODES)
def test_an_sql_failure_says_it_failed_in_the_database(
    logged_in: LookerSession, looker: FakeLooker, mode: str
) -> None:
    looker.config.query_errors = mode  # type: ignore[assignment]
    query = {"model": "demo", "view": "orders", "fields": ["orders.region", "orders.sql_error"]}
    with pytest.raises(QueryError, match="failed in the database") as caught:
        logged_in.run_query(query)
    assert "could not build" not in str(caught.value)


def test_a_filter_on_a_measure_keeps_the_groups_it_matches(logged_in: LookerSession) -> None:
    everything = logged_in.run_query(model="demo", view="orders", fields=REGION)
    middle = sorted(everything["orders.total_sale_price"])[1]
    frame = logged_in.run_query(
        model="demo",
        view="orders",
        fields=REGION,
        filters={"orders.total_sale_price": f">{middle}"},
    )
    expected = everything[everything["orders.total_sale_price"] > middle]
    assert sorted(frame["orders.region"]) == sorted(expected["orders.region"])
    assert 0 < len(frame) < len(everything)


def test_a_filter_on_a_measure_the_query_does_not_select_applies_too(
    logged_in: LookerSession,
) -> None:
    frame = logged_in.run_query(
        model="demo",
        view="orders",
        fields=["orders.region"],
        filters={"orders.count": ">1000"},
    )
    assert len(frame) == 0
