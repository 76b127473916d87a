"""Step 6, type: timeframes, quarters and months as datetimes, by both parsers and backends."""

from __future__ import annotations

import pandas as pd
import polars as pl
import pytest

from looker_nb_auth import LookerSession
from looker_nb_auth.dataframes import parse
from looker_nb_auth.fake_looker import FakeLooker

from .helpers import ENGINES, EVENTS, parse_text
from .test_parse import COLUMNS, CSV, NAMES


@pytest.mark.parametrize("engine", ENGINES)
def test_timeframes_become_datetimes(engine: parse.Engine) -> None:
    frame = parse_text(CSV, engine, COLUMNS, NAMES)
    assert frame["t.quarter"].tolist() == [pd.Timestamp("2026-01-01"), pd.Timestamp("2026-10-01")]
    assert frame["t.week"].iloc[0] == pd.Timestamp("2026-03-02")
    assert frame["t.hour"].iloc[1] == pd.Timestamp("2026-12-31 23:00")
    assert frame["t.minute"].iloc[0] == pd.Timestamp("2026-03-05 13:04")
    for name in ("t.quarter", "t.week", "t.hour", "t.minute"):
        assert pd.api.types.is_datetime64_dtype(frame[name]), name
    assert frame["t.day_of_week"].tolist() == ["Thursday", "Thursday"]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_value_not_in_lookers_format_stays_text_rather_than_failing(
    engine: parse.Engine,
) -> None:
    odd = CSV.replace("2026-03-05 13:04", "sometime")
    assert parse_text(odd, engine, COLUMNS, NAMES)["t.minute"].tolist()[0] == "sometime"


def test_months_are_the_first_day_of_the_month(logged_in: LookerSession) -> None:
    frame = logged_in.run_look(2)  # orders.created_month
    assert str(frame["orders.created_month"].dtype) == "datetime64[us]"
    assert frame["orders.created_month"].iloc[0] == pd.Timestamp("2026-01-01")


def test_polars_is_a_backend(logged_in: LookerSession, big: FakeLooker) -> None:
    frame = logged_in.run_query(
        model="demo", view="events", fields=EVENTS, limit=-1, backend="polars"
    )
    assert isinstance(frame, pl.DataFrame)
    assert frame.height == 1200
    assert frame.schema["events.event_time"] == pl.Datetime("us")
    assert frame.schema["events.is_weekend"] == pl.Boolean
    assert frame.schema["events.quantity"] == pl.Int64


def test_polars_takes_the_arrow_columns_as_they_are_without_a_copy() -> None:
    """A column the typing leaves alone reaches polars in the parser's own buffers, each
    block a chunk (rechunking into one buffer would copy the whole result)."""
    import pyarrow as pa

    from looker_nb_auth.dataframes import dtypes
    from looker_nb_auth.dataframes.describe import Column

    def block(start: int) -> pa.RecordBatch:
        return pa.record_batch({"t.amount": pa.array([start + 0.5, start + 1.5], pa.float64())})

    table = pa.Table.from_batches([block(0), block(2)])
    buffers = [chunk.buffers()[1].address for chunk in table.column(0).chunks]
    parsed = parse.Parsed(["t.amount"], "pyarrow", table)
    columns = {"t.amount": Column("t.amount", kind="number")}
    frame = dtypes.frame(parsed, columns, "polars")
    assert isinstance(frame, pl.DataFrame)
    assert frame["t.amount"].to_list() == [0.5, 1.5, 2.5, 3.5]
    chunks = frame.get_column("t.amount").get_chunks()
    assert [chunk.to_arrow().buffers()[1].address for chunk in chunks] == buffers
