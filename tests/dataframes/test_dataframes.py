"""Looks, queries and SQL into DataFrames, against the stand-in: typed, honest, cancellable."""

from __future__ import annotations

import _thread
import asyncio
import subprocess
import sys
import threading
import warnings
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import polars as pl
import pytest

from looker_nb_auth import (
    BackendNotInstalled,
    LookerSession,
    LookerUnreachable,
    QueryCancelled,
    QueryError,
    QueryNotFound,
    QueryTimeout,
    ResultTruncated,
)
from looker_nb_auth.fake_looker import FakeLooker, ManualClock

#: The big explore's fields, and the dtype each must have, whichever parser reads it.
EVENT_DTYPES = {
    "events.id": "str",
    "events.category": "str",
    "events.quantity": "Int64",
    "events.amount": "float64",
    "events.event_date": "datetime64[us]",
    "events.event_time": "datetime64[us]",
    "events.is_weekend": "boolean",
    "events.count": "Int64",
}
EVENTS = list(EVENT_DTYPES)
BY_REGION = {
    "model": "demo",
    "view": "orders",
    "fields": ["orders.region", "orders.count", "orders.total_sale_price"],
    "sorts": ["orders.region"],
}


@pytest.fixture
def big(looker: FakeLooker) -> FakeLooker:
    looker.config.big_rows = 1200
    return looker


def _tasks_started(looker: FakeLooker) -> list[str]:
    return [p for m, p in looker.requests if m == "POST" and p.endswith("/query_tasks")]


def _polls(looker: FakeLooker) -> int:
    return sum(1 for m, p in looker.requests if m == "GET" and p.endswith("/results"))


def _killed(looker: FakeLooker) -> list[str]:
    return [p for m, p in looker.requests if m == "DELETE" and "/running_queries/" in p]


def _when(condition: Callable[[], bool], then: Callable[[], None]) -> threading.Thread:
    """Run ``then`` in a thread as soon as ``condition`` holds (checked every 10 ms)."""
    stop = threading.Event()

    def watch() -> None:
        while not condition():
            if stop.wait(0.01):
                return
        then()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


# -- typed columns ------------------------------------------------------------------------------


