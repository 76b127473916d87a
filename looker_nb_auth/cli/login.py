"""``looker-nb-auth login`` / ``whoami`` / ``logout``: a Looker login kept for scripts.

``login`` runs the authorization code flow with the person at the terminal. When the redirect
URI is a loopback URL, the browser's redirect comes back to this process's own listener
(``client/loopback.py``); otherwise the person pastes the address Looker sent the browser to.
The refresh token goes to the persistent token cache (``cache=True``: the OS keyring when one is
usable, else the 0600 file), where ``whoami``, ``logout`` and ``LookerSession.from_cache()`` in
a script or a cron job find it.

Exit codes: 0 done; 1 a login error, Looker's refusal or no answer, ``whoami`` not logged in;
2 a missing or invalid setting (as a bad flag); 130 Ctrl-C. Every error is one sentence on
stderr, never a traceback or a token.
"""

from __future__ import annotations

import hmac
import os
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TextIO

import httpx

from .._errors import (
    CacheWarning,
    ConfigurationError,
    LoginCancelled,
    LoginTimeout,
    LookerAuthError,
    LookerServerError,
    LookerUnreachable,
    ReceiverUnavailable,
    StateMismatch,
)
from .._settings import resolve_settings
from ..client.cache import CacheKey
from ..client.loopback import LoopbackReceiver
from ..client.session import LookerSession
from ..oauth.callback import CallbackResult, parse_callback
from .say import refuse, say

__all__ = ["Target", "run_login", "run_logout", "run_whoami"]

#: Ctrl-C: the shell's convention for a command ended by SIGINT.
INTERRUPTED = 130
_LOGIN_AGAIN = "run looker-nb-auth login again to log in"
_NOT_THIS_LOGIN = (
    "That address is not this login's (it is an older login's, another one's or cut short); "
    "paste the whole address of the newest page Looker sent you to."
)


@dataclass(frozen=True)
class Target:
    """Which Looker and OAuth app, as given on the command line (None: environment, ini)."""

    base_url: str | None = None
    client_guid: str | None = None
    redirect_uri: str | None = None
    config_file: str | None = None
    section: str | None = None

    def session(self) -> LookerSession:
        """A session with the persistent cache; settings resolved as ``LookerSession`` does
        (a missing one is named by its option, --base-url, not login()'s keyword)."""
        settings = resolve_settings(
            base_url=self.base_url,
            client_guid=self.client_guid,
            redirect_uri=self.redirect_uri,
            config_file=self.config_file,
            section=self.section,
            caller="command line",
        )
        return LookerSession(settings=settings, cache=True)


def _cache_key(session: LookerSession, user_id: str | None) -> CacheKey:
    return CacheKey(session.settings.base_url, session.settings.client_guid, user_id)


# -- login --------------------------------------------------------------------------------------


def run_login(target: Target, *, open_browser: bool = False, out: TextIO | None = None) -> int:
    """Log in from the terminal and keep the login in the persistent cache."""
    return _command("login", lambda: _login(target, open_browser, out or sys.stdout))


def _login(target: Target, open_browser: bool, out: TextIO) -> int:
    with target.session() as session:
        # Its callback page, wherever it is served, sends the person back to this terminal.
        receiver = LoopbackReceiver.for_redirect_uri(session.settings.redirect_uri, terminal=True)
        request = session.start_login()
        ttl = 0.0
        if receiver is not None:
            try:
                ttl = receiver.register(request.state)
            except ReceiverUnavailable as exc:
                _cannot_listen(receiver, exc)
                receiver = None
        try:
            _show_url(request.url, open_browser, out)
            if receiver is None:
                answer = _paste(request.state, out)
            else:
                answer = _wait(receiver, request.state, ttl, out)
        finally:
            if receiver is not None:
                receiver.close()  # lets go of the port
        user = session.complete_login(answer)
        del answer  # it holds the (spent) code
        base = session.settings.base_url
        print(f"Logged in to Looker at {base} as {user}.", file=out)
        if _kept(session, user.id):
            print(
                f"The login is kept in {session.cache.description}: looker-nb-auth whoami and "
                "LookerSession.from_cache() use it, looker-nb-auth logout ends it.",
                file=out,
            )
        else:  # the cache warned why (unwritable, unsafe): say what that means for scripts
            print(
                "This login is not remembered (see the warning above), so scripts cannot use it.",
                file=out,
            )
    return 0


