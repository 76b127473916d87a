"""Logins pending by state: single use, expiring after their TTL, at most a cap of them."""

from __future__ import annotations

import pytest

from looker_nb_auth._errors import AlreadyRegistered, StoreFull
from looker_nb_auth._protocol import MAX_PENDING, PENDING_TTL
from looker_nb_auth.fake_looker import ManualClock
from looker_nb_auth.oauth.pending import Pending, WhenFull


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=1_000.0)


def pending(clock: ManualClock, when_full: WhenFull = "refuse", cap: int = 3) -> Pending[str]:
    return Pending[str](ttl=600, cap=cap, when_full=when_full, clock=clock.now)


def test_the_protocol_s_ttl_and_cap_are_the_defaults() -> None:
    store = Pending[str]()
    assert (store.ttl, store.cap, store.when_full) == (PENDING_TTL, MAX_PENDING, "refuse")


def test_a_login_is_taken_once(clock: ManualClock) -> None:
    store = pending(clock)
    store.add("s1", "verifier")
    assert "s1" in store and store.get("s1") == "verifier"
    assert store.pop("s1") == "verifier"
    assert store.pop("s1") is None and "s1" not in store


def test_a_state_is_pending_once(clock: ManualClock) -> None:
    store = pending(clock)
    store.add("s1", "first")
    with pytest.raises(AlreadyRegistered):
        store.add("s1", "second")
    assert store.get("s1") == "first"


def test_a_login_expires_after_its_ttl_and_not_before(clock: ManualClock) -> None:
    store = pending(clock)
    store.add("s1", "v")
    clock.advance(599.9)
    assert store.get("s1") == "v"
    clock.advance(0.1)
    assert store.get("s1") is None and len(store) == 0


def test_expiring_tells_on_evict_whatever_call_notices_it(clock: ManualClock) -> None:
    evicted: list[str] = []
    store = Pending[str](ttl=10, clock=clock.now, on_evict=evicted.append)
    store.add("old", "v-old")
    clock.advance(5)
    store.add("new", "v-new")
    clock.advance(5)
    assert len(store) == 1 and evicted == ["v-old"]
    clock.advance(5)
    assert store.pop("new") is None and evicted == ["v-old", "v-new"]


def test_a_full_store_refuses_until_one_expires(clock: ManualClock) -> None:
    store = pending(clock)
    for state in ("s1", "s2", "s3"):
        store.add(state, state)
    with pytest.raises(StoreFull):
        store.add("s4", "s4")
    assert store.values() == ["s1", "s2", "s3"]
    clock.advance(600)
    store.add("s4", "s4")  # the expired ones made room
    assert store.values() == ["s4"]


def test_a_kernel_s_full_store_drops_its_oldest_login(clock: ManualClock) -> None:
    evicted: list[str] = []
    store = Pending[str](
        ttl=600, cap=2, when_full="drop_oldest", clock=clock.now, on_evict=evicted.append
    )
    for state in ("s1", "s2", "s3"):
        store.add(state, state)
    assert store.values() == ["s2", "s3"] and evicted == ["s1"]


def test_clear_drops_every_login_without_telling_on_evict(clock: ManualClock) -> None:
    evicted: list[str] = []
    store = Pending[str](clock=clock.now, on_evict=evicted.append)
    store.add("s1", "v")
    store.clear()
    assert len(store) == 0 and evicted == []


@pytest.mark.parametrize(("ttl", "cap"), [(0, 1), (-1, 1), (1, 0)])
def test_a_store_that_could_hold_nothing_is_refused(ttl: float, cap: int) -> None:
    with pytest.raises(ValueError, match="ttl above 0 and a cap of at least 1"):
        Pending[str](ttl=ttl, cap=cap)
