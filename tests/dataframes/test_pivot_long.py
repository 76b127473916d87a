"""``pivot_shape="long"``: a pivoted query as a tidy frame, one row per (dimension values, pivot
values) with a value, the pivot fields as ordinary columns and a column per measure, agreeing
cell by cell with the wide frame (whose grid keeps the empty combinations); pandas and polars,
``labels=True``, ``run_look``, the async twin, and an explore's query."""

from __future__ import annotations

from typing import Any

import pandas as pd
import polars as pl
import pytest

from looker_nb_auth import LookerSession

from .conftest import AsyncRun, Requests
from .helpers import BY_REGION, PIVOTED

#: Categories by month in one region: some months have no order of some category.
BY_MONTH: dict[str, Any] = {
    "model": "demo",
    "view": "orders",
    "fields": [
        "orders.category",
        "orders.created_month",
        "orders.count",
        "orders.average_sale_price",
    ],
    "pivots": ["orders.created_month"],
    "filters": {"orders.region": "North"},
    "sorts": ["orders.category"],
}
MEASURES = ["orders.count", "orders.average_sale_price"]


def test_the_long_shape_has_a_row_per_dimension_and_pivot_value(
    logged_in: LookerSession,
) -> None:
    long = logged_in.run_query(PIVOTED, pivot_shape="long")
    assert list(long.columns) == [
        "orders.region",
        "orders.category",
        "orders.count",
        "orders.total_sale_price",
    ]
    assert len(long) == 4 * 3  # every region sold every category
    assert list(long["orders.region"][:3]) == ["East"] * 3
    assert list(long["orders.category"][:3]) == ["Books", "Games", "Music"]
    assert str(long["orders.count"].dtype) == "Int64"
    assert long["orders.count"].sum() == 60
    assert isinstance(long.index, pd.RangeIndex)


def _wide_cells(wide: pd.DataFrame) -> dict[tuple[str, str, str], Any]:
    """The wide frame's non-null cells by (row, measure, pivot value)."""
    found: dict[tuple[str, str, str], Any] = {}
    for row, values in wide.iterrows():
        for column, value in values.items():
            measure, pivot = column if isinstance(column, tuple) else (column, "")
            if not pd.isna(value):
                found[(str(row), str(measure), str(pivot))] = value
    return found


def test_long_and_wide_agree_cell_by_cell(logged_in: LookerSession) -> None:
    wide = logged_in.run_query(BY_MONTH)
    long = logged_in.run_query(BY_MONTH, pivot_shape="long")
    from_long = {
        (row["orders.category"], measure, row["orders.created_month"].strftime("%Y-%m")): row[
            measure
        ]
        for _i, row in long.iterrows()
        for measure in MEASURES
        if not pd.isna(row[measure])
    }
    assert from_long == pytest.approx(_wide_cells(wide))


def test_a_combination_without_any_value_is_left_out_and_the_wide_grid_keeps_it(
    logged_in: LookerSession,
) -> None:
    wide = logged_in.run_query(BY_MONTH)
    long = logged_in.run_query(BY_MONTH, pivot_shape="long")
    empty = wide["orders.count"].isna()
    assert empty.to_numpy().sum() > 0  # the stand-in's North has months without Books
    assert len(long) == wide["orders.count"].size - empty.to_numpy().sum()
    books = long[long["orders.category"] == "Books"]["orders.created_month"]
    assert pd.Timestamp("2026-01-01") not in set(books)  # North sold no Books in January
    assert pd.isna(wide.loc["Books", ("orders.count", "2026-01")])


def test_pivot_values_are_typed_as_their_field(logged_in: LookerSession) -> None:
    long = logged_in.run_query(BY_MONTH, pivot_shape="long")
    assert str(long["orders.created_month"].dtype).startswith("datetime64")
    assert str(long["orders.count"].dtype) == "Int64"


def test_polars_gets_the_same_long_frame(logged_in: LookerSession) -> None:
    pandas_long = logged_in.run_query(BY_MONTH, pivot_shape="long")
    polars_long = logged_in.run_query(BY_MONTH, pivot_shape="long", backend="polars")
    assert isinstance(polars_long, pl.DataFrame)
    assert polars_long.columns == list(pandas_long.columns)
    assert polars_long.schema["orders.created_month"] == pl.Datetime("us")
    pd.testing.assert_frame_equal(
        polars_long.to_pandas(), pandas_long, check_dtype=False, check_index_type=False
    )


def test_labels_name_the_long_frames_columns(logged_in: LookerSession) -> None:
    long = logged_in.run_query(PIVOTED, pivot_shape="long", labels=True)
    assert list(long.columns) == [
        "Orders Region",
        "Orders Category",
        "Orders Count",
        "Orders Total Sale Price",
    ]
    polars_long = logged_in.run_query(PIVOTED, pivot_shape="long", labels=True, backend="polars")
    assert polars_long.columns == list(long.columns)


