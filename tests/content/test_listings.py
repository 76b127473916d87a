"""``session.looks()`` and ``session.dashboards()``: Looker's search endpoints, asked as a data
scientist means it (a title containing the text, in any case), each item with the URL to open it
in Looker, shown as a text table in a terminal and an escaped, theme-aware HTML table in a
notebook."""

from __future__ import annotations

import pytest

from looker_nb_auth import LookerSession, QueryNotFound
from looker_nb_auth.content import DashboardInfo, Dashboards, LookInfo, Looks
from looker_nb_auth.fake_looker import FakeLooker, ManualClock


def test_looks_lists_every_look_by_title_with_folder_model_and_url(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    looks = logged_in.looks()
    assert isinstance(looks, Looks)
    assert [look.title for look in looks] == [
        "Average price by category",
        "Average sale by region",
        "Monthly sales",
        "Sales by region",
    ]
    first = next(look for look in looks if look.id == "1")
    assert first == LookInfo(
        id="1",
        title="Sales by region",
        description="Orders and revenue per region, 2026.",
        folder="Sales",
        model="demo",
        explore=None,  # a search answers a Look without its query
        updated_at="2026-01-05",
        url=f"{logged_in.looker_url}/looks/1",
    )
    assert looker.requests == [("GET", "/api/4.0/looks/search")]  # one request


def test_looks_search_finds_titles_containing_the_text_in_any_case(
    logged_in: LookerSession,
) -> None:
    looks = logged_in.looks("SALES")
    assert [look.id for look in looks] == ["2", "1"]  # Monthly sales, Sales by region


def test_a_search_with_a_like_wildcard_is_looker_s_own_pattern(logged_in: LookerSession) -> None:
    assert [look.title for look in logged_in.looks("M_nthly%")] == ["Monthly sales"]
    assert list(logged_in.looks("Monthly")) != []  # without %, a substring
    assert list(logged_in.looks("onthly%")) == []  # with %, the whole title


def test_looks_in_a_folder_by_its_id_or_its_name(logged_in: LookerSession) -> None:
    by_id = logged_in.looks(folder=5)
    by_name = logged_in.looks(folder="sales")
    assert [look.id for look in by_id] == [look.id for look in by_name] == ["2", "1"]
    assert {look.folder for look in by_id} == {"Sales"}
    assert [look.id for look in logged_in.looks("region", folder="5")] == ["1"]


def test_an_unknown_folder_name_is_query_not_found_with_a_sentence(
    logged_in: LookerSession,
) -> None:
    with pytest.raises(QueryNotFound, match=r"no folder named 'Nowhere'.*pass the folder's id"):
        logged_in.looks(folder="Nowhere")


def test_a_listing_as_long_as_its_limit_says_more_may_match(logged_in: LookerSession) -> None:
    looks = logged_in.looks(limit=2)
    assert len(looks) == 2
    assert "The first 2; more may match: pass limit= for more." in repr(looks)
    assert "more may match" not in repr(logged_in.looks())


def test_a_limit_that_is_no_count_is_refused_before_any_request(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    with pytest.raises(ValueError, match="limit must be a whole number of 1 or more"):
        logged_in.looks(limit=0)
    assert looker.requests == []


def test_dashboards_list_search_and_open_in_looker(logged_in: LookerSession) -> None:
    dashboards = logged_in.dashboards()
    assert isinstance(dashboards, Dashboards)
    assert [d.title for d in dashboards] == ["Category prices", "Sales overview"]
    found = logged_in.dashboards("overview")
    assert found == [
        DashboardInfo(
            id="1",
            title="Sales overview",
            description="Orders and revenue by region and by month.",
            folder="Sales",
            updated_at="2026-01-06",
            url=f"{logged_in.looker_url}/dashboards/1",
        )
    ]
    assert [d.id for d in logged_in.dashboards(folder="Shared")] == ["2"]


def test_the_text_repr_is_a_table_readable_in_a_terminal(logged_in: LookerSession) -> None:
    lines = repr(logged_in.looks("sales")).splitlines()
    assert lines[0] == "2 Looks matching 'sales'"
    assert lines[1].split() == ["id", "title", "folder", "model", "updated"]
    assert lines[2].split() == ["2", "Monthly", "sales", "Sales", "demo", "2026-01-05"]
    assert lines[1].index("title") == lines[2].index("Monthly")  # aligned columns
    assert lines[-1] == "Open one with session.look(id)."
    assert (
        repr(logged_in.dashboards("nothing like it")) == "0 dashboards matching 'nothing like it'"
    )


def test_the_html_repr_links_each_title_to_looker_in_a_new_tab(logged_in: LookerSession) -> None:
    shown = logged_in.looks("region")._repr_html_()
    url = f"{logged_in.looker_url}/looks/1"
    assert f'<a href="{url}" target="_blank" rel="noopener"' in shown
    assert "var(--jp-ui-font-color1, inherit)" in shown  # the theme's colours, with fallbacks
    assert f'href="{logged_in.looker_url}/dashboards/1"' in logged_in.dashboards()._repr_html_()


def test_every_value_in_the_html_repr_is_escaped(logged_in: LookerSession) -> None:
    searched = logged_in.looks("<script>alert(1)</script>")._repr_html_()
    assert "<script>" not in searched and "&lt;script&gt;" in searched
    hostile = LookInfo(
        id="7",
        title='<img src=x onerror="alert(1)">',
        description="",
        folder="<b>folder</b>",
        model="m",
        explore=None,
        updated_at="",
        url='https://looker.example.com/looks/7" onclick="alert(1)',
    )
    shown = Looks([hostile])._repr_html_()
    assert "<img" not in shown and "<b>folder" not in shown
    assert '" onclick=' not in shown and "&quot; onclick=&quot;" in shown


def test_a_listing_after_the_token_expired_refreshes_it_as_every_call_does(
    logged_in: LookerSession, looker: FakeLooker, clock: ManualClock
) -> None:
    clock.advance(3600)  # the access token has expired
    assert [d.id for d in logged_in.dashboards()] == ["2", "1"]
    assert [look.id for look in logged_in.looks("sales")] == ["2", "1"]
    assert looker.token_requests["refresh_token"] == 1
