"""``explore.query(...)``: checked against the explore before any request (each check can
refuse, with a sentence naming the part and close names), shown as it is, and run on the
DataFrame path (pandas, polars, Arrow, CSV), whose SQL and Explore URL it gives."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pandas as pd
import pytest

from looker_nb_auth import ExploreQuery, LookerSession, QueryError, QueryInvalid
from looker_nb_auth.explore.explore import Explore

from .conftest import Requests

REGION = ["orders.region", "orders.count", "orders.total_sale_price"]


@pytest.fixture
def orders(logged_in: LookerSession) -> Explore:
    return logged_in.explore("demo", "orders")


MISTAKES: list[tuple[dict[str, Any], str]] = [
    ({"fields": ["orders.regoin", "orders.count"]}, r"no field 'orders\.regoin'.*'orders\.region'"),
    ({"fields": []}, "needs at least one dimension or measure"),
    ({"fields": ["orders.created_filter"]}, "filter-only field.*cannot select it"),
    ({"fields": ["orders.metric_selector"]}, "parameter.*cannot select it"),
    (
        {"fields": REGION, "filters": {"orders.regon": "North"}},
        r"no field to filter by 'orders\.regon'.*'orders\.region'",
    ),
    (
        {"fields": REGION, "sorts": ["orders.cout desc"]},
        r"no field to sort by 'orders\.cout'.*'orders\.count'",
    ),
    (
        {"fields": REGION, "pivots": ["orders.categroy"]},
        r"no field to pivot on 'orders\.categroy'.*'orders\.category'",
    ),
    ({"fields": REGION, "pivots": ["orders.category"]}, "not in the query's fields"),
    ({"fields": REGION, "pivots": ["orders.count"]}, "pivot 'orders.count' is a measure"),
    (
        {"fields": REGION, "filters": {"orders.sale_price": "cheap"}},
        "not a number filter",
    ),
]


@pytest.mark.parametrize(("query", "sentence"), MISTAKES)
def test_a_query_that_cannot_be_right_is_refused_before_any_request(
    orders: Explore, seen: Requests, query: dict[str, Any], sentence: str
) -> None:
    before = list(seen.looker.requests)
    with pytest.raises(QueryInvalid, match=sentence) as caught:
        orders.query(**query)
    assert isinstance(caught.value, QueryError)  # code catching QueryError catches it too
    assert seen.looker.requests == before


def test_a_misspelled_field_is_refused_before_any_request_to_looker(
    logged_in: LookerSession, seen: Requests
) -> None:
    """Issue 21's "done when": the stand-in's request log proves nothing was asked."""
    explore = logged_in.explore("demo", "orders")
    seen.looker.reset_counters()
    asked = list(seen.looker.requests)
    with pytest.raises(QueryInvalid, match=r"did you mean 'orders\.region'"):
        explore.query(fields=["orders.regoin"]).to_pandas()
    assert seen.looker.requests == asked
    assert not seen.tasks_started()


def test_a_checked_query_runs_as_run_query_does(orders: Explore, logged_in: LookerSession) -> None:
    query = orders.query(fields=REGION, sorts=["orders.region"], limit=10)
    frame = query.to_pandas(progress=False)
    expected = logged_in.run_query(
        model="demo", view="orders", fields=REGION, sorts=["orders.region"], progress=False
    )
    pd.testing.assert_frame_equal(frame, expected)


def test_fields_and_filters_take_field_objects_too(orders: Explore) -> None:
    region = orders.fields.orders.region
    query = orders.query(fields=[region, orders["orders.count"]], filters={region: "North"})
    assert query.fields == ("orders.region", "orders.count")
    assert query.filters == (("orders.region", "North"),)


def test_a_filter_narrows_the_rows(orders: Explore) -> None:
    frame = orders.query(fields=REGION, filters={"orders.region": "North"}).to_pandas(
        progress=False
    )
    assert list(frame["orders.region"]) == ["North"]


def test_a_query_is_immutable_and_shows_what_it_asks(orders: Explore) -> None:
    query = orders.query(
        fields=REGION, filters={"orders.created_date": "last 7 days"}, sorts="orders.count desc"
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        query.limit = 5  # type: ignore[misc]
    shown = repr(query)
    assert shown.startswith("<ExploreQuery demo::orders")
    assert "orders.region, orders.count, orders.total_sale_price" in shown
    assert "orders.created_date = 'last 7 days'" in shown
    assert "orders.count desc" in shown


def test_sql_is_what_looker_generates(orders: Explore, logged_in: LookerSession) -> None:
    query = orders.query(fields=REGION)
    assert query.sql == logged_in.query_sql(model="demo", view="orders", fields=REGION)
    assert "SELECT" in query.sql


def test_url_opens_the_query_in_looker_s_explore_without_a_request(
    orders: Explore, logged_in: LookerSession, seen: Requests
) -> None:
    query = orders.query(
        fields=REGION,
        filters={"orders.created_date": "last 7 days"},
        sorts=["orders.count desc"],
        pivots=[],
        limit=50,
    )
    before = list(seen.looker.requests)
    url = urlsplit(query.url)
    assert seen.looker.requests == before
    assert f"{url.scheme}://{url.netloc}" == logged_in.looker_url == seen.looker.web_url
    assert url.path == "/explore/demo/orders"
    assert dict(parse_qsl(url.query)) == {
        "fields": ",".join(REGION),
        "f[orders.created_date]": "last 7 days",
        "sorts": "orders.count desc",
        "limit": "50",
    }


def test_to_polars_and_to_arrow_give_the_same_rows(orders: Explore) -> None:
    query = orders.query(fields=REGION, sorts=["orders.region"])
    frame = query.to_polars(progress=False)
    table = query.to_arrow(progress=False)
    assert frame.columns == REGION
    assert table.column_names == REGION
    assert table.num_rows == frame.height == len(query.to_pandas(progress=False))


def test_to_csv_writes_looker_s_csv(orders: Explore, tmp_path: Path) -> None:
    path = tmp_path / "regions.csv"
    assert orders.query(fields=REGION).to_csv(path, progress=False) == path
    assert path.read_text().count("\n") >= 4


def test_the_query_type_is_exported(orders: Explore) -> None:
    assert isinstance(orders.query(fields=REGION), ExploreQuery)
