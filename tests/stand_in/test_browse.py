"""Browsing the stand-in through the official looker_sdk: models, Looks, dashboards, folders.

Each answer is deserialized by looker_sdk's own models (``session.sdk`` on a session logged in
through the stand-in's pages), so the shapes are proven to be the SDK's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from looker_sdk import error as sdk_error
from looker_sdk.sdk.api40.methods import Looker40SDK
from looker_sdk.sdk.api40.models import Category
from support import CLIENT_GUID, REDIRECT_URI, log_in, make_session

from looker_nb_auth.fake_looker import FakeLooker, ManualClock

from .helpers import ADA, GRACE

SdkFor = Callable[[str], Looker40SDK]


@pytest.fixture
def sdk_for(looker: FakeLooker, clock: ManualClock) -> Iterator[SdkFor]:
    """``session.sdk`` of a session logged in as the given user."""
    looker.register_app(CLIENT_GUID, REDIRECT_URI, "looker-nb-auth tests", "Tests.")
    sessions = []

    def sdk(email: str) -> Looker40SDK:
        session = make_session(looker, clock)
        sessions.append(session)
        log_in(session, email)
        return session.sdk

    yield sdk
    for session in sessions:
        session.close()


@pytest.fixture
def ada(sdk_for: SdkFor) -> Looker40SDK:
    return sdk_for(ADA)


def test_all_lookml_models_lists_the_models_each_user_may_see(
    sdk_for: SdkFor, looker: FakeLooker
) -> None:
    ada, grace = sdk_for(ADA), sdk_for(GRACE)
    models = {m.name: m for m in ada.all_lookml_models()}
    assert list(models) == ["demo", "finance"]
    demo = models["demo"]
    assert demo.label == "Demo" and demo.project_name == "demo" and demo.has_content
    assert demo.allowed_db_connection_names == ["demo"]
    [orders] = demo.explores or []
    assert (orders.name, orders.label, orders.group_label) == ("orders", "Orders", "Demo")
    assert orders.description and orders.hidden is False
    assert [m.name for m in grace.all_lookml_models()] == ["demo"]
    assert [m.name for m in ada.all_lookml_models(exclude_empty=True)] == ["demo"]
    assert [m.name for m in ada.all_lookml_models(limit=1, offset=1)] == ["finance"]
    looker.config.big_rows = 3
    [demo] = grace.all_lookml_models(fields="name,explores(name)")
    assert [e.name for e in demo.explores or []] == ["orders", "events"]
    assert demo.label is None  # trimmed away by fields=


def test_a_model_outside_the_users_model_sets_is_a_404_as_if_absent(sdk_for: SdkFor) -> None:
    ada, grace = sdk_for(ADA), sdk_for(GRACE)
    assert ada.lookml_model("finance").label == "Finance"
    assert grace.lookml_model("demo").name == "demo"
    for sdk, name in [(grace, "finance"), (ada, "thelook"), (ada, "Demo")]:
        with pytest.raises(sdk_error.SDKError) as caught:
            sdk.lookml_model(name)
        assert "Not found" in str(caught.value)


def test_lookml_model_explore_through_the_sdk_has_groups_filters_and_parameters(
    ada: Looker40SDK,
) -> None:
    explore = ada.lookml_model_explore("demo", "orders")
    assert explore.fields is not None
    month = next(d for d in explore.fields.dimensions or [] if d.name == "orders.created_month")
    assert (month.field_group_label, month.field_group_variant) == ("Created Date", "Month")
    assert [f.category for f in explore.fields.filters or []] == [Category.filter]
    assert [p.category for p in explore.fields.parameters or []] == [Category.parameter]
    trimmed = ada.lookml_model_explore("demo", "orders", fields="fields(measures(name))")
    assert trimmed.fields is not None and trimmed.name is None
    assert [m.name for m in trimmed.fields.measures or []] == [
        "orders.count",
        "orders.total_sale_price",
        "orders.average_sale_price",
    ]


@pytest.mark.parametrize(
    ("title", "found"),
    [
        ("sales by region", ["1"]),  # case-insensitive, the whole title
        ("Sales", []),  # no wildcard: not a substring match
        ("%sales%", ["1", "2"]),
        ("%SALE%", ["1", "2", "4"]),
        ("M_nthly%", ["2"]),
        ("%by%", ["1", "3", "4"]),
    ],
)
def test_search_looks_matches_titles_as_sql_like_without_case(
    ada: Looker40SDK, title: str, found: list[str]
) -> None:
    assert [look.id for look in ada.search_looks(title=title)] == found


def test_search_looks_by_folder_ids_with_or_sorts_and_pages(
    ada: Looker40SDK, grace: httpx.Client
) -> None:
    in_sales = ada.search_looks(folder_id="5")
    assert [look.id for look in in_sales] == ["1", "2"]
    assert {look.folder.name for look in in_sales if look.folder} == {"Sales"}
    assert all(look.query_id for look in in_sales)
    raw = grace.get("looks/search", params={"folder_id": "5"}).json()
    assert [look["id"] for look in raw] == ["1", "2"]
    assert all("query" not in look for look in raw)  # a Look, not a LookWithQuery
    assert [look.id for look in ada.search_looks(id="1,3")] == ["1", "3"]
    either = ada.search_looks(title="Monthly sales", folder_id="1", filter_or=True)
    assert [look.id for look in either] == ["2", "3"]
    assert [look.id for look in ada.search_looks(title="Monthly sales", folder_id="1")] == []
    by_title = ada.search_looks(sorts="title desc", fields="id,title")
    assert [look.title for look in by_title] == [
        "Sales by region",
        "Monthly sales",
        "Average sale by region",
        "Average price by category",
    ]
    assert by_title[0].description is None  # trimmed away by fields=
    assert [look.id for look in ada.search_looks(sorts="title", limit=2, offset=1)] == ["4", "2"]
    assert [look.id for look in ada.search_looks(description="is null")] == []


def test_a_looks_folder_is_the_same_wherever_it_is_read(ada: Looker40SDK) -> None:
    look = ada.look("1")
    assert look.folder_id == "5" and look.folder is not None and look.folder.name == "Sales"
    assert look.folder.parent_id == "1" and look.query is not None
    assert {(lk.id, lk.folder_id) for lk in ada.all_looks()} == {
        ("1", "5"),
        ("2", "5"),
        ("3", "1"),
        ("4", "101"),
    }


def test_dashboards_list_search_and_show_their_tiles(ada: Looker40SDK) -> None:
    listed = ada.all_dashboards()
    assert [(d.id, d.title) for d in listed] == [("1", "Sales overview"), ("2", "Category prices")]
    assert listed[0].folder is not None and listed[0].folder.name == "Sales"
    [found] = ada.search_dashboards(title="%OVERVIEW")
    assert found.id == "1"
    dashboard = ada.dashboard("1")
    elements = dashboard.dashboard_elements or []
    assert [(e.look_id, e.query_id) for e in elements] == [("1", None), ("2", None)]
    assert elements[0].look is not None and elements[0].look.query is not None
    [tile] = ada.dashboard("2").dashboard_elements or []
    assert tile.look_id is None and tile.query_id == "103" and tile.query is not None
    assert tile.query.fields == ["orders.category", "orders.average_sale_price"]
    with pytest.raises(sdk_error.SDKError):
        ada.dashboard("99")


def test_folders_list_search_and_hold_their_looks_and_dashboards(ada: Looker40SDK) -> None:
    folders = {f.id: f for f in ada.all_folders()}
    assert {i: f.name for i, f in folders.items()} == {
        "1": "Shared",
        "2": "Users",
        "5": "Sales",
        "101": "Ada Lovelace",
        "102": "Grace Hopper",
    }
    assert folders["1"].is_shared_root and folders["2"].is_users_root
    assert folders["101"].is_personal and folders["1"].child_count == 1
    sales = ada.folder("5")
    assert [look.id for look in sales.looks or []] == ["1", "2"]
    assert [d.id for d in sales.dashboards or []] == ["1"]
    assert [d.id for d in (sales.looks or [])[0].dashboards or []] == ["1"]
    assert [f.id for f in ada.search_folders(name="sales")] == ["5"]
    assert [f.id for f in ada.search_folders(parent_id="2", sorts="name desc")] == ["102", "101"]
    assert [f.id for f in ada.search_folders(is_shared_root=True)] == ["1"]
    with pytest.raises(sdk_error.SDKError):
        ada.folder("99")


@pytest.mark.parametrize(
    "path",
    [
        "looks/search?sorts=nope",
        "looks/search?deleted=maybe",
        "looks/search?limit=-1",
        "dashboards/search?sorts=title%20sideways",
        "folders/search?is_users_root=1",
    ],
)
def test_search_params_the_stand_in_cannot_read_are_a_400_naming_them(
    grace: httpx.Client, path: str
) -> None:
    response = grace.get(path)
    assert response.status_code == 400
    named = path.split("?")[1].split("=")[0]
    assert named in response.json()["message"] or "sort" in response.json()["message"]


@pytest.mark.parametrize(
    "path", ["lookml_models", "lookml_models/demo", "looks/search", "dashboards", "folders/1"]
)
def test_browsing_needs_a_login(api: httpx.Client, path: str) -> None:
    assert api.get(f"/api/4.0/{path}").status_code == 401
