"""Text values with line breaks: Looker's CSV quotes a value holding a newline, a comma or a
double quote (RFC 4180), so one row may span several lines. Every row must come back whole,
however the body's blocks fall, and ``to=`` must count rows, not lines."""

from __future__ import annotations

import csv
import io
import warnings
from pathlib import Path
from typing import Any

import pytest

from looker_nb_auth import LookerSession, ResultTruncated
from looker_nb_auth.dataframes import stream
from looker_nb_auth.dataframes.backends import Backend
from looker_nb_auth.dataframes.describe import Column
from looker_nb_auth.fake_looker import FakeLooker

from .helpers import ENGINES, EVENT_DTYPES, EVENTS, parse_text

BACKENDS: list[Backend] = ["pandas", "polars"]
#: Rows enough for a body of several of pyarrow's 1 MiB blocks.
MANY = 60_000
NOTE = 'first line\nsecond line, with a comma and a "quote"'


def _csv(rows: list[tuple[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["V Id", "V Note"])
    writer.writerows(rows)
    return out.getvalue()


@pytest.mark.parametrize("engine", ENGINES)
def test_values_with_line_breaks_across_many_blocks_come_back_whole(engine: Any) -> None:
    columns = {
        "v.id": Column("v.id", "V Id", "string"),
        "v.note": Column("v.note", "V Note", "string"),
    }
    rows = [(f"id-{i}", f"{NOTE} {i}") for i in range(MANY)]
    text = _csv(rows)
    assert len(text.encode()) > 3 << 20  # several blocks, so some break falls inside a value
    frame = parse_text(text, engine, columns, ["v.id", "v.note"])
    assert len(frame) == MANY
    assert list(frame["v.note"].iloc[[0, 12_345, MANY - 1]]) == [
        f"{NOTE} 0",
        f"{NOTE} 12345",
        f"{NOTE} {MANY - 1}",
    ]
    assert frame["v.id"].iloc[-1] == f"id-{MANY - 1}"


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_result_with_line_breaks_in_its_text_is_every_row_typed(
    logged_in: LookerSession, looker: FakeLooker, backend: Backend
) -> None:
    looker.config.big_rows = MANY
    looker.config.multiline_text = True
    frame = logged_in.run_query(
        model="demo", view="events", fields=EVENTS, limit=-1, backend=backend
    )
    categories = list(frame["events.category"])
    assert len(categories) == MANY
    assert all("\n" in c and '"' in c for c in categories)
    if backend == "pandas":
        assert {n: str(t) for n, t in frame.dtypes.items()} == EVENT_DTYPES
    assert list(frame["events.id"])[-1] == f"evt-{MANY:07d}"


def test_a_download_to_a_file_counts_rows_not_lines(
    logged_in: LookerSession, looker: FakeLooker, tmp_path: Path
) -> None:
    looker.config.big_rows = 1_000
    looker.config.multiline_text = True
    target = tmp_path / "events.csv"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        logged_in.run_query(model="demo", view="events", fields=EVENTS, to=target)
    said = [str(w.message) for w in caught if issubclass(w.category, ResultTruncated)]
    # Looker's default limit is 500 rows: the file holds 500 rows over 1,000 lines
    assert said == [
        "Looker returned 500 rows, the query's row limit, so the result may be cut short; pass "
        "limit=-1 for every row (or a higher limit)."
    ]
    with target.open(newline="") as written:
        assert sum(1 for _ in csv.reader(written)) == 1 + 500


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64])
def test_to_counts_rows_however_the_chunks_cut_quotes_and_line_breaks(
    size: int, tmp_path: Path
) -> None:
    text = _csv([("a", 'one\ntwo, "three"\n'), ("b", "plain"), ("c", '""\n""'), ("d", "")])
    data = text.encode()
    chunks = [data[i : i + size] for i in range(0, len(data), size)]
    target = tmp_path / "rows.csv"
    rows = stream.to_file(target)(io.BufferedReader(stream.Body(iter(chunks)), 4))
    assert rows == 4
    assert target.read_bytes() == data