def _kept(session: LookerSession, user_id: str) -> bool:
    """Whether the cache holds the login now (quietly: a failed save has already warned)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CacheWarning)
        return session.cache.load(_cache_key(session, user_id)) is not None


def _cannot_listen(receiver: LoopbackReceiver, exc: ReceiverUnavailable) -> None:
    """The loopback port is taken: the pasted address is the next rung."""
    cause = exc.__cause__
    reason = cause.strerror if isinstance(cause, OSError) and cause.strerror else "in use"
    say(
        "login",
        f"Cannot listen on {receiver.host}:{receiver.port}, where the redirect URI points "
        f"({reason}), so paste the address Looker sends you to instead.",
    )


def _show_url(url: str, open_browser: bool, out: TextIO) -> None:
    opened = False
    if open_browser:
        import webbrowser

        try:
            opened = webbrowser.open(url)
        except webbrowser.Error:
            opened = False
    if opened:
        print("Opened this URL in your browser; log in to Looker and allow access there:", file=out)
    else:
        if open_browser:
            say("login", "Could not open a browser; open the URL below yourself.")
        print("Open this URL in a browser, log in to Looker and allow access:", file=out)
    print(url, file=out, flush=True)


def _paste(state: str, out: TextIO) -> CallbackResult:
    """The pasted address of this login's answer; asked for again while it is another's."""
    while True:
        out.flush()
        try:
            pasted = input("Then paste the address of the page Looker sent you to: ")
        except EOFError:
            raise LoginCancelled(f"No address was pasted; {_LOGIN_AGAIN}.") from None
        try:
            result = parse_callback(pasted.strip())
        except StateMismatch:  # no state, or none this package makes
            result = None
        finally:
            del pasted  # it holds the code
        if result is not None and hmac.compare_digest(result.state, state):
            return result
        say("login", _NOT_THIS_LOGIN)


def _wait(receiver: LoopbackReceiver, state: str, ttl: float, out: TextIO) -> CallbackResult:
    print(
        f"Waiting for Looker's answer at {receiver.redirect_uri}, so use a browser on this "
        "machine (Ctrl-C stops).",
        file=out,
        flush=True,
    )
    result = receiver.wait(state, timeout=ttl)
    if result is None:
        raise LoginTimeout(f"No answer from Looker within {ttl:g} s; {_LOGIN_AGAIN}.")
    return result


# -- whoami, logout -----------------------------------------------------------------------------


def run_whoami(target: Target, *, out: TextIO | None = None) -> int:
    """Resume the kept login and say whose it is; 1 when there is none."""
    return _command("whoami", lambda: _whoami(target, out or sys.stdout))


def _whoami(target: Target, out: TextIO) -> int:
    with target.session() as session:
        base = session.settings.base_url
        if not session.resume():
            print(f"Not logged in to Looker at {base}; run looker-nb-auth login.", file=out)
            return 1
        user = session.user
        print(
            f"Logged in to Looker at {base} as {user}, user id {user.id}; the login is kept "
            f"in {session.cache.description}.",
            file=out,
        )
    return 0


def run_logout(target: Target, *, out: TextIO | None = None) -> int:
    """Revoke the kept login at Looker and delete it from the cache."""
    return _command("logout", lambda: _logout(target, out or sys.stdout))


def _logout(target: Target, out: TextIO) -> int:
    with target.session() as session:
        base, where = session.settings.base_url, session.cache.description
        saved = session.cache.load(_cache_key(session, None))
        if saved is None:
            print(f"Not logged in to Looker at {base}; nothing to log out.", file=out)
            return 0
        try:
            resumed = session.resume()
        except (LookerUnreachable, LookerServerError) as exc:
            # No access token to revoke with: the person asked to log out, so forget it here.
            session.cache.delete(_cache_key(session, saved.user_id))
            raise type(exc)(
                f"Removed the login from {where}, but Looker could not renew it to revoke it, so "
                "it stays valid at Looker until it expires.",
                status_code=exc.status_code,
            ) from None
        if not resumed:
            print(
                f"Not logged in to Looker at {base} (Looker had already ended the saved login); "
                "nothing to log out.",
                file=out,
            )
            return 0
        user = session.user
        session.logout()  # RevokeFailed / LookerUnreachable: the cache entry is gone anyway
        print(
            f"Logged out of Looker at {base}: {user}'s login is revoked and removed from {where}.",
            file=out,
        )
    return 0


# -- errors -------------------------------------------------------------------------------------


@contextmanager
def _warnings_as_lines(command: str) -> Iterator[None]:
    """A CacheWarning is one line on stderr, not Python's two-line warning with source."""
    with warnings.catch_warnings():
        shown = warnings.showwarning

        def show(
            message: Warning | str,
            category: type[Warning],
            filename: str,
            lineno: int,
            file: TextIO | None = None,
            line: str | None = None,
        ) -> None:
            if issubclass(category, CacheWarning):
                say(command, f"warning: {message}")
            else:
                shown(message, category, filename, lineno, file, line)

        warnings.showwarning = show
        yield


def _command(command: str, run: Callable[[], int]) -> int:
    """Run one command: its errors as one sentence and an exit code, never a traceback."""
    with _warnings_as_lines(command):
        try:
            return run()
        except KeyboardInterrupt:
            if sys.stderr.isatty():
                print(file=sys.stderr)  # past the terminal's ^C
            what = f"Login interrupted; {_LOGIN_AGAIN}." if command == "login" else "Interrupted."
            say(command, what)
            return INTERRUPTED
        except ConfigurationError as exc:  # a missing or invalid setting: like a bad flag
            return refuse(command, exc, 2)
        except LookerAuthError as exc:
            return refuse(command, exc, 1)
        except httpx.HTTPError as exc:  # a plain API call (GET /user) lost its connection
            say(
                command,
                f"The connection to Looker failed ({type(exc).__name__}); check base_url and "
                "your network, then try again.",
            )
            return 1
        except Exception as exc:
            if os.environ.get("LOOKER_NB_AUTH_TRACEBACKS", "") not in ("", "0"):
                raise
            say(
                command,
                f"Failed unexpectedly ({type(exc).__name__}); run it again with "
                "LOOKER_NB_AUTH_TRACEBACKS=1 to see the traceback.",
            )
            return 1
