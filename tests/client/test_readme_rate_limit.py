"""The README's numbers on 429s: an idempotent call (a DELETE too) is retried up to twice, waiting
what Retry-After asks up to 10 s; a longer wait is raised at once as `RateLimited`."""

from __future__ import annotations

import pytest

from looker_nb_auth import LookerSession, RateLimited
from looker_nb_auth.fake_looker import FakeLooker


def calls(looker: FakeLooker, method: str, path: str) -> int:
    return looker.requests.count((method, path))


def test_a_get_is_retried_twice_and_no_more(logged_in: LookerSession, looker: FakeLooker) -> None:
    looker.fail_next(3, 429, target="api")
    with pytest.raises(RateLimited):
        logged_in.client.get("user")
    assert calls(looker, "GET", "/api/4.0/user") == 3  # the call and two retries


def test_a_delete_is_idempotent_and_retried(logged_in: LookerSession, looker: FakeLooker) -> None:
    looker.fail_next(1, 429, target="api")
    response = logged_in.client.delete("running_queries/no-such-task")
    assert response.status_code != 429
    assert calls(looker, "DELETE", "/api/4.0/running_queries/no-such-task") == 2


def test_a_retry_after_over_10_s_is_raised_at_once(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    looker.config.retry_after = 11
    looker.fail_next(1, 429, target="api")
    with pytest.raises(RateLimited, match=r"wait 11 s and try again") as info:
        logged_in.client.get("user")
    assert info.value.retry_after == 11
    assert calls(looker, "GET", "/api/4.0/user") == 1
