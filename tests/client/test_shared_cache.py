"""Kernels sharing one token cache never log each other out, even when Looker rotates refresh
tokens: each re-reads the cache under its lock before refreshing, adopts a newer refresh token
another kernel stored, and re-reads once more before it declares a refused login lost."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from support import ADA, CLIENT_GUID, REDIRECT_URI, log_in, make_session

from looker_nb_auth import CacheWarning, FileCache, LoginRequired, LookerSession
from looker_nb_auth.client.cache import CachedLogin, CacheKey, MemoryCache
from looker_nb_auth.fake_looker import FakeLooker, ManualClock


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "tokens.json"


def kernel(looker: FakeLooker, clock: ManualClock, path: Path) -> LookerSession:
    """A session as a new kernel makes it: its own FileCache object on the shared file."""
    return make_session(looker, clock, cache=FileCache(path))


def whoami(session: LookerSession) -> str:
    response = session.client.get("user")
    assert response.status_code == 200, response.text
    return str(response.json()["email"])


def test_a_live_kernel_survives_another_kernel_resuming(
    looker: FakeLooker, clock: ManualClock, path: Path
) -> None:
    with kernel(looker, clock, path) as first, kernel(looker, clock, path) as second:
        log_in(first)
        assert second.resume()  # rotates the refresh token first holds
        looker.expire_access_tokens()
        assert whoami(first) == ADA  # adopts the token second stored
        assert whoami(second) == ADA
        looker.expire_access_tokens()
        assert whoami(second) == ADA
        assert whoami(first) == ADA
        assert first.is_logged_in and second.is_logged_in


def test_kernels_take_turns_refreshing_many_times(
    looker: FakeLooker, clock: ManualClock, path: Path
) -> None:
    with kernel(looker, clock, path) as first, kernel(looker, clock, path) as second:
        log_in(first)
        assert second.resume()
        for turn in range(6):
            clock.advance(3600)  # every access token is past its expiry
            assert whoami(first if turn % 2 else second) == ADA
            assert whoami(second if turn % 2 else first) == ADA
    assert looker.token_requests["refresh_token"] == 1 + 12


def test_a_refused_refresh_re_reads_the_cache_before_declaring_the_login_lost(
    looker: FakeLooker, clock: ManualClock
) -> None:
    """The other kernel rotates the token between this kernel's read and its refresh (as when
    the cache lock timed out): the refusal is not the end; the cache's newer token is."""
    shared = MemoryCache()

    class LateCache:
        """Shared storage whose first read comes just before another kernel's rotation."""

        description = "a cache shared with another kernel"
        reads = 0
        other: LookerSession | None = None

        def load(self, key: CacheKey) -> CachedLogin | None:
            login = shared.load(key)
            self.reads += 1
            if self.reads == 1 and self.other is not None:
                assert self.other.resume()  # rotates the token we are about to send
            return login

        def save(self, key: CacheKey, login: CachedLogin) -> None:
            shared.save(key, login)

        def delete(self, key: CacheKey) -> None:
            shared.delete(key)

    late = LateCache()
    with make_session(looker, clock, cache=late) as first:
        log_in(first)
        with make_session(looker, clock, cache=shared) as second:
            late.other = second
            looker.expire_access_tokens()
            assert whoami(first) == ADA
            assert first.is_logged_in
            assert whoami(second) == ADA


def test_a_refresh_token_revoked_everywhere_still_ends_the_login(
    looker: FakeLooker, clock: ManualClock, path: Path
) -> None:
    with kernel(looker, clock, path) as first, kernel(looker, clock, path) as second:
        user = log_in(first)
        assert second.resume()
        looker.revoke_user_tokens(user.id)
        with pytest.raises(LoginRequired):
            first.client.get("user")
        assert not first.is_logged_in
    with kernel(looker, clock, path) as third:
        assert not third.resume()  # the dead login was removed from the cache


RESUME = textwrap.dedent(
    """
    import json, sys
    from looker_nb_auth import FileCache, LookerSession

    base_url, path = sys.argv[1], sys.argv[2]
    session = LookerSession(base_url, client_guid={guid!r}, redirect_uri={uri!r},
                            cache=FileCache(path))
    sys.stdout.write("ready\\n")
    sys.stdout.flush()
    sys.stdin.readline()  # every kernel resumes at once
    results = {{"resumed": session.resume()}}
    sys.stdout.write("resumed\\n")
    sys.stdout.flush()
    sys.stdin.readline()  # then every kernel refreshes again, at once
    try:
        session._tokens.access_token(stale=session._tokens.token.access_token)
        response = session.client.get("user")
        results["email"] = response.json().get("email")
    except Exception as exc:
        results["error"] = type(exc).__name__
    print(json.dumps(results))
    """
).format(guid=CLIENT_GUID, uri=REDIRECT_URI)


def test_four_kernels_resuming_at_once_all_stay_logged_in(
    looker: FakeLooker, clock: ManualClock, path: Path
) -> None:
    with kernel(looker, clock, path) as first:
        log_in(first)
    kernels = [
        subprocess.Popen(
            [sys.executable, "-c", RESUME, looker.api_url, str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    try:
        for process in kernels:
            assert process.stdout is not None and process.stdout.readline() == "ready\n"
        for step in ("resumed\n", None):
            for process in kernels:
                assert process.stdin is not None
                process.stdin.write("go\n")
                process.stdin.flush()
            if step is not None:
                for process in kernels:
                    assert process.stdout is not None and process.stdout.readline() == step
        results = [json.loads(process.communicate(timeout=60)[0]) for process in kernels]
    finally:
        for process in kernels:
            process.kill()
    assert results == [{"resumed": True, "email": ADA}] * 4
    assert looker.token_requests["refresh_token"] == 8


def test_a_cache_that_cannot_be_locked_costs_warnings_and_an_uncoordinated_refresh(
    looker: FakeLooker, clock: ManualClock, path: Path
) -> None:
    """No lock at all (here: a directory where the lock file goes). A lock another process
    holds is waited for instead: test_slow_refresh.py."""
    with kernel(looker, clock, path) as first:
        log_in(first)
        looker.expire_access_tokens()
        lock_file = path.with_name(path.name + ".lock")
        lock_file.unlink()
        lock_file.mkdir()
        with pytest.warns(CacheWarning) as warned:
            assert whoami(first) == ADA  # refreshed, not hung
        said = [str(w.message) for w in warned]
        assert any("without coordinating through the token cache" in s for s in said), said
        assert any("Could not write the token cache" in s for s in said), said
        assert looker.token_requests["refresh_token"] == 1
