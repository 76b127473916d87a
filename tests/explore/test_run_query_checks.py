"""``session.run_query(model=..., view=..., fields=...)`` and ``query_sql`` check a new query
as ``explore.query`` does, from the same metadata (read once per session, shared with browsing
and typing), before ``POST /queries``; where the metadata cannot be read, Looker answers the
query as before."""

from __future__ import annotations

import json
from typing import Any

import pytest

from looker_nb_auth import LookerSession, QueryInvalid, QueryNotFound
from looker_nb_auth.fake_looker import FakeLooker

from .conftest import AsyncRun, Requests

REGION = ["orders.region", "orders.count"]
METADATA = ("GET", "/api/4.0/lookml_models/demo/explores/orders")


def _posts(looker: FakeLooker) -> int:
    return sum(1 for m, p in looker.requests if (m, p) == ("POST", "/api/4.0/queries"))


def test_a_misspelled_field_in_run_query_is_refused_before_the_query_is_sent(
    logged_in: LookerSession, looker: FakeLooker, seen: Requests
) -> None:
    with pytest.raises(
        QueryInvalid, match=r"no field 'orders\.regoin'; did you mean 'orders\.region'"
    ):
        logged_in.run_query(model="demo", view="orders", fields=["orders.regoin", "orders.count"])
    assert looker.requests == [METADATA]  # the metadata, and nothing sent
    assert not seen.tasks_started()


@pytest.mark.parametrize(
    ("change", "sentence"),
    [
        ({"filters": {"orders.created_month": "not a date at all"}}, "not a date filter"),
        ({"sorts": ["orders.cout desc"]}, r"no field to sort by 'orders\.cout'"),
        ({"pivots": ["orders.category"]}, "not in the query's fields"),
    ],
)
def test_run_query_checks_filters_sorts_and_pivots_too(
    logged_in: LookerSession, looker: FakeLooker, change: dict[str, Any], sentence: str
) -> None:
    query = {"model": "demo", "view": "orders", "fields": REGION, **change}
    with pytest.raises(QueryInvalid, match=sentence):
        logged_in.run_query(query)
    assert _posts(looker) == 0


def test_query_sql_checks_too(logged_in: LookerSession, looker: FakeLooker) -> None:
    with pytest.raises(QueryInvalid):
        logged_in.query_sql(model="demo", view="orders", fields=["orders.regoin"])
    assert _posts(looker) == 0


def test_the_async_twin_checks_too(
    logged_in: LookerSession, looker: FakeLooker, run_async: AsyncRun[Any]
) -> None:
    with pytest.raises(QueryInvalid):
        run_async(logged_in.arun_query(model="demo", view="orders", fields=["orders.regoin"]))
    assert _posts(looker) == 0


def test_a_valid_query_reads_the_metadata_once_for_checking_browsing_and_typing(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    for _ in range(2):
        logged_in.run_query(model="demo", view="orders", fields=REGION, progress=False)
    logged_in.explore("demo", "orders")
    assert looker.requests.count(METADATA) == 1


def test_names_the_query_defines_itself_are_not_refused(logged_in: LookerSession) -> None:
    dynamic = [{"table_calculation": "share", "label": "Share", "expression": "1"}]
    query = {
        "model": "demo",
        "view": "orders",
        "fields": [*REGION, "share"],
        "sorts": ["share desc"],
        "dynamic_fields": json.dumps(dynamic),
    }
    logged_in.query_sql(query)  # not refused: Looker is asked


def test_an_explore_without_readable_metadata_is_left_to_looker(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    """No such explore: the metadata is a 404, the query is sent, and Looker's answer is the
    error, as before the checks."""
    with pytest.raises(QueryNotFound):
        logged_in.run_query(model="demo", view="nope", fields=["nope.x"])
    assert _posts(looker) == 1


def test_a_saved_query_is_run_as_saved(logged_in: LookerSession, looker: FakeLooker) -> None:
    """A saved query (an id or slug) or a Look is Looker's already: nothing to check, no
    metadata read for it before it runs."""
    logged_in.run_look(1, progress=False)
    assert _posts(looker) == 0
