"""No token, code or verifier in a verbose traceback, whatever failed.

``%xmode Verbose`` (IPython's VerboseTB) and error reporters that capture locals (Sentry,
``traceback.TracebackException(capture_locals=True)``) write every frame's locals into the saved
notebook or the report. Each failure mode below is provoked against the stand-in, rendered both
ways (with the whole chain of causes), and searched for every secret the stand-in issued or was
sent, and every verifier the session made.
"""

from __future__ import annotations

import asyncio
import linecache
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
from IPython.core.ultratb import VerboseTB
from support import log_in

from looker_nb_auth import (
    InvalidGrant,
    LoginRequired,
    LookerAuthError,
    LookerServerError,
    LookerSession,
    LookerUnreachable,
    MalformedCallback,
    QueryError,
    RateLimited,
    RevokeFailed,
    StateMismatch,
)
from looker_nb_auth.fake_looker import FakeLooker, ManualClock, authorize_in_browser


def rendered(exc: BaseException) -> str:
    """The two verbose renderings of ``exc``: every frame's locals, and IPython's Verbose mode.

    The frames of this file (the user's cell, in a notebook: it holds what the user typed, such
    as a pasted address) are left out; from the first call into a library on, all are shown."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    exc = exc.with_traceback(tb)
    captured = traceback.TracebackException.from_exception(exc, capture_locals=True)
    verbose = VerboseTB(theme_name="nocolor").text(type(exc), exc, exc.__traceback__)
    return "".join(captured.format()) + "\n" + verbose


LIBRARY = "def fail(token):\n    raise ValueError(len(token))\n"


def test_the_renderings_do_show_a_plain_local_so_the_search_can_fail() -> None:
    """A library frame (not this file's) with a plain str local: both renderers show it."""
    linecache.cache["<library>"] = (len(LIBRARY), None, LIBRARY.splitlines(True), "<library>")
    namespace: dict[str, Callable[[str], None]] = {}
    exec(compile(LIBRARY, "<library>", "exec"), namespace)
    with pytest.raises(ValueError, match="14") as info:
        namespace["fail"]("tok-1234567890")
    assert rendered(info.value).count("tok-1234567890") >= 2


@dataclass
class Case:
    provoke: Callable[[LookerSession, FakeLooker, ManualClock], object]
    raises: type[BaseException]


def expired(session: LookerSession, clock: ManualClock) -> None:
    assert session._tokens.token is not None
    clock.advance(3600)  # the access token is past its expiry: the call must refresh first


def refresh_fails(status: int) -> Callable[[LookerSession, FakeLooker, ManualClock], object]:
    def provoke(session: LookerSession, looker: FakeLooker, clock: ManualClock) -> object:
        expired(session, clock)
        looker.fail_next(3, status, target="token")
        return session.client.get("user")

    return provoke


def refresh_dropped(after: bool) -> Callable[[LookerSession, FakeLooker, ManualClock], object]:
    def provoke(session: LookerSession, looker: FakeLooker, clock: ManualClock) -> object:
        expired(session, clock)
        looker.drop_next(1, after=after, target="token")
        return session.client.get("user")

    return provoke


def refresh_refused(session: LookerSession, looker: FakeLooker, clock: ManualClock) -> object:
    looker.revoke_user_tokens(session.user.id)
    expired(session, clock)
    return session.client.get("user")


def async_refresh_fails(session: LookerSession, looker: FakeLooker, clock: ManualClock) -> object:
    expired(session, clock)
    looker.fail_next(1, 503, target="token")

    async def call() -> httpx.Response:
        try:
            return await session.async_client.get("user")
        finally:
            await session.async_client.aclose()

    return asyncio.run(call())


def api_dropped(session: LookerSession, looker: FakeLooker, clock: ManualClock) -> object:
    looker.drop_next(1, target="api")
    return session.client.get("user")


def rate_limited(session: LookerSession, looker: FakeLooker, clock: ManualClock) -> object:
    looker.config.retry_after = 3600  # an exhausted quota: raised at once, not waited for
    looker.fail_next(1, 429, target="api")
    return session.client.get("user")


def sdk_after_revocation(session: LookerSession, looker: FakeLooker, clock: ManualClock) -> object:
    looker.revoke_user_tokens(session.user.id)
    expired(session, clock)
    return session.sdk.me()


def logout_fails(session: LookerSession, looker: FakeLooker, clock: ManualClock) -> object:
    looker.fail_next(1, 503, target="api")
    session.logout()
    return None


def logout_dropped(session: LookerSession, looker: FakeLooker, clock: ManualClock) -> object:
    looker.drop_next(1, target="api")
    session.logout()
    return None


def query_fails_in_the_database(
    session: LookerSession, looker: FakeLooker, clock: ManualClock
) -> object:
    looker.config.fail_queries_with = "SQL Error: warehouse is suspended"
    return session.run_look(1)


def query_after_revocation(
    session: LookerSession, looker: FakeLooker, clock: ManualClock
) -> object:
    looker.revoke_user_tokens(session.user.id)
    expired(session, clock)
    return session.run_query(model="demo", view="orders", fields=["orders.count"])


def query_download_dropped(
    session: LookerSession, looker: FakeLooker, clock: ManualClock
) -> object:
    looker.config.big_rows = 5000
    looker.drop_next(3, target="api")
    return session.run_query(model="demo", view="events", fields=["events.id"], limit=-1)


LOGGED_IN_CASES = {
    "refresh answered 503": Case(refresh_fails(503), LookerServerError),
    "refresh answered 429": Case(refresh_fails(429), RateLimited),
    "refresh dropped before Looker read it": Case(refresh_dropped(False), LookerUnreachable),
    "refresh dropped after Looker rotated": Case(refresh_dropped(True), LookerUnreachable),
    "refresh refused": Case(refresh_refused, LoginRequired),
    "async refresh answered 503": Case(async_refresh_fails, LookerServerError),
    "API call dropped": Case(api_dropped, httpx.RemoteProtocolError),
    "API call rate limited": Case(rate_limited, RateLimited),
    "sdk call after revocation": Case(sdk_after_revocation, LoginRequired),
    "logout answered 503": Case(logout_fails, RevokeFailed),
    "logout dropped": Case(logout_dropped, LookerUnreachable),
    "query failed in the database": Case(query_fails_in_the_database, QueryError),
    "query after revocation": Case(query_after_revocation, LoginRequired),
    "query's requests dropped": Case(query_download_dropped, LookerUnreachable),
}


def secrets(looker: FakeLooker, session: LookerSession, *extra: str) -> list[str]:
    found = [*looker.secrets_seen(), *extra]
    found += [r.code_verifier.reveal() for r in session._pending.values()]
    assert found
    return found


def assert_no_secret(exc: BaseException, known: list[str]) -> None:
    text = rendered(exc)
    leaked = [s for s in known if s in text]
    assert not leaked, f"{len(leaked)} secret(s) in the verbose traceback:\n{text}"


@pytest.mark.parametrize("name", LOGGED_IN_CASES)
def test_no_secret_in_the_verbose_traceback_of_a_logged_in_failure(
    name: str, logged_in: LookerSession, looker: FakeLooker, clock: ManualClock
) -> None:
    case = LOGGED_IN_CASES[name]
    with pytest.raises(case.raises) as info:
        case.provoke(logged_in, looker, clock)
    assert_no_secret(info.value, secrets(looker, logged_in))


@pytest.fixture
def redirected(session: LookerSession, looker: FakeLooker) -> Iterator[str]:
    """A login's redirect: the pasted address, with a live code in it."""
    request = session.start_login()
    address = authorize_in_browser(request.url)
    yield address
    looker.config.error_rate = 0.0


def redeem_fails(status: int) -> Callable[[LookerSession, FakeLooker, str], object]:
    def provoke(session: LookerSession, looker: FakeLooker, address: str) -> object:
        looker.fail_next(1, status, target="token")
        return session.complete_login(address)

    return provoke


def redeem_dropped(session: LookerSession, looker: FakeLooker, address: str) -> object:
    looker.drop_next(1, target="token")
    return session.complete_login(address)


def redeem_twice(session: LookerSession, looker: FakeLooker, address: str) -> object:
    with LookerSession(
        base_url=session.settings.base_url,
        client_guid=session.settings.client_guid,
        redirect_uri=session.settings.redirect_uri,
    ) as other:
        (request,) = session._pending.values()
        other._pending.add(request.state, request)
        other.complete_login(address)  # the code is used up now
    return session.complete_login(address)


def foreign_state(session: LookerSession, looker: FakeLooker, address: str) -> object:
    session._pending.clear()  # a restarted kernel: the state is not one it issued
    return session.complete_login(address)


def pasted_twice(session: LookerSession, looker: FakeLooker, address: str) -> object:
    code = address.split("code=")[1].split("&")[0]
    return session.complete_login(f"{address}&code={code}")


REDEEM_CASES = {
    "redeem answered 503": (redeem_fails(503), LookerServerError),
    "redeem answered 429": (redeem_fails(429), RateLimited),
    "redeem dropped": (redeem_dropped, LookerUnreachable),
    "code used twice": (redeem_twice, InvalidGrant),
    "state not issued here": (foreign_state, StateMismatch),
    "code pasted twice in one address": (pasted_twice, MalformedCallback),
}


@pytest.mark.parametrize("name", REDEEM_CASES)
def test_no_secret_in_the_verbose_traceback_of_a_failed_login(
    name: str, session: LookerSession, looker: FakeLooker, redirected: str
) -> None:
    provoke, raises = REDEEM_CASES[name]
    verifiers = [r.code_verifier.reveal() for r in session._pending.values()]
    code = redirected.split("code=")[1].split("&")[0]
    with pytest.raises(raises) as info:
        provoke(session, looker, redirected)
    assert isinstance(info.value, LookerAuthError)
    assert_no_secret(info.value, secrets(looker, session, code, *verifiers))


def test_a_resumed_session_keeps_no_plain_refresh_token_in_its_cache_record(
    session: LookerSession, looker: FakeLooker
) -> None:
    log_in(session)
    token = session._tokens.token
    assert token is not None and token.refresh_token is not None
    cached = session._saved.load()
    assert cached is not None
    for value in (token, cached, token.access_token, cached.refresh_token):
        assert token.refresh_token.reveal() not in f"{value!r} {value!s} {value}"
    with pytest.raises(TypeError, match="not pickled"):
        __import__("pickle").dumps(token)
