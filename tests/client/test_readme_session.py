"""The README's "The session in Python", "Token cache" and "Errors" sections, claim by claim, on
the stand-in over loopback: what `complete_login` takes, what the clients are, the callbacks, the
sentence before a login, when the token is renewed, how renewals back off, what `logout()` does
to a cache, a cache of your own, and which errors an ordinary API call raises."""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from support import ADA, CLIENT_GUID, REDIRECT_URI, access_token, log_in, make_session

from looker_nb_auth import (
    AccessDenied,
    CachedLogin,
    CacheKey,
    FileCache,
    LoginRequired,
    LookerAuthError,
    LookerSession,
    RevokeFailed,
    Settings,
)
from looker_nb_auth.fake_looker import (
    FakeLooker,
    FakeLookerConfig,
    ManualClock,
    authorize_in_browser,
)

# -- complete_login and the clients -------------------------------------------------------------


@pytest.mark.parametrize("form", ["address", "query string", "dict"])
def test_complete_login_takes_the_address_its_query_string_or_a_dict(
    session: LookerSession, form: str
) -> None:
    redirected = authorize_in_browser(session.start_login().url)
    query = urlsplit(redirected).query
    forms: dict[str, str | dict[str, str]] = {
        "address": redirected,
        "query string": query,
        "dict": dict(parse_qsl(query)),
    }
    answer = forms[form]
    assert session.complete_login(answer).email == ADA
    assert session.is_logged_in


