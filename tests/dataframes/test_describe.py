"""Step 1, describe: a Look, a query dict, id, slug or keywords become the saved query to run,
and the explore's field metadata says what each field holds."""

from __future__ import annotations

import pandas as pd
import pytest

from looker_nb_auth import LookerSession, QueryError, QueryNotFound
from looker_nb_auth.dataframes.describe import Query, SavedQueries, columns_from_metadata
from looker_nb_auth.fake_looker import FakeLooker

from .helpers import BY_REGION, lookml_field

# -- the saved query ------------------------------------------------------------------------------


def test_a_look_comes_back_as_a_typed_dataframe(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    frame = logged_in.run_look(1)
    assert ("GET", "/api/4.0/queries/101") not in looker.requests  # the Look carried its query
    assert list(frame.columns) == ["orders.region", "orders.count", "orders.total_sale_price"]
    assert str(frame["orders.count"].dtype) == "Int64"
    assert frame["orders.total_sale_price"].dtype == "float64"
    assert pd.api.types.is_string_dtype(frame["orders.region"])
    assert frame["orders.count"].sum() == 60
    assert frame.attrs["labels"]["orders.total_sale_price"] == "Orders Total Sale Price"


def test_a_dict_a_query_id_and_keywords_run_the_same_query(logged_in: LookerSession) -> None:
    from_dict = logged_in.run_query(BY_REGION)
    from_keywords = logged_in.run_query(**BY_REGION)
    from_id = logged_in.run_query(from_dict.attrs["query_id"])
    pd.testing.assert_frame_equal(from_dict, from_keywords)
    pd.testing.assert_frame_equal(from_dict, from_id)
    assert list(from_dict["orders.region"]) == ["East", "North", "South", "West"]


def test_a_query_slug_runs_the_saved_query(logged_in: LookerSession) -> None:
    slug = logged_in.client.get("queries/101").json()["slug"]
    pd.testing.assert_frame_equal(logged_in.run_query(slug), logged_in.run_query(101))


def test_filters_and_sorts_are_sent_to_looker(logged_in: LookerSession) -> None:
    frame = logged_in.run_query(
        model="demo",
        view="orders",
        fields=["orders.category", "orders.count"],
        filters={"orders.region": "North"},
        sorts=["orders.count desc"],
    )
    assert frame["orders.count"].sum() == 15
    assert list(frame["orders.count"]) == sorted(frame["orders.count"], reverse=True)


def test_a_query_saved_before_in_the_session_is_run_without_saving_it_again(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    first = logged_in.run_query(BY_REGION)
    again = logged_in.run_query(**BY_REGION)  # the same WriteQuery, by keywords
    other = logged_in.run_query({**BY_REGION, "limit": 2})
    saved = [p for m, p in looker.requests if m == "POST" and p == "/api/4.0/queries"]
    assert len(saved) == 2  # BY_REGION once, the other query once
    pd.testing.assert_frame_equal(first, again)
    assert again.attrs["query_id"] == first.attrs["query_id"] != other.attrs["query_id"]
    assert len(other) == 2
    assert logged_in.query_sql(BY_REGION).startswith("SELECT")
    assert len([p for m, p in looker.requests if m == "POST" and p == "/api/4.0/queries"]) == 2


def test_a_remembered_query_looker_no_longer_has_is_saved_again(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    first = logged_in.run_query(BY_REGION)
    looker._ctx.data.queries.clear()  # a Looker that no longer has the query
    again = logged_in.run_query(BY_REGION)
    looker._ctx.data.queries.clear()
    assert logged_in.query_sql(BY_REGION).startswith("SELECT")
    saved = [p for m, p in looker.requests if m == "POST" and p == "/api/4.0/queries"]
    assert len(saved) == 3  # the first run, then again after each 404
    pd.testing.assert_frame_equal(first, again, check_like=True)


def test_the_queries_a_session_remembers_are_bounded() -> None:
    remembered = SavedQueries()
    for n in range(SavedQueries.SIZE + 1):
        body = {"model": "demo", "view": "orders", "fields": ["orders.id"], "limit": str(n)}
        remembered.keep(body, Query.from_json({"id": str(n), **body}))
    first = {"model": "demo", "view": "orders", "fields": ["orders.id"], "limit": "0"}
    last = {**first, "limit": str(SavedQueries.SIZE)}
    assert remembered.get(SavedQueries.key(first)) is None  # the least recently used went
    found = remembered.get(SavedQueries.key(last))
    assert found is not None and found.id == str(SavedQueries.SIZE)


def test_a_saved_query_takes_no_query_keywords(logged_in: LookerSession) -> None:
    with pytest.raises(TypeError, match="cannot take fields"):
        logged_in.run_query(101, fields=["orders.id"])


def test_a_query_needs_model_view_and_fields(logged_in: LookerSession, looker: FakeLooker) -> None:
    with pytest.raises(TypeError, match=r"missing: view, fields"):
        logged_in.run_query(model="demo")
    assert looker.requests == []


def test_an_unknown_slug_raises_not_found_naming_it(logged_in: LookerSession) -> None:
    with pytest.raises(QueryNotFound, match="query 'noSuchQ'"):
        logged_in.run_query("noSuchQ")


def test_an_unknown_explore_raises_not_found_naming_it(logged_in: LookerSession) -> None:
    with pytest.raises(QueryNotFound, match="demo::nope"):
        logged_in.run_query(model="demo", view="nope", fields=["nope.id"])


def test_an_unknown_field_raises_naming_it(logged_in: LookerSession) -> None:
    with pytest.raises(QueryError, match=r"orders\.nope"):
        logged_in.run_query(model="demo", view="orders", fields=["orders.nope"])


def test_an_unknown_look_raises_not_found_naming_it(logged_in: LookerSession) -> None:
    with pytest.raises(QueryNotFound, match="Look '999'"):
        logged_in.run_look(999)


# -- what the fields hold -------------------------------------------------------------------------


def test_an_explores_metadata_is_asked_once_per_session(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    logged_in.run_query(BY_REGION)
    logged_in.run_query(model="demo", view="orders", fields=["orders.id"], limit=100)
    asked = [p for _m, p in looker.requests if p.startswith("/api/4.0/lookml_models/")]
    assert asked == ["/api/4.0/lookml_models/demo/explores/orders"]


def test_lookml_types_map_to_kinds() -> None:
    fields = [
        lookml_field("t.zip", "zipcode"),
        lookml_field("t.quarter", "date_quarter"),
        lookml_field("t.week", "date_week"),
        lookml_field("t.minute15", "date_minute15"),
        lookml_field("t.day_of_week", "date_day_of_week"),
        lookml_field("t.day_of_month", "date_day_of_month"),
        lookml_field("t.active", "yesno"),
        lookml_field("t.score", "number"),
        lookml_field("t.tier", "tier"),
        lookml_field("t.odd", "something_new"),
        lookml_field("t.total", "sum", measure=True),
    ]
    columns = columns_from_metadata({"dimensions": fields[:-1], "measures": fields[-1:]})
    assert {name: column.kind for name, column in columns.items()} == {
        "t.zip": "string",
        "t.quarter": "quarter",
        "t.week": "datetime",
        "t.minute15": "datetime",
        "t.day_of_week": "string",
        "t.day_of_month": "number",
        "t.active": "boolean",
        "t.score": "number",
        "t.tier": "string",
        "t.odd": "inferred",
        "t.total": "number",
    }
    assert columns["t.week"].time_format == "%Y-%m-%d"
    assert columns["t.total"].label == "T Total"
