"""A result is bounded on the client: rows past the limit asked for are not read (a warning says
so), ``max_bytes=`` stops a download that grows past it with `ResultTooLarge`; and the
truncation warning is for a limit the caller did not set, pointing at the caller's line."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from looker_nb_auth import LookerSession, QueryCancelled, ResultTooLarge, ResultTruncated
from looker_nb_auth.dataframes.backends import Backend
from looker_nb_auth.fake_looker import FakeLooker

from .conftest import AsyncRun, Requests
from .helpers import EVENTS, PIVOTED

BACKENDS: list[Backend] = ["pandas", "polars"]


@pytest.fixture
def no_warnings() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def _ids(frame: Any) -> list[str]:
    return list(frame["events.id"])


Run = Callable[..., Any]


def _run(logged_in: LookerSession, run_async: AsyncRun[Any], twin: str) -> Run:
    if twin == "sync":
        return logged_in.run_query
    return lambda *args, **kwargs: run_async(logged_in.arun_query(*args, **kwargs))


# -- rows past the limit ---------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_rows_past_the_limit_asked_for_are_not_kept_and_a_warning_says_so(
    logged_in: LookerSession, big: FakeLooker, backend: Backend
) -> None:
    big.config.ignore_limit = True
    with pytest.warns(ResultTruncated, match="more rows than the limit of 10") as caught:
        frame = logged_in.run_query(
            model="demo", view="events", fields=EVENTS, limit=10, backend=backend
        )
    assert _ids(frame) == [f"evt-{i:07d}" for i in range(1, 11)]
    assert [w.filename for w in caught] == [__file__]


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_async_twin_keeps_the_limit_too(
    logged_in: LookerSession, big: FakeLooker, run_async: AsyncRun[Any], backend: Backend
) -> None:
    big.config.ignore_limit = True
    with pytest.warns(ResultTruncated, match="more rows than the limit of 10"):
        frame = run_async(
            logged_in.arun_query(
                model="demo", view="events", fields=EVENTS, limit=10, backend=backend
            )
        )
    assert len(frame) == 10


def test_a_look_keeps_the_limit_asked_for(logged_in: LookerSession, looker: FakeLooker) -> None:
    looker.config.ignore_limit = True
    with pytest.warns(ResultTruncated, match="more rows than the limit of 2"):
        frame = logged_in.run_look(1, limit=2)
    assert len(frame) == 2


def test_a_pivoted_result_keeps_the_limit_asked_for(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    looker.config.ignore_limit = True
    with pytest.warns(ResultTruncated, match="more rows than the limit of 2"):
        frame = logged_in.run_query(PIVOTED, limit=2)
    assert len(frame) == 2


@pytest.mark.parametrize("twin", ["sync", "async"])
def test_reading_stops_at_the_limit_instead_of_downloading_the_rest(
    logged_in: LookerSession, looker: FakeLooker, run_async: AsyncRun[Any], twin: str
) -> None:
    """2M rows (about 120 MB of CSV) sent for limit=10: had the client read them all,
    max_bytes (100 MB) would have stopped it."""
    looker.config.big_rows = 2_000_000
    looker.config.ignore_limit = True
    run = _run(logged_in, run_async, twin)
    query = {"model": "demo", "view": "events", "fields": EVENTS}
    with pytest.warns(ResultTruncated, match="more rows than the limit of 10"):
        frame = run(query, limit=10, max_bytes=100_000_000)
    assert len(frame) == 10


# -- max_bytes -------------------------------------------------------------------------------------


@pytest.mark.parametrize("twin", ["sync", "async"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_max_bytes_stops_a_larger_result_with_result_too_large(
    logged_in: LookerSession,
    looker: FakeLooker,
    run_async: AsyncRun[Any],
    backend: Backend,
    twin: str,
) -> None:
    looker.config.big_rows = 200_000  # about 12 MB of CSV
    run = _run(logged_in, run_async, twin)
    with pytest.raises(ResultTooLarge) as raised:
        run(
            model="demo",
            view="events",
            fields=EVENTS,
            limit=-1,
            backend=backend,
            max_bytes=1_000_000,
        )
    sentence = str(raised.value)
    assert "max_bytes=1,000,000" in sentence or "1,000,000 bytes" in sentence
    assert "limit=" in sentence  # what to do: ask for fewer rows, or a higher max_bytes
    assert isinstance(raised.value, QueryCancelled)  # a bound of the caller's, as timeout is


def test_max_bytes_stops_a_download_to_a_file_and_leaves_no_file(
    logged_in: LookerSession, looker: FakeLooker, tmp_path: Path
) -> None:
    looker.config.big_rows = 200_000
    target = tmp_path / "events.csv"
    with pytest.raises(ResultTooLarge):
        logged_in.run_query(
            model="demo", view="events", fields=EVENTS, limit=-1, to=target, max_bytes=1_000_000
        )
    assert list(tmp_path.iterdir()) == []


def test_max_bytes_stops_a_pivoted_result(logged_in: LookerSession) -> None:
    with pytest.raises(ResultTooLarge):
        logged_in.run_query(PIVOTED, max_bytes=1_000)


def test_max_bytes_stops_a_look(logged_in: LookerSession) -> None:
    with pytest.raises(ResultTooLarge):
        logged_in.run_look(1, max_bytes=10)


def test_max_bytes_stops_a_sql_runner_result(logged_in: LookerSession) -> None:
    with pytest.raises(ResultTooLarge):
        logged_in.run_sql("SELECT * FROM orders", connection="demo", max_bytes=100)


def test_a_result_within_max_bytes_is_whole(
    logged_in: LookerSession, big: FakeLooker, no_warnings: None
) -> None:
    frame = logged_in.run_query(
        model="demo", view="events", fields=EVENTS, limit=-1, max_bytes=10_000_000
    )
    assert len(frame) == 1200


@pytest.mark.parametrize("given", [0, -5, 1.5, "1MB", True])
def test_max_bytes_must_be_a_positive_whole_number_before_looker_is_asked(
    logged_in: LookerSession, seen: Requests, given: object
) -> None:
    with pytest.raises((TypeError, ValueError), match="max_bytes"):
        logged_in.run_query(model="demo", view="orders", fields=["orders.id"], max_bytes=given)
    assert seen.looker.requests == []


# -- the truncation warning: only for a limit the caller did not set (issue 20, item 8) ------------


def test_an_explicit_limit_as_long_as_the_result_does_not_warn(
    logged_in: LookerSession, no_warnings: None
) -> None:
    frame = logged_in.run_query(
        model="demo", view="orders", fields=["orders.id"], sorts=["orders.id"], limit=5
    )
    assert len(frame) == 5


def test_a_write_querys_own_limit_does_not_warn(
    logged_in: LookerSession, no_warnings: None
) -> None:
    query = {"model": "demo", "view": "orders", "fields": ["orders.id"], "limit": "5"}
    assert len(logged_in.run_query(query)) == 5


def test_an_explicit_limit_does_not_warn_in_the_async_twin(
    logged_in: LookerSession, run_async: AsyncRun[Any], no_warnings: None
) -> None:
    frame = run_async(
        logged_in.arun_query(model="demo", view="orders", fields=["orders.id"], limit=5)
    )
    assert len(frame) == 5


def test_lookers_implicit_default_warns_at_the_callers_line(
    logged_in: LookerSession, big: FakeLooker
) -> None:
    with pytest.warns(ResultTruncated, match="limit=-1") as caught:
        frame = logged_in.run_query(model="demo", view="events", fields=["events.id"])
    assert len(frame) == 500
    assert [w.filename for w in caught] == [__file__]


def test_lookers_implicit_default_warns_at_the_callers_line_in_the_async_twin(
    logged_in: LookerSession, big: FakeLooker, run_async: AsyncRun[Any]
) -> None:
    async def callers_code() -> Any:
        return await logged_in.arun_query(model="demo", view="events", fields=["events.id"])

    with pytest.warns(ResultTruncated, match="limit=-1") as caught:
        frame = run_async(callers_code())
    assert len(frame) == 500
    assert [w.filename for w in caught] == [__file__]
