"""SQL Runner cuts results at 5,000 rows (Looker's row-limits page): a result that long warns
`ResultTruncated`, at the caller's line, naming the cap and the way around it."""

from __future__ import annotations

import warnings

import pytest

from looker_nb_auth import LookerSession, ResultTruncated
from looker_nb_auth.fake_looker import FakeLooker


def _numbers(count: int) -> str:
    return (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
        f"WHERE i < {count}) SELECT i FROM n"
    )


def test_a_result_cut_at_sql_runners_5000_rows_warns(logged_in: LookerSession) -> None:
    with pytest.warns(ResultTruncated) as caught:
        frame = logged_in.run_sql(_numbers(6000), connection="demo")
    assert len(frame) == 5000
    sentence = str(caught[0].message)
    assert "SQL Runner" in sentence and "5,000" in sentence and "run_query" in sentence
    assert caught[0].filename == __file__


def test_a_shorter_sql_runner_result_does_not_warn(logged_in: LookerSession) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResultTruncated)
        frame = logged_in.run_sql(_numbers(4999), connection="demo")
    assert len(frame) == 4999


def test_without_a_cap_every_row_comes_and_nothing_warns(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    looker.config.sql_runner_row_cap = None  # a Looker whose API does not cap SQL Runner
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResultTruncated)
        frame = logged_in.run_sql(_numbers(6000), connection="demo")
    assert len(frame) == 6000
