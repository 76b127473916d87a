"""Shared test helpers: the registered app, and the whole code flow through Looker's pages."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from looker_nb_auth import LookerSession, LookerUser
from looker_nb_auth.fake_looker import FakeLooker, ManualClock, authorize_in_browser

CLIENT_GUID = "looker-nb-auth-tests"
REDIRECT_URI = "http://127.0.0.1:8888/looker-nb-auth/callback"
ADA = "ada@example.com"
GRACE = "grace@example.com"


def make_session(looker: FakeLooker, clock: ManualClock, **kwargs: object) -> LookerSession:
    """A session on the stand-in whose token clock is the test's (expiry without sleeping)."""
    options: dict[str, object] = {
        "base_url": looker.api_url,
        "client_guid": CLIENT_GUID,
        "redirect_uri": REDIRECT_URI,
        **kwargs,
    }
    session = LookerSession(**options)  # type: ignore[arg-type]
    session._tokens.clock = clock.now
    return session


def log_in(session: LookerSession, email: str = ADA, *, approve: bool = True) -> LookerUser:
    """The whole code flow: authorize URL, Looker's login and consent forms, callback, redeem."""
    request = session.start_login()
    redirected = authorize_in_browser(request.url, email=email, approve=approve)
    return session.complete_login(redirected)


@contextmanager
def lock_held_elsewhere(cache_file: Path) -> Iterator[None]:
    """Another process (a frozen kernel, a hung mount) holds the cache file's lock meanwhile."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600); "
            "fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); sys.stdin.read()",
            str(cache_file.with_name(cache_file.name + ".lock")),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        yield
    finally:
        holder.communicate("")  # closes its stdin: it exits and the lock goes
