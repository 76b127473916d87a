"""Step 5, parse: Looker's CSV into columns named by field, by both parsers, reading text as
text and only an empty cell as a null."""

from __future__ import annotations

import pandas as pd
import pytest

from looker_nb_auth import LookerSession
from looker_nb_auth.dataframes import parse
from looker_nb_auth.dataframes.describe import columns_from_metadata
from looker_nb_auth.fake_looker import FakeLooker

from .helpers import ENGINES, EVENT_DTYPES, EVENTS, lookml_field, parse_text

FIELDS = [
    lookml_field("t.zip", "zipcode"),
    lookml_field("t.quarter", "date_quarter"),
    lookml_field("t.week", "date_week"),
    lookml_field("t.hour", "date_hour"),
    lookml_field("t.minute", "date_minute"),
    lookml_field("t.day_of_week", "date_day_of_week"),
    lookml_field("t.active", "yesno"),
    lookml_field("t.code", "string"),
    lookml_field("t.score", "number"),
    lookml_field("t.total", "sum", measure=True),
]
NAMES = [f["name"] for f in FIELDS]
COLUMNS = columns_from_metadata({"dimensions": FIELDS[:-1], "measures": FIELDS[-1:]})
CSV = (
    "T Zip,T Quarter,T Week,T Hour,T Minute,T Day Of Week,T Active,T Code,T Score,T Total\n"
    "02139,2026-Q1,2026-03-02,2026-03-05 13,2026-03-05 13:04,Thursday,Yes,NULL,3,10.5\n"
    "10001,2026-Q4,2026-12-28,2026-12-31 23,2026-12-31 23:59,Thursday,,N/A,,\n"
)


@pytest.mark.parametrize("engine", ENGINES)
def test_the_header_of_labels_becomes_the_field_names(engine: parse.Engine) -> None:
    assert list(parse_text(CSV, engine, COLUMNS, NAMES).columns) == NAMES


@pytest.mark.parametrize("engine", ENGINES)
def test_zip_codes_keep_their_leading_zero(engine: parse.Engine) -> None:
    assert parse_text(CSV, engine, COLUMNS, NAMES)["t.zip"].tolist() == ["02139", "10001"]


@pytest.mark.parametrize("engine", ENGINES)
def test_nulls_stay_nulls_and_text_that_looks_null_stays_text(engine: parse.Engine) -> None:
    frame = parse_text(CSV, engine, COLUMNS, NAMES)
    assert str(frame["t.active"].dtype) == "boolean"
    assert frame["t.active"].iloc[0] is True or frame["t.active"].iloc[0] == True  # noqa: E712
    assert pd.isna(frame["t.active"].iloc[1])
    assert frame["t.code"].tolist() == ["NULL", "N/A"]  # only an empty cell is a null
    assert str(frame["t.score"].dtype) == "Int64"
    assert frame["t.score"].iloc[0] == 3 and pd.isna(frame["t.score"].iloc[1])
    assert frame["t.total"].dtype == "float64" and pd.isna(frame["t.total"].iloc[1])


@pytest.mark.parametrize("engine", ENGINES)
def test_without_metadata_the_parser_infers(engine: parse.Engine) -> None:
    _, _, rows = CSV.partition("\n")
    named = ",".join(NAMES) + "\n" + rows  # without metadata only names say which is which
    frame = parse_text(named, engine, {}, NAMES)
    assert list(frame.columns) == NAMES
    assert pd.api.types.is_numeric_dtype(frame["t.total"])


@pytest.mark.parametrize("engine", ENGINES)
def test_an_empty_result_has_the_columns_and_no_rows(engine: parse.Engine) -> None:
    frame = parse_text(CSV.splitlines(keepends=True)[0], engine, COLUMNS, NAMES)
    assert len(frame) == 0
    assert list(frame.columns) == NAMES


def test_every_lookml_type_gets_a_real_dtype(logged_in: LookerSession, big: FakeLooker) -> None:
    frame = logged_in.run_query(model="demo", view="events", fields=EVENTS, limit=-1)
    dtypes = {name: str(dtype) for name, dtype in frame.dtypes.items()}
    assert dtypes == EVENT_DTYPES
    assert len(frame) == 1200
    first = frame.iloc[0]
    assert first["events.id"] == "evt-0000001"
    assert first["events.event_time"] == pd.Timestamp("2026-06-30 23:59:30")
    assert first["events.event_date"] == pd.Timestamp("2026-06-30")
    assert not first["events.is_weekend"]  # 2026-06-30 is a Tuesday
