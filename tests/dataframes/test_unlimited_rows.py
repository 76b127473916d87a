"""``limit=-1`` on a real Looker: every row only for a user with ``download_without_limit`` and
a query that streams; otherwise Looker cuts the result at a cap without saying so. A result as
long as a known cap warns `ResultTruncated` with the likely cause and the fix; limits above
5,000 are Looker's to accept."""

from __future__ import annotations

import warnings

import pytest

from looker_nb_auth import LookerSession, ResultTruncated
from looker_nb_auth.dataframes.annotate import warn_if_truncated
from looker_nb_auth.fake_looker import FakeLooker

EVENT_IDS = {"model": "demo", "view": "events", "fields": ["events.id"]}


def test_minus_one_cut_at_5000_warns_with_the_cause_and_the_fix(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    looker.config.big_rows = 6000
    looker.config.unlimited_row_cap = 5000  # a user without download_without_limit
    with pytest.warns(ResultTruncated) as caught:
        frame = logged_in.run_query(EVENT_IDS, limit=-1)
    assert len(frame) == 5000
    sentence = str(caught[0].message)
    assert "limit=-1" in sentence and "5,000" in sentence
    assert "download_without_limit" in sentence and "table calculations" in sentence
    assert caught[0].filename == __file__  # at the caller's line


def test_minus_one_with_every_row_sent_does_not_warn(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    looker.config.big_rows = 6000
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResultTruncated)
        frame = logged_in.run_query(EVENT_IDS, limit=-1)
    assert len(frame) == 6000


@pytest.mark.parametrize("cap", [5_000, 50_000, 100_000])
def test_a_minus_one_result_as_long_as_a_known_cap_warns(cap: int) -> None:
    with pytest.warns(ResultTruncated, match=f"{cap:,} rows"):
        warn_if_truncated(cap, -1, asked=True, cut=False)


def test_a_minus_one_result_of_another_length_does_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResultTruncated)
        warn_if_truncated(4_999, -1, asked=True, cut=False)
        warn_if_truncated(100_001, -1, asked=False, cut=False)


def test_a_limit_above_5000_is_accepted_and_honoured(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    looker.config.big_rows = 7000
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResultTruncated)
        frame = logged_in.run_query(EVENT_IDS, limit=6000)
    assert len(frame) == 6000
