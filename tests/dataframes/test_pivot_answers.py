"""A pivoted query's json_detail as real instances send it: Development Mode notes beside the
rows in ``errors``, pivot columns cut at ``column_limit``, sorts on a measure, row totals."""

from __future__ import annotations

import io
import json
import warnings
from typing import Any

import pytest

from looker_nb_auth import LookerSession, QueryError, QueryNote, ResultTruncated
from looker_nb_auth.dataframes.pivots import read_pivots
from looker_nb_auth.dataframes.stream import Body
from looker_nb_auth.fake_looker import FakeLooker

from .helpers import PIVOTED

NOTE = (
    "Note: This query contains derived tables with conditional SQL for Development Mode. "
    "Query results in Production Mode might be different."
)


def _read(detail: dict[str, Any]) -> Any:
    body: io.BufferedReader = io.BufferedReader(Body(iter([json.dumps(detail).encode()])))
    return read_pivots(body, {}, "pandas")


def test_a_development_mode_note_is_a_warning_not_a_failure(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    looker.config.development_mode_note = True
    with pytest.warns(QueryNote, match="Development Mode") as caught:
        frame = logged_in.run_query(PIVOTED)
    assert frame["orders.count"].to_numpy().sum() == 60
    assert caught[0].filename == __file__


def test_a_note_beside_an_error_raises_the_error() -> None:
    detail = {"data": [], "errors": [{"message": NOTE}, {"message": "SQL Error: no such table"}]}
    with pytest.raises(QueryError, match="no such table"):
        _read(detail)


@pytest.mark.parametrize("level", ["warning", "info"])
def test_an_entry_below_the_error_level_is_not_fatal(level: str) -> None:
    _frame, rows, _cut, said = _read({"data": [], "errors": [{"message": "x", "level": level}]})
    assert rows == 0 and said and said[0][1] is QueryNote


def test_an_entry_at_the_error_level_or_without_one_is_fatal() -> None:
    for entry in ({"message": "boom", "level": "error"}, {"message": "boom"}):
        with pytest.raises(QueryError, match="boom"):
            _read({"data": [], "errors": [entry]})


def test_pivot_columns_cut_at_the_column_limit_warn(logged_in: LookerSession) -> None:
    with pytest.warns(ResultTruncated, match="column_limit") as caught:
        frame = logged_in.run_query({**PIVOTED, "column_limit": "2"})
    assert frame.columns.get_level_values("orders.category").unique().tolist() == [
        "Books",
        "Games",
    ]
    assert caught[0].filename == __file__


def test_all_pivot_columns_within_the_limit_do_not_warn(logged_in: LookerSession) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResultTruncated)
        frame = logged_in.run_query({**PIVOTED, "column_limit": "3"})
    assert len(frame.columns) == 6


def test_a_pivoted_query_sorted_by_a_measure_runs(logged_in: LookerSession) -> None:
    frame = logged_in.run_query({**PIVOTED, "sorts": ["orders.count desc"]})
    assert frame["orders.count"].to_numpy().sum() == 60


def test_row_totals_stay_out_of_the_frame(logged_in: LookerSession) -> None:
    plain = logged_in.run_query(PIVOTED)
    totalled = logged_in.run_query({**PIVOTED, "row_total": "right", "total": True})
    assert totalled.columns.tolist() == plain.columns.tolist()
    assert totalled.equals(plain)
