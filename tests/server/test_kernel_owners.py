"""Each kernel's secret names it, and the store counts, hands out and drops logins per kernel."""

from __future__ import annotations

import pytest

from looker_nb_auth._errors import OwnerFull, StoreFull, UnknownState
from looker_nb_auth.oauth.state import new_state
from looker_nb_auth.server.kernel_secrets import UNNAMED, KernelSecrets
from looker_nb_auth.server.pending import ResultStore

KERNEL_A = "4f1c2b1e-0000-4000-8000-00000000000a"
KERNEL_B = "4f1c2b1e-0000-4000-8000-00000000000b"


def test_a_kernels_secret_names_that_kernel_and_the_runs_secret_names_none() -> None:
    secrets = KernelSecrets("the-run-secret-" + "x" * 30)
    assert secrets.kernel_of(secrets.of_kernel(KERNEL_A)) == KERNEL_A
    assert secrets.kernel_of(secrets.run_secret) == UNNAMED
    assert secrets.of_kernel(KERNEL_A) != secrets.of_kernel(KERNEL_B)


@pytest.mark.parametrize(
    "given",
    ["", "nonsense", f"{KERNEL_B}.", f"{KERNEL_B}.{'A' * 43}", "../x.y", "\udcff"],
)
def test_a_secret_not_made_by_this_run_names_no_kernel(given: str) -> None:
    secrets = KernelSecrets("the-run-secret-" + "x" * 30)
    assert secrets.kernel_of(given) is None


def test_another_runs_secret_for_the_same_kernel_names_no_kernel() -> None:
    theirs = KernelSecrets("another-run-secret-" + "y" * 30).of_kernel(KERNEL_A)
    assert KernelSecrets("the-run-secret-" + "x" * 30).kernel_of(theirs) is None


def test_one_kernel_keeps_at_most_its_share_and_the_others_keep_theirs() -> None:
    store = ResultStore(max_pending=10, max_per_owner=3)
    for _ in range(3):
        store.register(new_state(), KERNEL_A)
    with pytest.raises(OwnerFull):
        store.register(new_state(), KERNEL_A)
    store.register(new_state(), KERNEL_B)
    store.register(new_state(), UNNAMED)
    assert len(store) == 5


def test_the_whole_store_stays_bounded_however_many_kernels() -> None:
    store = ResultStore(max_pending=4, max_per_owner=2)
    for owner in ("a", "a", "b", "b"):
        store.register(new_state(), owner)
    with pytest.raises(StoreFull):
        store.register(new_state(), "c")


async def test_only_the_kernel_that_registered_a_login_picks_it_up_or_drops_it() -> None:
    store = ResultStore()
    state = new_state()
    store.register(state, KERNEL_A)
    store.result(state, {"code": "the-code"})
    with pytest.raises(UnknownState):
        await store.wait(state, 0, KERNEL_B)
    store.forget(state, KERNEL_B)  # not theirs: nothing happens
    assert await store.wait(state, 0, KERNEL_A) == {"code": "the-code"}