def test_the_row_limit_counts_lookers_rows_not_the_long_frames(logged_in: LookerSession) -> None:
    long = logged_in.run_query(PIVOTED, pivot_shape="long", limit=2)
    assert list(long["orders.region"].unique()) == ["East", "North"]
    assert len(long) == 2 * 3


def test_the_async_twin_takes_pivot_shape(
    logged_in: LookerSession, run_async: AsyncRun[Any]
) -> None:
    long = run_async(logged_in.arun_query(PIVOTED, pivot_shape="long"))
    pd.testing.assert_frame_equal(long, logged_in.run_query(PIVOTED, pivot_shape="long"))


def test_a_query_without_pivots_is_the_same_in_either_shape(logged_in: LookerSession) -> None:
    pd.testing.assert_frame_equal(
        logged_in.run_query(BY_REGION, pivot_shape="long"), logged_in.run_query(BY_REGION)
    )
    pd.testing.assert_frame_equal(logged_in.run_look(1, pivot_shape="long"), logged_in.run_look(1))


def test_an_unknown_pivot_shape_is_refused_before_any_request(
    logged_in: LookerSession, seen: Requests
) -> None:
    with pytest.raises(ValueError, match=r"pivot_shape must be 'wide'.*or 'long'.*not 'tall'"):
        logged_in.run_query(PIVOTED, pivot_shape="tall")  # type: ignore[arg-type]
    assert seen.looker.requests == []


def test_an_explore_query_runs_in_the_long_shape_too(logged_in: LookerSession) -> None:
    query = logged_in.explore("demo", "orders").query(
        fields=PIVOTED["fields"], pivots=PIVOTED["pivots"], sorts=PIVOTED["sorts"]
    )
    pd.testing.assert_frame_equal(
        query.to_pandas(pivot_shape="long"), logged_in.run_query(PIVOTED, pivot_shape="long")
    )


#: A json_detail answer of two regions pivoted by category, where North sold no Games: the cell
#: of that combination in each shape Looker might send it (the stand-in sends ``{"value": null}``;
#: the empty cell's exact shape is unverified, docs/fidelity.md "Pivots: json_detail").
EMPTY_CELLS: list[tuple[str, dict[str, Any]]] = [
    ("a null value", {"Books": {"value": 3}, "Games": {"value": None}}),
    ("a null cell", {"Books": {"value": 3}, "Games": None}),
    ("no cell at all", {"Books": {"value": 3}}),
]


def _detail(north_counts: dict[str, Any]) -> dict[str, Any]:
    field = {"name": "orders.count", "type": "count", "measure": True, "category": "measure"}
    return {
        "fields": {
            "dimensions": [{"name": "orders.region", "type": "string"}],
            "measures": [field],
            "pivots": [{"name": "orders.category", "type": "string"}],
        },
        "pivots": [
            {"key": key, "is_total": False, "data": {"orders.category": key}}
            for key in ("Books", "Games")
        ],
        "data": [
            {"orders.region": {"value": "North"}, "orders.count": north_counts},
            {
                "orders.region": {"value": "South"},
                "orders.count": {"Books": {"value": 1}, "Games": {"value": 2}},
            },
        ],
    }


@pytest.mark.parametrize(("shape", "north"), EMPTY_CELLS, ids=[s for s, _n in EMPTY_CELLS])
def test_an_empty_combination_is_left_out_whatever_shape_its_cell_has(
    shape: str, north: dict[str, Any]
) -> None:
    from looker_nb_auth.dataframes.pivots import pivot_frame

    long, rows = pivot_frame(_detail(north), {}, "pandas", "long")
    assert rows == 2
    assert long.to_dict("records") == [
        {"orders.region": "North", "orders.category": "Books", "orders.count": 3},
        {"orders.region": "South", "orders.category": "Books", "orders.count": 1},
        {"orders.region": "South", "orders.category": "Games", "orders.count": 2},
    ]
    wide, _rows = pivot_frame(_detail(north), {}, "pandas", "wide")
    assert pd.isna(wide.loc["North", ("orders.count", "Games")])


def test_a_wide_count_column_with_an_empty_cell_stays_whole_numbers(
    logged_in: LookerSession,
) -> None:
    """Whole numbers stay ``Int64`` with a null where Looker had no rows, as in the long frame
    and a CSV result: not ``float64`` with NaN because one cell was empty."""
    wide = logged_in.run_query(BY_MONTH)
    column = wide[("orders.count", "2026-01")]
    assert column.isna().any()
    assert str(column.dtype) == "Int64"
    prices = logged_in.run_query(PIVOTED)[("orders.total_sale_price", "Books")]
    assert str(prices.dtype) == "float64"
