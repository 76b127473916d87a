"""Step 5's header: each CSV column is named by what says which field it is, under every header
text and column order Looker may write (the stand-in's ``csv_header`` and ``csv_order``), with
labels two fields share (``duplicate_labels``); a header that does not say is refused, never
read by position."""

from __future__ import annotations

import pytest

from looker_nb_auth import LookerSession, UnexpectedResponse
from looker_nb_auth.dataframes import parse
from looker_nb_auth.dataframes.describe import Column
from looker_nb_auth.fake_looker import FakeLooker

from .helpers import ENGINES, parse_text

#: A measure first, so that "dimensions first" moves it: a column named by position is wrong.
MEASURE_FIRST = {
    "model": "demo",
    "view": "orders",
    "fields": ["orders.count", "orders.region", "orders.total_sale_price"],
    "sorts": ["orders.region"],
}
ORDERS = ["query", "dimensions_first"]
NAMING_HEADERS = ["label", "label_short", "name"]


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("header", NAMING_HEADERS)
def test_every_column_is_named_by_its_field_whatever_header_and_order(
    logged_in: LookerSession, looker: FakeLooker, header: str, order: str
) -> None:
    looker.config.csv_header = header  # type: ignore[assignment]
    looker.config.csv_order = order  # type: ignore[assignment]
    frame = logged_in.run_query(MEASURE_FIRST)
    assert sorted(frame.columns) == sorted(MEASURE_FIRST["fields"])
    assert list(frame["orders.region"]) == ["East", "North", "South", "West"]
    assert str(frame["orders.count"].dtype) == "Int64"
    assert dict(zip(frame["orders.region"], frame["orders.count"], strict=True)) == {
        "East": 15,
        "North": 15,
        "South": 15,
        "West": 15,
    }
    assert frame["orders.total_sale_price"].dtype == "float64"


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("header", NAMING_HEADERS)
def test_labels_true_shows_the_explores_labels_whatever_header_and_order(
    logged_in: LookerSession, looker: FakeLooker, header: str, order: str
) -> None:
    looker.config.csv_header = header  # type: ignore[assignment]
    looker.config.csv_order = order  # type: ignore[assignment]
    frame = logged_in.run_query(MEASURE_FIRST, labels=True)
    assert sorted(frame.columns) == ["Orders Count", "Orders Region", "Orders Total Sale Price"]
    assert list(frame["Orders Region"]) == ["East", "North", "South", "West"]


@pytest.mark.parametrize("order", ORDERS)
def test_a_header_of_labels_no_metadata_gives_is_refused_not_read_by_position(
    logged_in: LookerSession, looker: FakeLooker, order: str
) -> None:
    looker.config.csv_header = "overridden"
    looker.config.csv_order = order  # type: ignore[assignment]
    with pytest.raises(UnexpectedResponse, match=r"names no field of the query.*not named by"):
        logged_in.run_query(MEASURE_FIRST)


@pytest.mark.parametrize("order", ORDERS)
def test_a_label_another_explore_field_shares_names_the_field_the_query_has(
    logged_in: LookerSession, looker: FakeLooker, order: str
) -> None:
    looker.config.duplicate_labels = True  # orders.category is labelled "Orders Region" too
    looker.config.csv_order = order  # type: ignore[assignment]
    frame = logged_in.run_query(
        model="demo", view="orders", fields=["orders.count", "orders.category"]
    )
    assert sorted(frame.columns) == ["orders.category", "orders.count"]
    assert set(frame["orders.category"]) == {"Books", "Games", "Music"}


@pytest.mark.parametrize("order", ORDERS)
def test_two_fields_of_one_label_are_told_apart_by_the_order_looker_wrote(
    logged_in: LookerSession, looker: FakeLooker, order: str
) -> None:
    looker.config.duplicate_labels = True
    looker.config.csv_order = order  # type: ignore[assignment]
    fields = ["orders.count", "orders.category", "orders.region"]
    frame = logged_in.run_query(model="demo", view="orders", fields=fields, sorts=fields[1:])
    assert sorted(frame.columns) == sorted(fields)
    assert set(frame["orders.category"]) == {"Books", "Games", "Music"}
    assert set(frame["orders.region"]) == {"East", "North", "South", "West"}
    assert frame["orders.count"].sum() == 60


@pytest.mark.parametrize("engine", ENGINES)
def test_shared_labels_in_an_order_that_does_not_say_which_is_which_are_refused(
    engine: parse.Engine,
) -> None:
    columns = {
        "a.x": Column("a.x", "Same", category="dimension"),
        "b.count": Column("b.count", "B Count", category="measure"),
        "b.x": Column("b.x", "Same", category="dimension"),
    }
    # neither the query's order nor dimensions first puts a "Same" cell first and last
    text = "Same,B Count,Same\nu,1,v\n"
    with pytest.raises(UnexpectedResponse, match="several fields one label"):
        parse_text(text, engine, columns, ["b.count", "a.x", "b.x"])


@pytest.mark.parametrize("engine", ENGINES)
def test_one_undescribed_field_takes_the_one_cell_left_and_two_are_refused(
    engine: parse.Engine,
) -> None:
    """A custom field the metadata does not describe: alone, it is the cell no field claims;
    two such fields could be either cell, so the header is refused."""
    columns = {"orders.region": Column("orders.region", "Orders Region")}
    one = parse_text("Orders Region,My Count\nNorth,3\n", engine, columns, ["orders.region", "n"])
    assert list(one.columns) == ["orders.region", "n"] and one["n"].tolist() == [3]
    two = "Orders Region,My Count,My Share\nNorth,3,0.5\n"
    with pytest.raises(UnexpectedResponse, match="'My Count', 'My Share'"):
        parse_text(two, engine, columns, ["orders.region", "n", "share"])
