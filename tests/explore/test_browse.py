"""Browsing: ``session.models()`` lists the models and their explores, ``session.explore()``
opens one with its fields (dimensions, measures, filter-only fields, parameters), each with its
labels, group, description, LookML type and the dtype its column gets; the metadata is read once
per explore per session and shared with ``run_query``'s typing."""

from __future__ import annotations

from typing import Any

import pytest

from looker_nb_auth import Explore, Field, LookerSession, Models, QueryInvalid, QueryNotFound
from looker_nb_auth.fake_looker import FakeLooker

from .conftest import AsyncRun, Requests

EXPLORE_GETS = "/api/4.0/lookml_models/demo/explores/orders"


def _metadata_reads(looker: FakeLooker) -> int:
    return sum(1 for m, p in looker.requests if m == "GET" and p == EXPLORE_GETS)


def test_models_lists_each_model_with_its_explores_in_one_request(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    models = logged_in.models()
    assert "demo" in models
    demo = models["demo"]
    assert demo.name == "demo" and demo.label and "orders" in list(demo)
    assert looker.requests == [("GET", "/api/4.0/lookml_models")]  # no explore opened yet


def test_a_model_opens_its_explore_as_session_explore_does(logged_in: LookerSession) -> None:
    explore = logged_in.models()["demo"]["orders"]
    assert isinstance(explore, Explore)
    assert explore is logged_in.explore("demo", "orders")  # the session's one copy


def test_the_models_list_is_read_once_per_session_unless_refreshed(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    logged_in.models()
    logged_in.models()
    logged_in.models(refresh=True)
    assert looker.requests.count(("GET", "/api/4.0/lookml_models")) == 2


def test_an_explore_lists_its_fields_by_category(logged_in: LookerSession) -> None:
    explore = logged_in.explore("demo", "orders")
    assert (explore.model, explore.name, explore.label) == ("demo", "orders", "Orders")
    assert "orders.region" in explore.dimensions.names
    assert "orders.total_sale_price" in explore.measures.names
    assert explore.filters.names == ["orders.created_filter"]
    assert explore.parameters.names == ["orders.metric_selector"]
    assert not set(explore.dimensions.names) & set(explore.measures.names)


def test_a_field_says_what_looker_says_of_it_and_the_dtype_it_becomes(
    logged_in: LookerSession,
) -> None:
    field = logged_in.explore("demo", "orders")["orders.created_month"]
    assert isinstance(field, Field)
    assert (field.view, field.view_label) == ("orders", "Orders")
    assert (field.group_label, field.group_variant) == ("Created Date", "Month")
    assert (field.lookml_type, field.category, field.dtype) == (
        "date_month",
        "dimension",
        "datetime64",
    )
    revenue = logged_in.explore("demo", "orders")["orders.total_sale_price"]
    assert revenue.description.startswith("Revenue")
    assert revenue.dtype == "Int64 or float64"


def test_the_dtype_a_field_shows_is_the_dtype_run_query_gives(logged_in: LookerSession) -> None:
    explore = logged_in.explore("demo", "orders")
    names = ["orders.region", "orders.created_date", "orders.count", "orders.total_sale_price"]
    frame = explore.query(fields=names).to_pandas(progress=False)
    for name in names:
        shown, got = explore[name].dtype, str(frame[name].dtype)
        assert (
            got.startswith(shown.split()[0])
            or got in shown
            or (shown == "string" and got in ("str", "string", "object"))
        ), (name, shown, got)


def test_hidden_fields_are_not_listed_but_can_be_looked_up(logged_in: LookerSession) -> None:
    explore = logged_in.explore("demo", "orders")
    assert "orders.sql_error" not in explore.dimensions.names
    assert "orders.sql_error" not in explore._ipython_key_completions_()
    assert explore.hidden.names == ["orders.sql_error"]
    assert explore["orders.sql_error"].hidden


def test_a_misspelled_field_is_refused_with_the_names_it_is_close_to(
    logged_in: LookerSession,
) -> None:
    explore = logged_in.explore("demo", "orders")
    with pytest.raises(
        QueryInvalid, match=r"no field 'orders\.regoin'; did you mean 'orders\.region'"
    ):
        explore["orders.regoin"]


def test_a_field_is_found_by_its_label_when_misnamed(logged_in: LookerSession) -> None:
    explore = logged_in.explore("demo", "orders")
    with pytest.raises(QueryInvalid, match=r"did you mean 'orders\.total_sale_price'"):
        explore["orders.total sale price"]


def test_search_finds_fields_by_name_label_or_description_in_any_case(
    logged_in: LookerSession,
) -> None:
    explore = logged_in.explore("demo", "orders")
    assert explore.search("REVENUE").names == ["orders.total_sale_price"]  # description
    assert "orders.region" in explore.search("region").names  # name
    assert "orders.created_month" in explore.search("created month").names  # label
    assert explore.search("no such thing") == []


def test_an_explore_is_read_once_per_session_and_run_query_reads_it_no_more(
    logged_in: LookerSession, looker: FakeLooker, seen: Requests
) -> None:
    logged_in.explore("demo", "orders")
    logged_in.explore("demo", "orders")
    logged_in.run_query(
        model="demo", view="orders", fields=["orders.region", "orders.count"], progress=False
    )
    assert _metadata_reads(looker) == 1
    assert len(seen.tasks_started()) == 1


def test_refresh_reads_the_explore_again(logged_in: LookerSession, looker: FakeLooker) -> None:
    first = logged_in.explore("demo", "orders")
    again = logged_in.explore("demo", "orders", refresh=True)
    assert _metadata_reads(looker) == 2
    assert again is not first
    assert again is logged_in.explore("demo", "orders")


def test_an_unknown_explore_is_query_not_found(logged_in: LookerSession) -> None:
    with pytest.raises(QueryNotFound, match="demo::nope"):
        logged_in.explore("demo", "nope")


def test_the_async_twins_browse_on_the_event_loop(
    logged_in: LookerSession, looker: FakeLooker, run_async: AsyncRun[Any]
) -> None:
    async def browse() -> tuple[Models, Explore]:
        return await logged_in.amodels(), await logged_in.aexplore("demo", "orders")

    models, explore = run_async(browse())
    assert "orders" in models["demo"]
    assert explore is logged_in.explore("demo", "orders")  # kept: no second request
    assert _metadata_reads(looker) == 1


def test_hidden_explores_are_not_listed_but_open_by_name(logged_in: LookerSession) -> None:
    listed = [{"name": "m", "explores": [{"name": "orders"}, {"name": "secret", "hidden": True}]}]
    model = Models(listed, logged_in)["m"]
    assert list(model) == ["orders"] and len(model) == 1
    assert "secret" in model  # hidden, not absent
    assert [e.name for e in model.listed] == ["orders"]


def test_an_unknown_model_or_explore_is_a_key_error_naming_close_ones(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    models = logged_in.models()
    with pytest.raises(KeyError, match="did you mean 'demo'"):
        models["dmeo"]
    with pytest.raises(KeyError, match="did you mean 'orders'"):
        models["demo"]["ordres"]
    assert models.get("nope") is None
    assert looker.requests == [("GET", "/api/4.0/lookml_models")]  # nothing opened


def test_the_models_are_read_only(logged_in: LookerSession) -> None:
    models = logged_in.models()
    with pytest.raises(TypeError, match="refresh=True"):
        models["mine"] = models["demo"]
    with pytest.raises(TypeError):
        del models["demo"]
