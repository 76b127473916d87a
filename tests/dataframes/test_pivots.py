"""A pivoted query (json_detail): a column MultiIndex of (field, pivot values), the other
dimensions as the row index; flat names in polars."""

from __future__ import annotations

from looker_nb_auth import LookerSession

from .helpers import PIVOTED


def test_pivots_become_a_column_multiindex(logged_in: LookerSession) -> None:
    frame = logged_in.run_query(PIVOTED)
    assert frame.index.name == "orders.region"
    assert list(frame.index) == ["East", "North", "South", "West"]
    assert frame.columns.names == ["field", "orders.category"]
    assert frame.columns.tolist() == [
        (measure, category)
        for measure in ("orders.count", "orders.total_sale_price")
        for category in ("Books", "Games", "Music")
    ]
    assert str(frame[("orders.count", "Books")].dtype) == "Int64"
    assert frame["orders.count"].to_numpy().sum() == 60
    flat = logged_in.run_query(
        model="demo", view="orders", fields=["orders.region", "orders.category", "orders.count"]
    )
    books_east = flat[(flat["orders.region"] == "East") & (flat["orders.category"] == "Books")]
    assert frame.loc["East", ("orders.count", "Books")] == books_east["orders.count"].item()


def test_pivot_labels_name_the_fields_level(logged_in: LookerSession) -> None:
    frame = logged_in.run_query(PIVOTED, labels=True)
    assert frame.index.name == "Orders Region"
    assert set(frame.columns.get_level_values(0)) == {"Orders Count", "Orders Total Sale Price"}


def test_pivots_in_polars_have_flat_column_names(logged_in: LookerSession) -> None:
    frame = logged_in.run_query(PIVOTED, backend="polars")
    assert frame.columns[:3] == ["orders.region", "orders.count|Books", "orders.count|Games"]
    assert frame.height == 4
