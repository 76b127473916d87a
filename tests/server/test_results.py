"""The result store: single use, expiring, bounded, and waking its waiters at once."""

from __future__ import annotations

import asyncio

import pytest

from looker_nb_auth._errors import AlreadyAnswered, AlreadyRegistered, StoreFull, UnknownState
from looker_nb_auth._protocol import CANCELLED
from looker_nb_auth.oauth.state import new_state
from looker_nb_auth.server.pending import ResultStore

from .helpers import ManualClock, ObservedStore

CODE = {"code": "the-code"}


async def woken(waiter: asyncio.Future[dict[str, str] | None]) -> dict[str, str] | None:
    """The waiter's outcome; it waits 30 s, so an outcome within 5 s means it was woken."""
    return await asyncio.wait_for(waiter, 5)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def store(clock: ManualClock) -> ObservedStore:
    return ObservedStore(ttl=600, max_pending=3, clock=clock)


async def test_a_result_is_picked_up_once(store: ResultStore) -> None:
    state = new_state()
    store.register(state)
    store.result(state, CODE)
    assert await store.wait(state, 0) == CODE
    with pytest.raises(UnknownState):
        await store.wait(state, 0)
    assert len(store) == 0


async def test_a_parked_waiter_is_woken_by_the_result(store: ObservedStore) -> None:
    state = new_state()
    store.register(state)
    waiter = asyncio.ensure_future(store.wait(state, 30))
    await store.parked.wait()
    assert not waiter.done()
    store.result(state, CODE)
    assert await woken(waiter) == CODE


async def test_no_result_within_the_wait_is_none_and_keeps_the_state(store: ResultStore) -> None:
    state = new_state()
    store.register(state)
    assert await store.wait(state, 0.01) is None
    assert await store.wait(state, 0) is None
    store.result(state, CODE)
    assert await store.wait(state, 0) == CODE


async def test_a_cancelled_waiter_leaves_the_result_for_the_next(store: ObservedStore) -> None:
    state = new_state()
    store.register(state)
    waiter = asyncio.ensure_future(store.wait(state, 30))
    await store.parked.wait()
    waiter.cancel()
    await store.abandoned.wait()
    store.result(state, CODE)
    assert await store.wait(state, 0) == CODE


async def test_of_two_waiters_one_gets_the_result(store: ResultStore) -> None:
    state = new_state()
    store.register(state)
    waiters = [asyncio.ensure_future(store.wait(state, 30)) for _ in range(2)]
    store.result(state, CODE)
    outcomes = await asyncio.gather(*waiters, return_exceptions=True)
    assert outcomes.count(CODE) == 1
    assert sum(isinstance(outcome, UnknownState) for outcome in outcomes) == 1


def test_a_second_result_is_refused(store: ResultStore) -> None:
    state = new_state()
    store.register(state)
    store.result(state, CODE)
    with pytest.raises(AlreadyAnswered):
        store.result(state, {"code": "another"})


def test_a_result_for_an_unregistered_state_is_refused_and_not_stored(store: ResultStore) -> None:
    for _ in range(10_000):
        with pytest.raises(UnknownState):
            store.result(new_state(), CODE)
    assert len(store) == 0  # nothing was kept, not even until it expires


def test_a_state_registers_once(store: ResultStore) -> None:
    state = new_state()
    store.register(state)
    with pytest.raises(AlreadyRegistered):
        store.register(state)


def test_the_store_is_bounded(store: ResultStore, clock: ManualClock) -> None:
    for _ in range(3):
        store.register(new_state())
    with pytest.raises(StoreFull):
        store.register(new_state())
    clock.advance(600)
    store.register(new_state())  # the expired ones made room
    assert len(store) == 1


async def test_states_expire(store: ResultStore, clock: ManualClock) -> None:
    answered, pending = new_state(), new_state()
    store.register(answered)
    store.register(pending)
    store.result(answered, CODE)
    clock.advance(599.9)
    assert answered in store
    clock.advance(0.1)
    with pytest.raises(UnknownState):
        await store.wait(answered, 0)  # an unpicked code dies with its state
    with pytest.raises(UnknownState):
        store.result(pending, CODE)


async def test_a_parked_waiter_learns_its_state_expired(
    store: ObservedStore, clock: ManualClock
) -> None:
    state = new_state()
    store.register(state)
    waiter = asyncio.ensure_future(store.wait(state, 30))
    await store.parked.wait()
    clock.advance(600)
    store.register(new_state())  # any call evicts expired states
    with pytest.raises(UnknownState):
        await woken(waiter)


async def test_cancel_answers_the_waiter(store: ObservedStore) -> None:
    state = new_state()
    store.register(state)
    waiter = asyncio.ensure_future(store.wait(state, 30))
    await store.parked.wait()
    store.cancel(state)
    assert await woken(waiter) == CANCELLED
    with pytest.raises(UnknownState):
        store.result(state, CODE)


async def test_cancel_replaces_a_code_not_yet_picked_up(store: ResultStore) -> None:
    state = new_state()
    store.register(state)
    store.result(state, CODE)
    store.cancel(state)
    assert await store.wait(state, 0) == CANCELLED


def test_cancel_of_an_unknown_state_is_refused(store: ResultStore) -> None:
    with pytest.raises(UnknownState):
        store.cancel(new_state())


async def test_forget_drops_the_state_and_answers_the_waiter(store: ObservedStore) -> None:
    state = new_state()
    store.register(state)
    waiter = asyncio.ensure_future(store.wait(state, 30))
    await store.parked.wait()
    store.forget(state)
    assert await woken(waiter) == CANCELLED
    assert state not in store
    store.forget(state)  # unknown: nothing to do
    with pytest.raises(UnknownState):
        store.result(state, CODE)


async def test_the_result_is_a_copy(store: ResultStore) -> None:
    state = new_state()
    store.register(state)
    given = {"code": "c"}
    store.result(state, given)
    given["code"] = "changed"
    assert await store.wait(state, 0) == {"code": "c"}
