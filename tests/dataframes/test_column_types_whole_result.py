"""A column's type comes from the explore's metadata or from the whole result, never from the
first block the parser reads: a number column empty for its first rows, whole numbers that turn
decimal after the first block, and columns no metadata describes (custom fields)."""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from typing import Any

import pandas as pd
import pytest

from looker_nb_auth import LookerSession, ResultTooLarge
from looker_nb_auth.dataframes.backends import Backend
from looker_nb_auth.dataframes.describe import Column, columns_from_metadata
from looker_nb_auth.fake_looker import FakeLooker

from .helpers import ENGINES, EVENT_DTYPES, EVENTS, lookml_field, parse_text

BACKENDS: list[Backend] = ["pandas", "polars"]
#: Rows well past pyarrow's first block (1 MiB) and pandas' first chunk (100,000 rows).
MANY = 150_000


def _amounts(frame: Any) -> list[Any]:
    return list(frame["events.amount"])


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_number_column_empty_for_its_first_25000_rows_of_30000_is_typed_from_the_metadata(
    logged_in: LookerSession, looker: FakeLooker, backend: Backend
) -> None:
    looker.config.big_rows = 30_000
    looker.config.null_prefix_rows = 25_000
    frame = logged_in.run_query(
        model="demo", view="events", fields=EVENTS, limit=-1, backend=backend
    )
    amounts = _amounts(frame)
    assert len(amounts) == 30_000
    assert all(a is None or (isinstance(a, float) and math.isnan(a)) for a in amounts[:25_000])
    assert amounts[25_000] == ((25_000 * 7919) % 100_000) / 100
    assert all(isinstance(a, float) and not math.isnan(a) for a in amounts[25_000:])
    if backend == "pandas":
        assert {n: str(t) for n, t in frame.dtypes.items()} == EVENT_DTYPES
    else:
        assert str(frame.schema["events.amount"]) == "Float64"


def _text(rows: Sequence[tuple[str, ...]], header: list[str]) -> str:
    return "\n".join(",".join(r) for r in [tuple(header), *rows]) + "\n"


@pytest.mark.parametrize("engine", ENGINES)
def test_a_described_number_column_empty_at_first_comes_back_as_numbers(engine: Any) -> None:
    columns = columns_from_metadata({"measures": [lookml_field("v.total", "sum", measure=True)]})
    columns["v.name"] = Column("v.name", "V Name", "string")
    rows = [(f"n{i}", "" if i < MANY - 10 else f"{i}.5") for i in range(MANY)]
    frame = parse_text(_text(rows, ["V Name", "V Total"]), engine, columns, ["v.name", "v.total"])
    assert str(frame["v.total"].dtype) == "float64"
    assert frame["v.total"].isna().sum() == MANY - 10
    assert frame["v.total"].iloc[-1] == MANY - 1 + 0.5


@pytest.mark.parametrize("engine", ENGINES)
def test_whole_numbers_that_turn_decimal_after_the_first_block_are_all_kept(engine: Any) -> None:
    columns = columns_from_metadata({"dimensions": [lookml_field("v.price", "number")]})
    rows = [(str(i) if i < MANY - 1 else "2.75",) for i in range(MANY)]
    frame = parse_text(_text(rows, ["V Price"]), engine, columns, ["v.price"])
    assert str(frame["v.price"].dtype) == "float64"
    assert frame["v.price"].iloc[0] == 0 and frame["v.price"].iloc[-1] == 2.75


@pytest.mark.parametrize("engine", ENGINES)
def test_whole_numbers_stay_whole_when_the_whole_result_is_whole(engine: Any) -> None:
    columns = columns_from_metadata({"measures": [lookml_field("v.count", "count", measure=True)]})
    columns["v.name"] = Column("v.name", "V Name", "string")
    rows = [(f"n{i}", "" if i < MANY - 3 else str(i)) for i in range(MANY)]
    frame = parse_text(_text(rows, ["V Name", "V Count"]), engine, columns, ["v.name", "v.count"])
    assert str(frame["v.count"].dtype) == "Int64"
    assert frame["v.count"].iloc[-1] == MANY - 1 and frame["v.count"].isna().sum() == MANY - 3


