"""A results body that does not parse (a broken proxy, a broken Looker) is `UnexpectedResponse`
with a sentence, whatever the parser, the backend, the call or its async twin; never the
parser's own error (``ArrowInvalid``, ``ParserError``, ``UnicodeDecodeError``, ``RecursionError``,
``AttributeError``, ``TypeError``)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest

from looker_nb_auth import LookerSession, UnexpectedResponse
from looker_nb_auth.dataframes.backends import Backend
from looker_nb_auth.fake_looker import FakeLooker
from looker_nb_auth.fake_looker._config import MalformedShape

from .conftest import AsyncRun
from .helpers import EVENTS, PIVOTED

BACKENDS: list[Backend] = ["pandas", "polars"]
#: What the stand-in can send instead of a CSV result, and of a JSON one.
CSV_SHAPES: list[MalformedShape] = ["cut_row", "bad_utf8", "wrong_shape"]
JSON_SHAPES: list[MalformedShape] = ["cut_row", "bad_utf8", "deep_json", "wrong_shape"]

Call = Callable[[LookerSession, Backend], Any]
AsyncCall = Callable[[LookerSession, Backend], Coroutine[Any, Any, Any]]

CSV_CALLS: dict[str, Call] = {
    "run_query": lambda s, b: s.run_query(model="demo", view="events", fields=EVENTS, backend=b),
    "run_look": lambda s, b: s.run_look(1, backend=b),
}
ASYNC_CSV_CALLS: dict[str, AsyncCall] = {
    "arun_query": lambda s, b: s.arun_query(model="demo", view="events", fields=EVENTS, backend=b),
    "arun_look": lambda s, b: s.arun_look(1, backend=b),
}
SQL = "SELECT region, COUNT(*) AS orders FROM orders GROUP BY region"


def _says_what_and_what_to_do(error: UnexpectedResponse, what: str) -> None:
    sentence = str(error)
    assert what in sentence
    assert "malformed" in sentence
    assert "run it again" in sentence
    assert sentence.count(".") <= 2  # one sentence (a decimal point aside)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("shape", CSV_SHAPES)
@pytest.mark.parametrize("call", list(CSV_CALLS))
def test_a_malformed_csv_result_is_unexpected_response(
    logged_in: LookerSession, big: FakeLooker, call: str, shape: MalformedShape, backend: Backend
) -> None:
    big.config.malformed_results = shape
    with pytest.raises(UnexpectedResponse) as raised:
        CSV_CALLS[call](logged_in, backend)
    _says_what_and_what_to_do(raised.value, "CSV result")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("shape", CSV_SHAPES)
@pytest.mark.parametrize("call", list(ASYNC_CSV_CALLS))
def test_a_malformed_csv_result_is_unexpected_response_for_the_async_twins(
    logged_in: LookerSession,
    big: FakeLooker,
    run_async: AsyncRun[Any],
    call: str,
    shape: MalformedShape,
    backend: Backend,
) -> None:
    big.config.malformed_results = shape
    with pytest.raises(UnexpectedResponse) as raised:
        run_async(ASYNC_CSV_CALLS[call](logged_in, backend))
    _says_what_and_what_to_do(raised.value, "CSV result")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("shape", JSON_SHAPES)
def test_a_malformed_json_detail_result_is_unexpected_response(
    logged_in: LookerSession, looker: FakeLooker, shape: MalformedShape, backend: Backend
) -> None:
    looker.config.malformed_results = shape
    with pytest.raises(UnexpectedResponse) as raised:
        logged_in.run_query(PIVOTED, backend=backend)
    _says_what_and_what_to_do(raised.value, "json_detail result")


@pytest.mark.parametrize("shape", JSON_SHAPES)
def test_a_malformed_json_detail_result_is_unexpected_response_for_arun_query(
    logged_in: LookerSession, looker: FakeLooker, run_async: AsyncRun[Any], shape: MalformedShape
) -> None:
    looker.config.malformed_results = shape
    with pytest.raises(UnexpectedResponse) as raised:
        run_async(logged_in.arun_query(PIVOTED))
    _says_what_and_what_to_do(raised.value, "json_detail result")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("shape", JSON_SHAPES)
def test_a_malformed_sql_runner_result_is_unexpected_response(
    logged_in: LookerSession, looker: FakeLooker, shape: MalformedShape, backend: Backend
) -> None:
    looker.config.malformed_results = shape
    with pytest.raises(UnexpectedResponse) as raised:
        logged_in.run_sql(SQL, connection="demo", backend=backend)
    _says_what_and_what_to_do(raised.value, "SQL Runner result")


@pytest.mark.parametrize("shape", JSON_SHAPES)
def test_a_malformed_sql_runner_result_is_unexpected_response_for_arun_sql(
    logged_in: LookerSession, looker: FakeLooker, run_async: AsyncRun[Any], shape: MalformedShape
) -> None:
    looker.config.malformed_results = shape
    with pytest.raises(UnexpectedResponse) as raised:
        run_async(logged_in.arun_sql(SQL, connection="demo"))
    _says_what_and_what_to_do(raised.value, "SQL Runner result")


def test_the_session_works_again_once_the_results_are_well_formed(
    logged_in: LookerSession, big: FakeLooker
) -> None:
    big.config.malformed_results = "cut_row"
    with pytest.raises(UnexpectedResponse):
        logged_in.run_query(model="demo", view="events", fields=EVENTS, limit=-1)
    big.config.malformed_results = None
    assert len(logged_in.run_query(model="demo", view="events", fields=EVENTS, limit=-1)) == 1200


_WITHOUT_PYARROW = """
import sys
sys.path.insert(0, {tests!r})
sys.modules["pyarrow"] = None  # as if not installed: pandas' own parser reads the CSV
from support import CLIENT_GUID, REDIRECT_URI, log_in, make_session
from looker_nb_auth.fake_looker import FakeLooker, ManualClock
clock = ManualClock()
with FakeLooker(clock=clock.now) as fake:
    fake.config.big_rows = 50
    fake.register_app(CLIENT_GUID, REDIRECT_URI, display_name="t", description="t")
    session = make_session(fake, clock)
    log_in(session)
    for shape in {shapes!r}:
        fake.config.malformed_results = shape
        try:
            session.run_query(model="demo", view="events", fields={fields!r}, limit=-1)
        except Exception as error:
            print(shape, type(error).__name__, "CSV result" in str(error))
        else:
            print(shape, "no error")
"""


def test_without_pyarrow_a_malformed_csv_result_is_unexpected_response_too() -> None:
    code = _WITHOUT_PYARROW.format(
        tests=str(Path(__file__).parents[1]), shapes=CSV_SHAPES, fields=EVENTS
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"{shape} UnexpectedResponse True" for shape in CSV_SHAPES]