def test_a_look_comes_back_as_a_typed_dataframe(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    frame = logged_in.run_look(1)
    assert ("GET", "/api/4.0/queries/101") not in looker.requests  # the Look carried its query
    assert list(frame.columns) == ["orders.region", "orders.count", "orders.total_sale_price"]
    assert str(frame["orders.count"].dtype) == "Int64"
    assert frame["orders.total_sale_price"].dtype == "float64"
    assert pd.api.types.is_string_dtype(frame["orders.region"])
    assert frame["orders.count"].sum() == 60
    assert frame.attrs["labels"]["orders.total_sale_price"] == "Orders Total Sale Price"


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


def test_months_are_the_first_day_of_the_month(logged_in: LookerSession) -> None:
    frame = logged_in.run_look(2)  # orders.created_month
    assert str(frame["orders.created_month"].dtype) == "datetime64[us]"
    assert frame["orders.created_month"].iloc[0] == pd.Timestamp("2026-01-01")


def test_labels_can_name_the_columns(logged_in: LookerSession) -> None:
    frame = logged_in.run_query(BY_REGION, labels=True)
    assert list(frame.columns) == ["Orders Region", "Orders Count", "Orders Total Sale Price"]


def test_a_dict_a_query_id_and_keywords_run_the_same_query(logged_in: LookerSession) -> None:
    from_dict = logged_in.run_query(BY_REGION)
    from_keywords = logged_in.run_query(**BY_REGION)
    from_id = logged_in.run_query(from_dict.attrs["query_id"])
    pd.testing.assert_frame_equal(from_dict, from_keywords)
    pd.testing.assert_frame_equal(from_dict, from_id)
    assert list(from_dict["orders.region"]) == ["East", "North", "South", "West"]


def test_a_query_slug_runs_the_saved_query(logged_in: LookerSession) -> None:
    slug = logged_in.client.get("queries/101").json()["slug"]
    pd.testing.assert_frame_equal(logged_in.run_query(slug), logged_in.run_query(101))


def test_an_unknown_slug_raises_not_found_naming_it(logged_in: LookerSession) -> None:
    with pytest.raises(QueryNotFound, match="query 'noSuchQ'"):
        logged_in.run_query("noSuchQ")


PIVOTED = {
    "model": "demo",
    "view": "orders",
    "fields": ["orders.region", "orders.category", "orders.count", "orders.total_sale_price"],
    "pivots": ["orders.category"],
    "sorts": ["orders.region"],
}


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


def test_filters_and_sorts_are_sent_to_looker(logged_in: LookerSession) -> None:
    frame = logged_in.run_query(
        model="demo",
        view="orders",
        fields=["orders.category", "orders.count"],
        filters={"orders.region": "North"},
        sorts=["orders.count desc"],
    )
    assert frame["orders.count"].sum() == 15
    assert list(frame["orders.count"]) == sorted(frame["orders.count"], reverse=True)


def test_a_saved_query_takes_no_query_keywords(logged_in: LookerSession) -> None:
    with pytest.raises(TypeError, match="cannot take fields"):
        logged_in.run_query(101, fields=["orders.id"])


def test_polars_is_a_backend(logged_in: LookerSession, big: FakeLooker) -> None:
    frame = logged_in.run_query(
        model="demo", view="events", fields=EVENTS, limit=-1, backend="polars"
    )
    assert isinstance(frame, pl.DataFrame)
    assert frame.height == 1200
    assert frame.schema["events.event_time"] == pl.Datetime("us")
    assert frame.schema["events.is_weekend"] == pl.Boolean
    assert frame.schema["events.quantity"] == pl.Int64


def test_the_generated_sql_can_be_seen_without_running(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    sql = logged_in.query_sql(BY_REGION)
    assert sql.startswith("SELECT")
    assert "COUNT(*)" in sql
    assert _tasks_started(looker) == []


# -- honest errors ------------------------------------------------------------------------------


def test_a_database_error_in_band_raises_query_error_with_lookers_message(
    logged_in: LookerSession,
) -> None:
    with pytest.raises(QueryError) as raised:
        logged_in.run_query(model="demo", view="orders", fields=["orders.sql_error"])
    assert "invalid identifier 'ORDERS.SQL_ERROR'" in str(raised.value)
    assert raised.value.looker_message is not None
    assert "SQL compilation error" in raised.value.looker_message


def test_every_query_failing_in_the_database_raises(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    looker.config.fail_queries_with = "SQL Error: warehouse is suspended"
    with pytest.raises(QueryError, match="warehouse is suspended"):
        logged_in.run_look(1)


def test_a_pivoted_query_failing_in_the_database_raises_too(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    looker.config.fail_queries_with = "SQL Error: division by zero"
    with pytest.raises(QueryError, match="division by zero"):
        logged_in.run_query(PIVOTED)


def test_an_unknown_explore_raises_not_found_naming_it(logged_in: LookerSession) -> None:
    with pytest.raises(QueryNotFound, match="demo::nope"):
        logged_in.run_query(model="demo", view="nope", fields=["nope.id"])


def test_an_unknown_field_raises_naming_it(logged_in: LookerSession) -> None:
    with pytest.raises(QueryError, match=r"orders\.nope"):
        logged_in.run_query(model="demo", view="orders", fields=["orders.nope"])


def test_an_unknown_look_raises_not_found_naming_it(logged_in: LookerSession) -> None:
    with pytest.raises(QueryNotFound, match="Look '999'"):
        logged_in.run_look(999)


def test_a_stopped_looker_is_unreachable(logged_in: LookerSession, looker: FakeLooker) -> None:
    looker.stop()
    with pytest.raises(LookerUnreachable):
        logged_in.run_look(1)


# -- truncation ---------------------------------------------------------------------------------


def test_a_result_as_long_as_its_limit_warns_and_says_how_to_get_all(
    logged_in: LookerSession,
) -> None:
    with pytest.warns(ResultTruncated, match="limit=-1"):
        frame = logged_in.run_query(
            model="demo", view="orders", fields=["orders.id"], sorts=["orders.id"], limit=5
        )
    assert len(frame) == 5


def test_lookers_default_limit_of_500_warns_too(logged_in: LookerSession, big: FakeLooker) -> None:
    with pytest.warns(ResultTruncated, match="500 rows"):
        frame = logged_in.run_query(model="demo", view="events", fields=["events.id"])
    assert len(frame) == 500


def test_a_complete_result_does_not_warn(logged_in: LookerSession, big: FakeLooker) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        everything = logged_in.run_query(
            model="demo", view="events", fields=["events.id"], limit=-1
        )
        shorter = logged_in.run_query(model="demo", view="orders", fields=["orders.id"], limit=100)
    assert len(everything) == 1200
    assert len(shorter) == 60


# -- long queries: tasks, cancel, timeout -------------------------------------------------------


def test_a_long_query_is_polled_until_looker_has_finished(
    logged_in: LookerSession, looker: FakeLooker, clock: ManualClock
) -> None:
    looker.config.query_task_seconds = 30
    _when(lambda: _polls(looker) >= 3, lambda: clock.advance(31))
    frame = logged_in.run_look(1)
    assert len(frame) == 4
    assert _polls(looker) >= 4  # three 202s, then the 200
    assert _killed(looker) == []


def test_ctrl_c_stops_the_query_at_looker(logged_in: LookerSession, looker: FakeLooker) -> None:
    looker.config.query_task_seconds = 600
    _when(lambda: _polls(looker) >= 2, _thread.interrupt_main)
    with pytest.raises(QueryCancelled, match="stopped at Looker") as raised:
        logged_in.run_look(1)
    assert type(raised.value) is QueryCancelled
    [kill] = _killed(looker)
    task_id = kill.rsplit("/", 1)[1]
    status = logged_in.client.get(f"query_tasks/{task_id}").json()["status"]
    assert status == "killed"


def test_a_task_killed_elsewhere_says_its_results_are_gone(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    looker.config.query_task_seconds = 600

    def kill_it() -> None:
        task_id = next(p for m, p in looker.requests if p.endswith("/results")).split("/")[-2]
        logged_in.client.delete(f"running_queries/{task_id}")  # e.g. an admin, in Looker

    _when(lambda: _polls(looker) >= 1, kill_it)
    with pytest.raises(QueryNotFound, match="no longer has the results of query task"):
        logged_in.run_look(1)


def test_a_connection_lost_while_polling_is_unreachable(
    logged_in: LookerSession, looker: FakeLooker, clock: ManualClock
) -> None:
    looker.config.query_task_seconds = 30

    def drop_the_next_poll() -> None:
        looker.drop_next(1, target="api")  # every request from here on is a poll
        clock.advance(31)

    _when(lambda: _polls(looker) >= 1, drop_the_next_poll)
    with pytest.raises(LookerUnreachable, match="connection to Looker"):
        logged_in.run_look(1)


def test_a_timeout_stops_the_query_at_looker(logged_in: LookerSession, looker: FakeLooker) -> None:
    looker.config.query_task_seconds = 600
    with pytest.raises(QueryTimeout, match=r"timeout of 0\.2 s"):
        logged_in.run_look(1, timeout=0.2)
    assert len(_killed(looker)) == 1


def test_cancelling_the_async_twin_stops_the_query_at_looker(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    looker.config.query_task_seconds = 600

    async def cancel_while_running() -> None:
        task = asyncio.create_task(logged_in.arun_look(1))
        while _polls(looker) < 2:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancel_while_running())
    assert len(_killed(looker)) == 1


def test_the_async_twins_return_the_same_frames(logged_in: LookerSession) -> None:
    async def both() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        return await asyncio.gather(
            logged_in.arun_look(1),
            logged_in.arun_query(BY_REGION),
            logged_in.arun_sql("SELECT region FROM orders", connection="demo"),
        )

    look, query, sql = asyncio.run(both())
    pd.testing.assert_frame_equal(look.sort_values("orders.region", ignore_index=True), query)
    assert len(sql) == 60


# -- big results to a file ----------------------------------------------------------------------


def test_to_writes_lookers_csv_as_it_arrives(
    logged_in: LookerSession, big: FakeLooker, tmp_path: Path
) -> None:
    target = tmp_path / "events.csv"
    written = logged_in.run_query(
        model="demo", view="events", fields=["events.id", "events.amount"], limit=-1, to=target
    )
    assert written == target
    lines = target.read_text().splitlines()
    assert lines[0] == "Events ID,Events Amount"
    assert len(lines) == 1201
    assert list(tmp_path.iterdir()) == [target]  # no partial file left


def test_a_failed_download_leaves_no_file(
    logged_in: LookerSession, looker: FakeLooker, tmp_path: Path
) -> None:
    target = tmp_path / "out.csv"
    with pytest.raises(QueryError):
        logged_in.run_query(model="demo", view="orders", fields=["orders.sql_error"], to=target)
    assert list(tmp_path.iterdir()) == []


# -- SQL Runner ---------------------------------------------------------------------------------


def test_sql_runner_returns_a_dataframe(logged_in: LookerSession) -> None:
    frame = logged_in.run_sql(
        "SELECT region, COUNT(*) AS n, SUM(sale_price) AS total FROM orders GROUP BY region",
        connection="demo",
    )
    assert list(frame.columns) == ["region", "n", "total"]
    assert str(frame["n"].dtype) == "Int64"
    assert frame["n"].sum() == 60


def test_sql_runner_errors_raise_query_error_with_the_databases_message(
    logged_in: LookerSession,
) -> None:
    with pytest.raises(QueryError, match="no such column: nope"):
        logged_in.run_sql("SELECT nope FROM orders", connection="demo")


def test_sql_runner_on_an_unknown_connection_names_it(logged_in: LookerSession) -> None:
    with pytest.raises(QueryNotFound, match="connection 'warehouse'"):
        logged_in.run_sql("SELECT 1", connection="warehouse")


def test_sql_runner_needs_one_connection_or_model(logged_in: LookerSession) -> None:
    with pytest.raises(TypeError, match="exactly one"):
        logged_in.run_sql("SELECT 1")


# -- without the optional libraries -------------------------------------------------------------

_WITHOUT = """
import sys
sys.path.insert(0, {tests!r})
for name in {blocked!r}:
    sys.modules[name] = None  # as if not installed
from support import CLIENT_GUID, REDIRECT_URI, log_in, make_session
from looker_nb_auth.fake_looker import FakeLooker, ManualClock
clock = ManualClock()
with FakeLooker(clock=clock.now) as fake:
    fake.config.big_rows = 50
    fake.register_app(CLIENT_GUID, REDIRECT_URI, display_name="t", description="t")
    session = make_session(fake, clock)
    log_in(session)
    try:
        frame = session.run_query(
            model="demo", view="events", fields={fields!r}, limit=-1, backend={backend!r}
        )
    except Exception as error:
        print(type(error).__name__ + ": " + str(error))
        print("tasks", sum(1 for m, p in fake.requests if p.endswith("/query_tasks")))
    else:
        print({{str(k): str(v) for k, v in frame.dtypes.items()}})
"""


def _without(blocked: list[str], backend: str = "pandas") -> str:
    code = _WITHOUT.format(
        tests=str(Path(__file__).parents[1]), blocked=blocked, fields=EVENTS, backend=backend
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_without_pyarrow_pandas_parses_with_the_same_dtypes() -> None:
    printed = _without(["pyarrow"])
    assert printed == str(EVENT_DTYPES)


def test_without_pandas_the_sentence_says_what_to_install_before_asking_looker() -> None:
    printed = _without(["pandas"])
    assert printed.splitlines() == [
        "BackendNotInstalled: DataFrames need pandas, which is not installed; run pip install "
        "'looker-nb-auth[pandas]' and restart the kernel.",
        "tasks 0",
    ]


def test_polars_without_pyarrow_says_what_to_install() -> None:
    printed = _without(["pyarrow"], backend="polars")
    assert "pip install 'looker-nb-auth[polars]'" in printed
    assert printed.endswith("tasks 0")


def test_backend_names_are_checked(logged_in: LookerSession) -> None:
    with pytest.raises(ValueError, match="backend must be"):
        logged_in.run_look(1, backend="spark")  # type: ignore[arg-type]


def test_backend_not_installed_is_a_configuration_error() -> None:
    from looker_nb_auth import ConfigurationError

    assert issubclass(BackendNotInstalled, ConfigurationError)
