"""Step 7, annotate: labels in ``df.attrs`` or as the column names, and a warning, pointing at
the caller's line, for a result as long as a row limit the caller did not set (a limit it set:
``test_result_bounds.py``)."""

from __future__ import annotations

import warnings

import pytest

from looker_nb_auth import LookerSession, ResultTruncated
from looker_nb_auth.fake_looker import FakeLooker

from .helpers import BY_REGION


def test_labels_can_name_the_columns(logged_in: LookerSession) -> None:
    frame = logged_in.run_query(BY_REGION, labels=True)
    assert list(frame.columns) == ["Orders Region", "Orders Count", "Orders Total Sale Price"]


def test_the_query_id_is_kept_in_attrs(logged_in: LookerSession) -> None:
    frame = logged_in.run_look(1)
    assert frame.attrs["query_id"] == "101"


def _saved_with_limit_5(session: LookerSession) -> str:
    """A saved query whose own limit is 5 (one the caller of run_query does not set)."""
    query = {"model": "demo", "view": "orders", "fields": ["orders.id"], "limit": "5"}
    return str(session.client.post("queries", json=query).json()["id"])


def test_a_result_as_long_as_its_limit_warns_and_says_how_to_get_all(
    logged_in: LookerSession,
) -> None:
    query_id = _saved_with_limit_5(logged_in)
    with pytest.warns(ResultTruncated, match="limit=-1"):
        frame = logged_in.run_query(query_id)
    assert len(frame) == 5


def test_the_truncation_warning_points_at_the_callers_line(logged_in: LookerSession) -> None:
    query_id = _saved_with_limit_5(logged_in)
    with pytest.warns(ResultTruncated) as caught:
        logged_in.run_query(query_id)
    assert [w.filename for w in caught] == [__file__]


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
