"""Looker's CSV into typed columns, by both parsers, for the LookML types the stand-in lacks."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
import pytest

from looker_nb_auth.dataframes.frames import Column, Stream, columns_from_metadata, csv_frame

ENGINES = ["pyarrow", "pandas"]


def _field(name: str, lookml_type: str, *, measure: bool = False) -> dict[str, Any]:
    label = name.replace(".", " ").replace("_", " ").title()
    return {"name": name, "label": label, "type": lookml_type, "measure": measure}


FIELDS = [
    _field("t.zip", "zipcode"),
    _field("t.quarter", "date_quarter"),
    _field("t.week", "date_week"),
    _field("t.hour", "date_hour"),
    _field("t.minute", "date_minute"),
    _field("t.day_of_week", "date_day_of_week"),
    _field("t.active", "yesno"),
    _field("t.code", "string"),
    _field("t.score", "number"),
    _field("t.total", "sum", measure=True),
]
COLUMNS = columns_from_metadata({"dimensions": FIELDS[:-1], "measures": FIELDS[-1:]})
CSV = (
    "T Zip,T Quarter,T Week,T Hour,T Minute,T Day Of Week,T Active,T Code,T Score,T Total\n"
    "02139,2026-Q1,2026-03-02,2026-03-05 13,2026-03-05 13:04,Thursday,Yes,NULL,3,10.5\n"
    "10001,2026-Q4,2026-12-28,2026-12-31 23,2026-12-31 23:59,Thursday,,N/A,,\n"
)


def _parse(text: str, engine: str, columns: dict[str, Column] = COLUMNS) -> pd.DataFrame:
    stream = io.BufferedReader(Stream(iter([text.encode()])))
    frame: pd.DataFrame = csv_frame(
        stream,
        columns=columns,
        fields=[f["name"] for f in FIELDS],
        backend="pandas",
        on_rows=lambda rows: None,
        engine=engine,  # type: ignore[arg-type]
    )
    return frame


@pytest.mark.parametrize("engine", ENGINES)
def test_the_header_of_labels_becomes_the_field_names(engine: str) -> None:
    assert list(_parse(CSV, engine).columns) == [f["name"] for f in FIELDS]


@pytest.mark.parametrize("engine", ENGINES)
def test_zip_codes_keep_their_leading_zero(engine: str) -> None:
    assert _parse(CSV, engine)["t.zip"].tolist() == ["02139", "10001"]


@pytest.mark.parametrize("engine", ENGINES)
def test_timeframes_become_datetimes(engine: str) -> None:
    frame = _parse(CSV, engine)
    assert frame["t.quarter"].tolist() == [pd.Timestamp("2026-01-01"), pd.Timestamp("2026-10-01")]
    assert frame["t.week"].iloc[0] == pd.Timestamp("2026-03-02")
    assert frame["t.hour"].iloc[1] == pd.Timestamp("2026-12-31 23:00")
    assert frame["t.minute"].iloc[0] == pd.Timestamp("2026-03-05 13:04")
    for name in ("t.quarter", "t.week", "t.hour", "t.minute"):
        assert pd.api.types.is_datetime64_dtype(frame[name]), name
    assert frame["t.day_of_week"].tolist() == ["Thursday", "Thursday"]


@pytest.mark.parametrize("engine", ENGINES)
def test_nulls_stay_nulls_and_text_that_looks_null_stays_text(engine: str) -> None:
    frame = _parse(CSV, engine)
    assert str(frame["t.active"].dtype) == "boolean"
    assert frame["t.active"].iloc[0] is True or frame["t.active"].iloc[0] == True  # noqa: E712
    assert pd.isna(frame["t.active"].iloc[1])
    assert frame["t.code"].tolist() == ["NULL", "N/A"]  # only an empty cell is a null
    assert str(frame["t.score"].dtype) == "Int64"
    assert frame["t.score"].iloc[0] == 3 and pd.isna(frame["t.score"].iloc[1])
    assert frame["t.total"].dtype == "float64" and pd.isna(frame["t.total"].iloc[1])


@pytest.mark.parametrize("engine", ENGINES)
def test_a_value_not_in_lookers_format_stays_text_rather_than_failing(engine: str) -> None:
    odd = CSV.replace("2026-03-05 13:04", "sometime")
    frame = _parse(odd, engine)
    assert frame["t.minute"].tolist()[0] == "sometime"


@pytest.mark.parametrize("engine", ENGINES)
def test_without_metadata_the_parser_infers(engine: str) -> None:
    frame = _parse(CSV, engine, columns={})
    assert list(frame.columns) == [f["name"] for f in FIELDS]  # the query's fields, in order
    assert pd.api.types.is_numeric_dtype(frame["t.total"])


@pytest.mark.parametrize("engine", ENGINES)
def test_an_empty_result_has_the_columns_and_no_rows(engine: str) -> None:
    frame = _parse(CSV.splitlines(keepends=True)[0], engine)
    assert len(frame) == 0
    assert list(frame.columns) == [f["name"] for f in FIELDS]


def test_lookml_types_map_to_kinds() -> None:
    kinds = {name: column.kind for name, column in COLUMNS.items()}
    assert kinds == {
        "t.zip": "string",
        "t.quarter": "quarter",
        "t.week": "datetime",
        "t.hour": "datetime",
        "t.minute": "datetime",
        "t.day_of_week": "string",
        "t.active": "boolean",
        "t.code": "string",
        "t.score": "number",
        "t.total": "number",
    }
