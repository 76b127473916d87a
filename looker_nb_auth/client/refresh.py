"""The token state behind every client, and single-flight refresh.

One ``TokenState`` serves ``session.client`` (threads), ``session.async_client`` (asyncio tasks, any
loop) and ``session.sdk``. When the access token needs renewing, the first caller becomes the
leader and sends the one refresh request; the lock is never held across I/O.

While the access token is still valid (more than ``_MARGIN`` before it expires), a due refresh
runs in the background and every caller keeps using the token: a slow token endpoint stalls
nobody. Callers whose token has expired (or was refused, ``stale=``) wait for the one refresh on
the same ``concurrent.futures.Future``; every such wait stops at the session's ``timeout`` (or
the earlier deadline of the call it serves, ``_deadline.py``), at Ctrl-C and at a task cancel, and
a cancel never cancels the refresh others wait for. A caller under a deadline starts the refresh
in a thread and waits: the deadline ends the wait, never the refresh (cut short, a refresh may
lose the refresh token Looker rotated).

Kernels sharing a token cache coordinate through it: the leader holds its lock (``coordinate``)
across the refresh, whose sends (``rotation.py``) never lose a token another kernel rotated.

On a JupyterHub with the hub service, a ``TokenSource`` (``hub_tokens.py``) renews instead: the
leader asks the service for the current access token (the kernel never holds a refresh token),
with the same single flight, waits, deadlines and back-off; with no token yet, a caller asks it
too, so a login made in another kernel of the user is picked up by the next call.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout

import httpx

from .._answers import unreachable
from .._deadline import Deadline, DeadlinePassed
from .._errors import LoginRequired, LookerAuthError, LookerServerError, LookerUnreachable
from .._secret import Secret
from .._settings import Settings
from ..oauth.token import Token, parse_token_response
from .claim import Abandoned, Claim, TokenSource
from .endpoint import Endpoint
from .rotation import Coordinate, alone, send_refresh

__all__ = ["TokenSource", "TokenState"]

NOT_LOGGED_IN = "Not logged in to Looker; log in first."


_FIRST_BACKOFF = 5.0  # seconds before retrying a proactive refresh Looker could not answer
_MAX_BACKOFF = 60.0
#: An access token this close to its expiry (or a tenth of its life, if less) is not handed out
#: while a refresh is due: the caller waits for the new one rather than see a 401 mid-flight.
_MARGIN = 5.0


class TokenState:
    """The current token, and the only code that replaces it."""

    def __init__(
        self, settings: Settings, *, on_refresh: Callable[[Token], None] | None = None
    ) -> None:
        self.settings = settings
        #: When a token was obtained and when it is due; tests drive it by hand. Wall-clock
        #: time: after a laptop's suspend the token is seen as expired (monotonic time stops).
        self.clock: Callable[[], float] = time.time
        #: What ``LoginRequired`` says while there is no token: before any login (``login()``
        #: points at its button), after a logout, after Looker refused to renew the login.
        self.not_logged_in = NOT_LOGGED_IN
        #: Called (outside the lock) when Looker ends the login: a refused refresh (with the
        #: refresh token refused), or an expired token with no refresh token (None). The
        #: session tells its widgets, and forgets the cache entry if it holds the refused token.
        self.on_lost: Callable[[LoginRequired, Secret | None], None] | None = None
        #: Held around every refresh; the session makes it the shared cache's lock.
        self.coordinate: Coordinate = alone
        #: Renews instead of the refresh grant (on a hub: the service, ``hub_tokens.py``).
        self.source: TokenSource | None = None
        self._on_refresh = on_refresh
        self._lock = threading.Lock()
        self._token: Token | None = None
        self._inflight: Future[Secret] | None = None
        #: The token endpoint's plain client (refresh here; redeem, logout, /versions elsewhere).
        self.endpoint = Endpoint(settings)
        #: After a failed proactive refresh, the still-valid token is used until then.
        self._retry_at = 0.0
        self._backoff = _FIRST_BACKOFF

    # -- state -------------------------------------------------------------------------------

    @property
    def token(self) -> Token | None:
        return self._token

    def set(self, token: Token | None) -> None:
        """Install a token (after a login) or forget it (logout); a refresh in flight is dropped."""
        with self._lock:
            self._token = token
            inflight, self._inflight = self._inflight, None
        if inflight is not None and not inflight.done():
            inflight.set_exception(Abandoned())

    def is_fresh(self) -> bool:
        token = self._token
        return token is not None and self.clock() < token.refresh_at

    # -- single flight -----------------------------------------------------------------------

    def _claim(self, stale: Secret | None) -> Claim:
        with self._lock:
            token = self._token
            if token is None:
                if self.source is None:
                    raise LoginRequired(self.not_logged_in)
                if self._inflight is not None:  # someone asks the source already
                    return Claim(future=self._inflight)
                return Claim(future=self._start(), lead=True)
            now = self.clock()
            if stale is not None and token.access_token != stale:
                return Claim(access_token=token.access_token)  # someone refreshed already
            still_valid = stale is None and now < token.expires_at
            usable = still_valid and now < token.expires_at - min(_MARGIN, token.expires_in / 10)
            # Not due, or being renewed: use it meanwhile.
            if usable and (now < token.refresh_at or self._inflight is not None):
                return Claim(access_token=token.access_token)
            if still_valid and now < self._retry_at:  # backing off after a failed renewal
                return Claim(access_token=token.access_token)
            if self._inflight is not None:
                return Claim(future=self._inflight)
            if token.refresh_token is None and self.source is None:
                self._token = None
                return Claim(
                    lost=LoginRequired(
                        "The Looker login expired and Looker gave no refresh token to renew it; "
                        "log in to Looker again."
                    )
                )
            return Claim(
                future=self._start(),
                lead=True,
                refresh_token=token.refresh_token,
                fallback=token.access_token if still_valid else None,
                background=usable,
                refused=stale,  # None, or the current token: checked above
            )

    def _start(self) -> Future[Secret]:
        """The future of a renewal this caller leads (under the lock)."""
        self._inflight = Future()
        # Running: a waiter's cancel (asyncio.wrap_future passes it on) cannot cancel it.
        self._inflight.set_running_or_notify_cancel()
        return self._inflight

    def _renew(self, claim: Claim, cached: Callable[[], Secret | None]) -> Secret:
        """The refresh grant (``rotation.py``), and its answer made the current token."""
        assert claim.future is not None and claim.refresh_token is not None
        response, sent = send_refresh(self.endpoint, self.settings, claim.refresh_token, cached)
        try:
            token = parse_token_response(
                response,
                grant="refresh_token",
                settings=self.settings,
                previous_refresh_token=sent,
                now=self.clock(),
            )
        except LoginRequired as exc:  # the refresh token is dead: logged out
            with self._lock:
                lost = self._inflight is claim.future
                if lost:
                    self._token = None
            self._fail(claim, exc)
            if lost:
                self._lose(exc, refused=sent)
            raise
        except LookerAuthError as exc:
            if claim.fallback is not None and isinstance(exc, LookerServerError):
                return self._keep(claim, getattr(exc, "retry_after", None))
            self._fail(claim, exc)
            raise
        return self._install(claim, token)

    def _fetch(self, claim: Claim) -> Secret:
        """Renew from the ``source``; a login it says is over ends here too (once: a caller
        with no token yet is only told)."""
        assert self.source is not None and claim.future is not None
        try:
            token = self.source(self.clock(), claim.refused)
        except LoginRequired as exc:
            with self._lock:
                lost = self._inflight is claim.future and self._token is not None
                if lost:
                    self._token = None
            if not lost:  # still not logged in: what this session says then (a widget's button)
                exc = LoginRequired(self.not_logged_in, login_url=exc.login_url)
            self._fail(claim, exc)
            if lost:
                self._lose(exc)
            raise exc from None
        except (LookerServerError, LookerUnreachable) as exc:
            if claim.fallback is not None:  # the token still works: use it, ask again later
                return self._keep(claim, getattr(exc, "retry_after", None))
            self._fail(claim, exc)
            raise
        except LookerAuthError as exc:
            self._fail(claim, exc)
            raise
        return self._install(claim, token)

    def _install(self, claim: Claim, token: Token) -> Secret:
        """The renewal's token becomes the current one, unless the login ended meanwhile."""
        assert claim.future is not None
        with self._lock:
            if self._inflight is not claim.future:  # logged out meanwhile: drop the new token
                raise LoginRequired(self.not_logged_in)
            self._token, self._inflight = token, None
            self._retry_at, self._backoff = 0.0, _FIRST_BACKOFF
        claim.future.set_result(token.access_token)
        if self._on_refresh is not None:
            self._on_refresh(token)
        return token.access_token

    def _lose(self, exc: LoginRequired, refused: Secret | None = None) -> LoginRequired:
        """The login is over at Looker (``refused``: the refresh token it refused): later calls
        say why, and the session is told."""
        self.not_logged_in = str(exc)
        if self.on_lost is not None:
            self.on_lost(exc, refused)
        return exc

    def _keep(self, claim: Claim, wait: float | None = None) -> Secret:
        """A proactive refresh Looker could not answer (5xx, 429, no connection): the current
        token still works, so every caller keeps using it; retry later, backing off (or after
        the ``wait`` a 429 asked for, if longer)."""
        assert claim.future is not None and claim.fallback is not None
        with self._lock:
            if self._inflight is claim.future:
                self._inflight = None
            now, token = self.clock(), self._token
            # Never back off past half the token's remaining life, so a short-lived token gets
            # more tries before it expires; a 429's Retry-After is waited for all the same.
            left = (token.expires_at - now) / 2 if token is not None else self._backoff
            self._retry_at = now + max(min(self._backoff, left), wait or 0.0)
            self._backoff = min(self._backoff * 2, _MAX_BACKOFF)
        if not claim.future.done():
            claim.future.set_result(claim.fallback)
        return claim.fallback

    def _fail(self, claim: Claim, exc: BaseException) -> None:
        assert claim.future is not None
        with self._lock:
            if self._inflight is claim.future:
                self._inflight = None
        if not claim.future.done():
            claim.future.set_exception(exc)

    # -- sync and async twins ----------------------------------------------------------------

    def _lead(self, claim: Claim) -> Secret:
        """Send the refresh and settle ``claim.future`` whatever happens."""
        assert claim.future is not None
        try:
            if self.source is not None:
                return self._fetch(claim)
            with self.coordinate() as cached:
                return self._renew(claim, cached)
        except httpx.TransportError as exc:
            if claim.fallback is not None:
                return self._keep(claim)
            error = unreachable(self.settings, exc)
            self._fail(claim, error)
            raise error from exc
        except LookerUnreachable as exc:  # the cache's lock stayed held: nothing was sent
            if claim.future.done():
                raise
            if claim.fallback is not None:
                return self._keep(claim)
            self._fail(claim, exc)
            raise
        except BaseException:
            self._fail(claim, Abandoned())  # a no-op when _finish settled it
            raise

    def _lead_quietly(self, claim: Claim) -> None:
        with contextlib.suppress(BaseException):  # the outcome is in claim.future
            self._lead(claim)

    def _lead_elsewhere(self, claim: Claim) -> None:
        """Send the refresh from a thread of its own, whose outcome goes to ``claim.future``.
        Not a daemon thread: a script that ends meanwhile still saves the rotated refresh token
        before it exits. Not the event loop's default executor either, whose shutdown
        (``asyncio.run``'s end) would wait for it: a timed-out call returns at its deadline."""
        threading.Thread(
            target=self._lead_quietly, args=(claim,), name="looker-nb-auth-refresh"
        ).start()

    def _in_background(self, claim: Claim) -> Secret:
        """A proactive refresh: sent elsewhere while every caller (this one first) keeps using
        the still-valid token."""
        assert claim.fallback is not None
        self._lead_elsewhere(claim)
        return claim.fallback

    def _next_claim(self, stale: Secret | None, deadline: Deadline | None) -> Claim:
        if deadline is not None:
            deadline.check()
        claim = self._claim(stale)
        if claim.lost is not None:
            raise self._lose(claim.lost)
        return claim

    def _wait(self, deadline: Deadline | None) -> float:
        """How long a caller waits for a refresh in flight: ``timeout``, or less by its deadline."""
        return (
            self.settings.timeout
            if deadline is None
            else min(self.settings.timeout, deadline.left())
        )

    def _waited_too_long(self, deadline: Deadline | None) -> Exception:
        """Why a wait for a refresh ended: the call's deadline (`DeadlinePassed`, which the
        call turns into its own error), else the session's ``timeout``."""
        if deadline is not None and deadline.reached():
            return DeadlinePassed()
        return LookerUnreachable(
            f"Renewing the Looker login took over {self.settings.timeout:g} s; check your "
            "network, then try again."
        )

    def access_token(self, stale: Secret | None = None, deadline: Deadline | None = None) -> Secret:
        """A usable access token, refreshing first when needed (or when ``stale`` was refused);
        a wait for the refresh ends at ``deadline``, if given, with `DeadlinePassed`."""
        while True:
            claim = self._next_claim(stale, deadline)
            if claim.access_token is not None:
                return claim.access_token
            assert claim.future is not None
            if claim.lead:
                if claim.background:
                    return self._in_background(claim)
                if deadline is None:
                    return self._lead(claim)
                self._lead_elsewhere(claim)
            try:
                return claim.future.result(timeout=self._wait(deadline))
            except Abandoned:
                continue
            except FutureTimeout:
                raise self._waited_too_long(deadline) from None

    async def aaccess_token(
        self, stale: Secret | None = None, deadline: Deadline | None = None
    ) -> Secret:
        """The async twin of ``access_token``: waits without blocking the event loop.

        An async leader refreshes on the pooled sync client in a worker thread: the refresh
        completes and is stored even if the awaiting task is cancelled (a rotated refresh token is
        never lost), and no ``AsyncClient`` (bound to one loop) is built per refresh.
        """
        while True:
            claim = self._next_claim(stale, deadline)
            if claim.access_token is not None:
                return claim.access_token
            assert claim.future is not None
            if claim.lead:
                self._lead_elsewhere(claim)
                if claim.background and claim.fallback is not None:  # the token still works
                    return claim.fallback
            try:  # a cancel stops this wait only: the future is running, so it is not cancelled
                wrapped = asyncio.wrap_future(claim.future)
                return await asyncio.wait_for(wrapped, self._wait(deadline))
            except Abandoned:
                continue
            except asyncio.TimeoutError:
                raise self._waited_too_long(deadline) from None

    # -- plumbing ----------------------------------------------------------------------------

    def settle(self) -> None:
        """Wait (up to ``timeout``) until no refresh is in flight, such as one running in the
        background while the current token still works; its outcome is its callers' to see."""
        inflight = self._inflight
        if inflight is not None:
            with contextlib.suppress(Exception):
                inflight.exception(timeout=self.settings.timeout)

    def close(self) -> None:
        """Close the token endpoint's client, once a refresh in flight has ended (up to
        ``timeout``): closing it under the refresh would lose the refresh token Looker rotated."""
        self.settle()
        self.endpoint.close()