@pytest.mark.parametrize("engine", ENGINES)
def test_columns_without_metadata_are_typed_from_the_whole_result(engine: Any) -> None:
    """A custom field or table calculation: no metadata, so the whole column decides."""
    header = ["share", "flag", "day", "note"]  # named as the fields (``test_csv_header.py``)
    rows = [
        ("", "", "", "")
        if i < MANY - 2
        else ("0.25", "Yes", "2026-03-05", "x" if i == MANY - 1 else "7")
        for i in range(MANY)
    ]
    fields = ["share", "flag", "day", "note"]
    frame = parse_text(_text(rows, header), engine, {}, fields)
    assert list(frame.columns) == fields
    last = frame.iloc[-1]
    assert last["share"] == 0.25 and str(frame["share"].dtype) == "float64"
    assert str(frame["flag"].dtype) == "boolean" and bool(last["flag"]) is True
    assert pd.Timestamp(last["day"]) == pd.Timestamp("2026-03-05")
    assert list(frame["note"].iloc[-2:]) == ["7", "x"]
    assert frame["share"].isna().sum() == MANY - 2


@pytest.mark.parametrize("engine", ENGINES)
def test_a_number_column_with_text_after_the_first_block_keeps_all_of_its_text(
    engine: Any,
) -> None:
    columns = columns_from_metadata({"dimensions": [lookml_field("v.code", "number")]})
    rows = [("007" if i == 0 else str(i) if i < MANY - 1 else "n/a",) for i in range(MANY)]
    frame = parse_text(_text(rows, ["V Code"]), engine, columns, ["v.code"])
    assert frame["v.code"].iloc[0] == "007"  # not 7: the column is text, as it came
    assert frame["v.code"].iloc[-1] == "n/a"


@pytest.mark.parametrize("engine", ENGINES)
def test_a_time_column_with_text_after_the_first_block_keeps_all_of_its_text(
    engine: Any,
) -> None:
    columns = columns_from_metadata({"dimensions": [lookml_field("v.at", "date_time")]})
    rows = [("2026-03-05 13:04:05" if i < MANY - 1 else "sometime",) for i in range(MANY)]
    frame = parse_text(_text(rows, ["V At"]), engine, columns, ["v.at"])
    assert frame["v.at"].iloc[0] == "2026-03-05 13:04:05"
    assert frame["v.at"].iloc[-1] == "sometime"


def test_a_time_column_whose_last_value_no_parser_reads_with_the_rest_stays_text() -> None:
    """ISO dates, then a month: read whole, neither the ISO cast nor the month format reads
    every value, so pyarrow's path leaves the column as text, its first blocks included."""
    columns = columns_from_metadata({"dimensions": [lookml_field("v.month", "date_month")]})
    rows = [("2026-03-01" if i < MANY - 1 else "2026-04",) for i in range(MANY)]
    frame = parse_text(_text(rows, ["V Month"]), "pyarrow", columns, ["v.month"])
    assert frame["v.month"].iloc[0] == "2026-03-01"
    assert frame["v.month"].iloc[-1] == "2026-04"


@pytest.mark.parametrize("engine", ENGINES)
def test_a_column_without_metadata_and_without_values_is_all_nulls(engine: Any) -> None:
    """A custom field or table calculation that came back empty: a column of nulls under its
    name (pyarrow once refused to cast its text to the null type: 'malformed')."""
    described = {"orders.region": Column("orders.region", "Orders Region", "string")}
    frame = parse_text(
        "orders.region,my_calc\nEast,\nWest,\n", engine, described, ["orders.region", "my_calc"]
    )
    assert list(frame["orders.region"]) == ["East", "West"]
    assert frame["my_calc"].isna().all() and len(frame) == 2


def _typing_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("looker-nb-auth typing")]


def test_blocks_typed_beside_the_reader_come_back_in_order_and_leave_no_thread(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    looker.config.big_rows = 60_000  # several blocks: the second on are typed in a thread
    frame = logged_in.run_query(model="demo", view="events", fields=EVENTS, limit=-1)
    assert list(frame["events.quantity"]) == [(i * 37) % 100 for i in range(60_000)]
    assert {n: str(t) for n, t in frame.dtypes.items()} == EVENT_DTYPES
    assert _typing_threads() == []


def test_a_result_stopped_while_its_blocks_are_typed_leaves_no_thread(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    looker.config.big_rows = 60_000
    with pytest.raises(ResultTooLarge):
        logged_in.run_query(
            model="demo", view="events", fields=EVENTS, limit=-1, max_bytes=3_000_000
        )
    assert _typing_threads() == []
