"""``session.look(id)``: a saved Look and its query, read in one request; ``run()`` runs it as
saved; ``with_filters``/``with_sorts``/``with_limit`` make a new query from it, checked against
the explore as ``explore.query()`` is, runnable as one, and never change the saved Look (the
stand-in's request log shows no write to it)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest

from looker_nb_auth import ExploreQuery, LookerSession, QueryInvalid, QueryNotFound
from looker_nb_auth.content import Look, LookQuery
from looker_nb_auth.fake_looker import FakeLooker


def _writes(looker: FakeLooker) -> list[tuple[str, str]]:
    """Requests that could change saved content: anything but a read or a new query."""
    return [
        (method, path)
        for method, path in looker.requests
        if method not in ("GET", "HEAD") and not path.endswith(("/queries", "/query_tasks"))
    ]


def test_look_reads_the_look_and_its_query_in_one_request(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    look = logged_in.look(1)
    assert isinstance(look, Look)
    assert (look.id, look.title, look.folder) == ("1", "Sales by region", "Sales")
    assert look.description == "Orders and revenue per region, 2026."
    assert (look.model, look.explore, look.view) == ("demo", "orders", "orders")
    assert look.fields == ("orders.region", "orders.count", "orders.total_sale_price")
    assert look.sorts == ("orders.total_sale_price desc",)
    assert (look.filters, look.pivots, look.limit) == ({}, (), 500)
    assert look.url == f"{logged_in.looker_url}/looks/1"
    assert looker.requests == [("GET", "/api/4.0/looks/1")]
    assert "<Look 1: 'Sales by region' (demo::orders)" in repr(look)


def test_a_looks_table_calculations_and_custom_fields_are_part_of_it(
    logged_in: LookerSession,
) -> None:
    look = logged_in.look("4")
    names = {
        entry.get("table_calculation") or entry.get("measure")
        for entry in json.loads(look.dynamic_fields)
    }
    assert names == {"average_sale", "sum_of_sale_price"}
    assert "dynamic_fields" in repr(look)


def test_an_unknown_look_is_query_not_found_with_a_sentence(logged_in: LookerSession) -> None:
    with pytest.raises(QueryNotFound, match="Look '999'") as caught:
        logged_in.look(999)
    assert str(caught.value).endswith(".")


def test_run_runs_the_look_as_saved(logged_in: LookerSession) -> None:
    look = logged_in.look(1)
    pd.testing.assert_frame_equal(look.run(), logged_in.run_look(1))


def test_with_filters_runs_the_looks_query_filtered_and_leaves_the_look_as_it_is(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    look = logged_in.look(1)
    everywhere = look.run()
    north = look.with_filters({"orders.region": "North"})
    assert isinstance(north, LookQuery) and isinstance(north, ExploreQuery)
    assert north.fields == look.fields and north.sorts == look.sorts
    frame = north.to_pandas()
    assert list(frame["orders.region"]) == ["North"]
    expected = everywhere[everywhere["orders.region"] == "North"].reset_index(drop=True)
    pd.testing.assert_frame_equal(frame, expected, check_like=True, check_dtype=False)
    assert _writes(looker) == []
    again = logged_in.look(1)
    assert (again.query_id, again.filters, again.limit) == (look.query_id, {}, 500)


def test_filters_merge_over_the_looks_own_and_none_removes_one(logged_in: LookerSession) -> None:
    north = logged_in.look(1).with_filters({"orders.region": "North"})
    both = north.with_filters({"orders.category": "Books"})
    assert dict(both.filters) == {"orders.region": "North", "orders.category": "Books"}
    only_books = both.with_filters({"orders.region": None})
    assert dict(only_books.filters) == {"orders.category": "Books"}
    assert dict(north.filters) == {"orders.region": "North"}  # each step is a new query


def test_with_limit_and_with_sorts_change_only_the_new_query(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    look = logged_in.look(1)
    top = look.with_sorts(["orders.count desc"]).with_limit(2)
    frame = top.to_pandas()
    assert len(frame) == 2
    assert list(frame["orders.count"]) == sorted(look.run()["orders.count"], reverse=True)[:2]
    assert top.body()["sorts"] == ["orders.count desc"] and top.body()["limit"] == "2"
    assert _writes(looker) == []
    assert logged_in.look(1).sorts == ("orders.total_sale_price desc",)


def test_a_misspelled_filter_field_is_refused_before_any_request(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    look = logged_in.look(1)
    look.query()  # the explore's fields, read once
    before = list(looker.requests)
    with pytest.raises(QueryInvalid, match=r"'orders\.regon'.*'orders\.region'"):
        look.with_filters({"orders.regon": "North"})
    assert looker.requests == before


def test_a_look_with_table_calculations_keeps_them_with_other_filters(
    logged_in: LookerSession,
) -> None:
    look = logged_in.look(4)
    north = look.with_filters({"orders.region": "North"})
    assert north.body()["dynamic_fields"] == look.dynamic_fields
    frame = north.to_pandas()
    assert list(frame["orders.region"]) == ["North"]
    assert {"average_sale", "sum_of_sale_price"} <= set(frame.columns)
    url = urlsplit(north.url)
    assert url.path == "/explore/demo/orders"
    assert parse_qs(url.query)["dynamic_fields"] == [look.dynamic_fields]
    assert parse_qs(url.query)["f[orders.region]"] == ["North"]


def test_a_look_query_shows_where_it_came_from(logged_in: LookerSession) -> None:
    shown = repr(logged_in.look(1).with_limit(10))
    assert shown.startswith("<LookQuery from Look 1: demo::orders")
    assert "limit:   10>" in shown
