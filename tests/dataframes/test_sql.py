"""SQL: SQL Runner into a DataFrame, with the database's own errors; a query's SQL unrun."""

from __future__ import annotations

import pytest

from looker_nb_auth import LookerSession, QueryError, QueryNotFound
from looker_nb_auth.fake_looker import FakeLooker

from .conftest import Requests
from .helpers import BY_REGION


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


def test_the_generated_sql_can_be_seen_without_running(
    logged_in: LookerSession, looker: FakeLooker, seen: Requests
) -> None:
    sql = logged_in.query_sql(BY_REGION)
    assert sql.startswith("SELECT")
    assert "COUNT(*)" in sql
    assert seen.tasks_started() == []