def test_session_client_is_an_httpx_client_on_the_api_4_0_url(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    assert isinstance(logged_in.client, httpx.Client)
    assert str(logged_in.client.base_url) == f"{looker.api_url}/api/4.0/"
    assert logged_in.client.get("looks").status_code == 200


def test_session_async_client_is_an_httpx_async_client_on_the_same_token(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    async def me() -> str:
        client = logged_in.async_client
        assert isinstance(client, httpx.AsyncClient)
        assert str(client.base_url) == f"{looker.api_url}/api/4.0/"
        return str((await client.get("user")).json()["email"])

    assert asyncio.run(me()) == ADA
    assert looker.token_requests["authorization_code"] == 0  # no second login for the async one


def test_a_session_takes_an_already_resolved_settings(
    looker: FakeLooker, clock: ManualClock
) -> None:
    settings = Settings(looker.api_url, CLIENT_GUID, REDIRECT_URI, timeout=7.0)
    with LookerSession(settings=settings) as session:
        session._tokens.clock = clock.now
        assert session.settings is settings
        assert log_in(session).email == ADA


# -- the callbacks a widget (or a dashboard) follows the session by ------------------------------


def test_on_login_on_logout_and_on_login_failed_are_called_as_the_login_goes(
    session: LookerSession,
) -> None:
    seen: list[str] = []
    session.on_login.append(lambda: seen.append("login"))
    session.on_logout.append(lambda why: seen.append(f"logout {why!r}"))
    session.on_login_failed.append(lambda exc: seen.append(f"failed {type(exc).__name__}"))
    with pytest.raises(AccessDenied):
        log_in(session, approve=False)
    log_in(session)
    session.logout()
    assert seen == ["failed AccessDenied", "login", "logout None"]


def test_not_logged_in_is_the_sentence_login_required_says_before_a_login(
    session: LookerSession,
) -> None:
    default = session.not_logged_in
    with pytest.raises(LoginRequired) as before:
        session.client.get("user")
    assert str(before.value) == default
    session.not_logged_in = "Click the big green button first, then run this cell again."
    with pytest.raises(LoginRequired, match="Click the big green button first") as pointed:
        session.client.get("user")
    assert str(pointed.value) == session.not_logged_in


# -- when the token is renewed, and how renewals back off ----------------------------------------


def test_the_token_is_renewed_60_s_before_it_expires_and_not_earlier(
    logged_in: LookerSession, looker: FakeLooker, clock: ManualClock
) -> None:
    clock.advance(3600 - 61)
    logged_in.client.get("user").raise_for_status()
    logged_in._tokens.settle()
    assert looker.token_requests["refresh_token"] == 0
    clock.advance(2)  # 59 s before expiry
    logged_in.client.get("user").raise_for_status()
    logged_in._tokens.settle()
    assert looker.token_requests["refresh_token"] == 1


def test_a_short_lived_token_is_renewed_half_way(clock: ManualClock) -> None:
    config = FakeLookerConfig(access_token_ttl=40)  # 40 - 60 s leeway < 0: half-way, at 20 s
    with FakeLooker(config=config, clock=clock.now) as looker:
        looker.register_app(CLIENT_GUID, REDIRECT_URI)
        with make_session(looker, clock) as session:
            log_in(session)
            clock.advance(19)
            session.client.get("user").raise_for_status()
            session._tokens.settle()
            assert looker.token_requests["refresh_token"] == 0
            clock.advance(2)
            session.client.get("user").raise_for_status()
            session._tokens.settle()
            assert looker.token_requests["refresh_token"] == 1


def test_renewals_looker_cannot_answer_are_retried_after_5_then_10_then_20_s(
    logged_in: LookerSession, looker: FakeLooker, clock: ManualClock
) -> None:
    """Each failed renewal doubles the wait before the next (5 s first): within the 60 s leeway
    of a one-hour token, half the remaining life never cuts these three short."""
    clock.advance(3600 - 59)
    for attempts, wait in ((1, 5), (2, 10), (3, 20)):
        looker.fail_next(1, status=503, target="token")
        logged_in.client.get("user").raise_for_status()  # the still valid token serves
        logged_in._tokens.settle()
        assert looker.token_requests["refresh_token"] == attempts
        clock.advance(wait - 0.5)
        logged_in.client.get("user").raise_for_status()
        logged_in._tokens.settle()
        assert looker.token_requests["refresh_token"] == attempts  # still waiting
        clock.advance(0.5)
    logged_in.client.get("user").raise_for_status()
    logged_in._tokens.settle()
    assert looker.token_requests["refresh_token"] == 4  # the fourth attempt, and it renewed
    assert logged_in.client.get("user").status_code == 200


# -- logout() and the cache -----------------------------------------------------------------------


def test_logout_deletes_the_cached_login_even_when_looker_does_not_confirm(
    looker: FakeLooker, clock: ManualClock, tmp_path: Path
) -> None:
    cache = FileCache(tmp_path / "tokens.json")
    with make_session(looker, clock, cache=cache) as first:
        log_in(first)
        looker.fail_next(1, 503)
        with pytest.raises(RevokeFailed):
            first.logout()
    with make_session(looker, clock, cache=cache) as second:
        assert not second.resume()


def test_the_file_cache_keeps_the_refresh_token_and_never_the_access_token(
    looker: FakeLooker, clock: ManualClock, tmp_path: Path
) -> None:
    path = tmp_path / "tokens.json"
    with make_session(looker, clock, cache=FileCache(path)) as session:
        log_in(session)
        token = session._tokens.token
        assert token is not None and token.refresh_token is not None
        stored = path.read_text()
        assert token.refresh_token.reveal() in stored
        assert access_token(session) not in stored
        assert "access" not in json.dumps(json.loads(stored))


class DictCache:
    """A cache of one's own, as the README describes it: load/save/delete of `CachedLogin`
    records (plus the `description` every cache has), a `locked()` context manager to
    coordinate, and the refresh token stored through `.reveal()`."""

    description = "a dict"

    def __init__(self) -> None:
        self.stored: dict[CacheKey, dict[str, object]] = {}
        self.locks = 0

    def load(self, key: CacheKey) -> CachedLogin | None:
        found = self.stored.get(key) or self.stored.get(
            CacheKey(key.base_url, key.client_guid, None)
        )
        return CachedLogin(**found) if found else None  # type: ignore[arg-type]

    def save(self, key: CacheKey, login: CachedLogin) -> None:
        record = {**login.__dict__, "refresh_token": login.refresh_token.reveal()}
        self.stored[key] = record
        self.stored[CacheKey(key.base_url, key.client_guid, None)] = record

    def delete(self, key: CacheKey) -> None:
        self.stored = {k: v for k, v in self.stored.items() if k.client_guid != key.client_guid}

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        self.locks += 1
        yield


def test_a_cache_of_your_own_is_saved_to_resumed_from_locked_and_emptied_by_logout(
    looker: FakeLooker, clock: ManualClock
) -> None:
    cache = DictCache()
    with make_session(looker, clock, cache=cache) as first:
        log_in(first)
        assert cache.stored
        clock.advance(3600)
        first.client.get("user").raise_for_status()  # a refresh, under the cache's lock
        assert cache.locks >= 1
    with make_session(looker, clock, cache=cache) as second:
        assert second.resume()
        assert second.user.email == ADA
        second.logout()
    assert cache.stored == {}


# -- errors ---------------------------------------------------------------------------------------


def test_a_dropped_connection_on_an_api_call_is_httpx_s_own_error(
    logged_in: LookerSession, looker: FakeLooker
) -> None:
    looker.drop_next(1, target="api")
    with pytest.raises(httpx.TransportError) as info:
        logged_in.client.get("user")
    assert not isinstance(info.value, LookerAuthError)
    assert logged_in.is_logged_in
    assert logged_in.client.get("user").status_code == 200


def test_session_sdk_without_looker_sdk_raises_sdk_not_installed() -> None:
    """`sys.modules[name] = None` is Python's own way to make an import fail as for a missing
    package; the session itself is the real one."""
    code = (
        "import sys\n"
        "sys.modules['looker_sdk'] = None\n"
        "from looker_nb_auth import LookerSession, SdkNotInstalled, ConfigurationError\n"
        "session = LookerSession(base_url='https://l.example', client_guid='g',\n"
        "                        redirect_uri='https://j.example/cb')\n"
        "try:\n"
        "    session.sdk\n"
        "except SdkNotInstalled as exc:\n"
        "    print(isinstance(exc, ConfigurationError), exc)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.startswith("True session.sdk needs the official Looker SDK; run pip ")
    assert "'looker-nb-auth[sdk]'" in result.stdout
