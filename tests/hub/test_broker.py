"""The hub's OAuth client against the Looker stand-in: logins bound to the hub user who started
them, access tokens renewed once per user however many ask, logins ended at Looker."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from support import ADA, GRACE

from looker_nb_auth._errors import AccessDenied, LoginRequired, LookerUnreachable, StateMismatch
from looker_nb_auth._protocol import MAX_PENDING
from looker_nb_auth.fake_looker import FakeLooker, ManualClock
from looker_nb_auth.hub.broker import Broker
from looker_nb_auth.hub.store import LoginStore

from .helpers import callback_query, log_in


def test_a_login_is_kept_for_the_hub_user_who_started_it(broker: Broker) -> None:
    looker_user = log_in(broker, "ada", ADA)
    assert looker_user.email == ADA
    access, _, who = broker.access_token("ada")
    assert access and who == looker_user
    with pytest.raises(LoginRequired):
        broker.access_token("grace")


def test_another_users_callback_is_refused_and_the_login_still_completes(
    broker: Broker,
) -> None:
    query = callback_query(broker, "ada", ADA)
    with pytest.raises(StateMismatch):
        broker.complete_login("grace", query)  # grace's browser replays ada's callback
    looker_user, _ = broker.complete_login("ada", query)
    assert looker_user.email == ADA
    with pytest.raises(LoginRequired):
        broker.access_token("grace")


def test_a_state_is_used_once(broker: Broker) -> None:
    query = callback_query(broker, "ada", ADA)
    broker.complete_login("ada", query)
    with pytest.raises(StateMismatch):
        broker.complete_login("ada", query)


def test_deny_on_lookers_consent_page_is_access_denied(broker: Broker, store: LoginStore) -> None:
    query = callback_query(broker, "ada", ADA, approve=False)
    with pytest.raises(AccessDenied):
        broker.complete_login("ada", query)
    assert store.get("ada") is None


def test_many_callers_after_expiry_cost_one_refresh(
    broker: Broker, looker: FakeLooker, clock: ManualClock
) -> None:
    log_in(broker, "ada", ADA)
    before, _, _ = broker.access_token("ada")
    clock.advance(3600)
    looker.expire_access_tokens()
    looker.reset_counters()
    callers = 50
    ready = threading.Barrier(callers)

    def ask() -> str:
        ready.wait()
        return broker.access_token("ada")[0].reveal()

    with ThreadPoolExecutor(callers) as pool:
        tokens = set(pool.map(lambda _: ask(), range(callers)))
    assert looker.token_requests["refresh_token"] == 1
    assert len(tokens) == 1 and before.reveal() not in tokens


def test_a_refused_refresh_forgets_the_login(
    broker: Broker, looker: FakeLooker, clock: ManualClock, store: LoginStore
) -> None:
    looker_user = log_in(broker, "ada", ADA)
    looker.revoke_user_tokens(looker_user.id)
    clock.advance(3600)
    with pytest.raises(LoginRequired, match="log in to Looker on the hub again"):
        broker.access_token("ada")
    assert store.get("ada") is None


def test_looker_down_keeps_the_login(
    broker: Broker, looker: FakeLooker, clock: ManualClock, store: LoginStore
) -> None:
    log_in(broker, "ada", ADA)
    clock.advance(3600)
    looker.drop_next(target="token")
    with pytest.raises(LookerUnreachable):
        broker.access_token("ada")
    assert store.get("ada") is not None
    assert broker.access_token("ada")[0]


def test_logout_revokes_the_login_at_looker(
    broker: Broker, looker: FakeLooker, store: LoginStore
) -> None:
    ada = log_in(broker, "ada", ADA)
    grace = log_in(broker, "grace", GRACE)
    assert broker.logout("ada")
    assert looker.live_refresh_tokens(ada.id) == 0
    assert store.get("ada") is None
    assert looker.live_refresh_tokens(grace.id) == 1
    assert not broker.logout("ada")


def test_a_new_login_revokes_the_one_it_replaces(
    broker: Broker, looker: FakeLooker, clock: ManualClock
) -> None:
    ada = log_in(broker, "ada", ADA)
    clock.advance(3600)  # its access token expired: renewed first, to revoke the refresh token
    log_in(broker, "ada", ADA)
    assert looker.live_refresh_tokens(ada.id) == 1
    assert broker.access_token("ada")[0]


def test_last_used_is_written_at_most_once_a_minute(broker: Broker, clock: ManualClock) -> None:
    log_in(broker, "ada", ADA)
    broker.access_token("ada")
    first = clock.now()
    clock.advance(30)
    broker.access_token("ada")
    assert [s.last_used_at for s in broker.summaries()] == [first]
    clock.advance(30)
    broker.access_token("ada")
    assert [s.last_used_at for s in broker.summaries()] == [first + 60]


def test_a_users_flood_of_logins_pushes_out_only_their_own(broker: Broker) -> None:
    grace = callback_query(broker, "grace", GRACE)
    for _ in range(MAX_PENDING + 4):  # more than the broker keeps in all
        broker.start_login("ada")
    looker_user, _ = broker.complete_login("grace", grace)
    assert looker_user.email == GRACE


def test_a_token_looker_refused_is_renewed_once_however_many_kernels_report_it(
    broker: Broker, looker: FakeLooker
) -> None:
    log_in(broker, "ada", ADA)
    before, _, _ = broker.access_token("ada")
    looker.expire_access_tokens()  # Looker's token store restarted: refresh tokens still live
    looker.reset_counters()
    kernels = 100
    ready = threading.Barrier(kernels)

    def report() -> str:
        ready.wait()
        return broker.access_token("ada", refused=before.fingerprint())[0].reveal()

    with ThreadPoolExecutor(kernels) as pool:
        tokens = set(pool.map(lambda _: report(), range(kernels)))
    assert looker.token_requests["refresh_token"] == 1
    assert len(tokens) == 1 and before.reveal() not in tokens


def test_a_refused_token_already_renewed_is_answered_with_the_current_one(
    broker: Broker, looker: FakeLooker
) -> None:
    log_in(broker, "ada", ADA)
    before, _, _ = broker.access_token("ada")
    looker.expire_access_tokens()
    current, _, _ = broker.access_token("ada", refused=before.fingerprint())
    looker.reset_counters()
    again, _, _ = broker.access_token("ada", refused=before.fingerprint())  # a slower kernel
    assert again == current != before
    assert looker.token_requests["refresh_token"] == 0


def test_a_refused_token_whose_refresh_looker_refuses_too_forgets_the_login(
    broker: Broker, looker: FakeLooker, store: LoginStore
) -> None:
    looker_user = log_in(broker, "ada", ADA)
    before, _, _ = broker.access_token("ada")
    looker.revoke_user_tokens(looker_user.id)
    with pytest.raises(LoginRequired, match="log in to Looker on the hub again"):
        broker.access_token("ada", refused=before.fingerprint())
    assert store.get("ada") is None
