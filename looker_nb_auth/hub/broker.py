"""The hub's OAuth client: it logs hub users in to Looker and hands out access tokens.

One broker per hub service. It is the only holder of refresh tokens on the hub: a login is
started and completed here (PKCE S256, the state bound to the hub user who started it, single
use, expiring: ``oauth/pending.py``'s rule), its tokens go to the encrypted ``LoginStore``, and
kernels get access tokens alone (``access_token``). Renewing is single-flight per hub user: one
lock per user around read → refresh → save, so a hundred kernels of one user whose token expired
cost Looker one refresh, and a rotated refresh token is never raced by a sibling.

Synchronous on purpose: the service runs these calls on a thread pool, and a plain lock per user
is the simplest single flight there is.
"""

from __future__ import annotations

import hmac
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import httpx

from .._answers import unreachable
from .._errors import (
    AccessDenied,
    AuthorizationFailed,
    LoginRequired,
    StateMismatch,
)
from .._protocol import MAX_PENDING_PER_KERNEL
from .._secret import Secret
from .._settings import Settings
from ..client.user import USER_FIELDS, LookerUser, read_user
from ..oauth.authorize import AuthorizationRequest
from ..oauth.callback import START_AGAIN, UNKNOWN, looker_said, parse_callback
from ..oauth.pending import Pending
from ..oauth.token import (
    Token,
    parse_token_response,
    redeem_request,
    refresh_request,
    revoke_request,
)
from ..oauth.versions import login_page_url
from .store import LoginStore, LoginSummary, StoredLogin

__all__ = ["NOT_LOGGED_IN", "Broker"]

log = logging.getLogger(__name__)

#: What a hub user with no Looker login hears (the service adds where to log in).
NOT_LOGGED_IN = "You are not logged in to Looker on this hub; log in to Looker on the hub first."
#: An access token closer than this to its expiry is renewed before it is handed out.
MARGIN = 60.0
#: Logins one hub user may have in flight; a new one beyond pushes out their oldest.
MAX_PENDING_PER_USER = MAX_PENDING_PER_KERNEL
#: "Last used" is written at most this often per user (it is for the admin page, not a log).
TOUCH_EVERY = 60.0


@dataclass(frozen=True)
class _Started:
    """A login in flight: who started it, the verifier that redeems its code, where to go next."""

    user: str
    state: str = field(repr=False)
    code_verifier: Secret = field(repr=False)
    next_url: str | None = None


class Broker:
    """Logins of hub users, and their access tokens."""

    def __init__(
        self,
        settings: Settings,
        store: LoginStore,
        http: httpx.Client,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.store = store
        self.http = http
        self.clock = clock
        self._pending: Pending[_Started] = Pending(when_full="drop_oldest")
        self._pending_lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()
        self._looker_url = settings.looker_url

    @property
    def looker_url(self) -> str | None:
        """Looker's UI host (``/auth``), once configured or read from ``/versions``."""
        return self._looker_url

    # -- logging in -----------------------------------------------------------------------------

    def start_login(self, user: str, *, next_url: str | None = None) -> str:
        """Looker's authorize URL for a login of hub user ``user``."""
        if self._looker_url is None:
            self._looker_url = login_page_url(self.settings, self.http)
        request = AuthorizationRequest.new(
            self._looker_url,
            client_guid=self.settings.client_guid,
            redirect_uri=self.settings.redirect_uri,
        )
        started = _Started(user, request.state, request.code_verifier, next_url)
        with self._pending_lock:
            mine = [p for p in self._pending.values() if p.user == user]
            if len(mine) >= MAX_PENDING_PER_USER:  # a user's flood pushes out only their own
                self._pending.pop(mine[0].state)
            self._pending.add(request.state, started)
        return request.url

    def complete_login(
        self, user: str, params: str | Mapping[str, str]
    ) -> tuple[LookerUser, str | None]:
        """Finish ``user``'s login from the callback's parameters: error → code → state →
        consume the state (it must be ``user``'s) → redeem → who it is → save. ``params`` is the
        callback's query string (or its parameters). Returns the Looker
        user and the ``next_url`` the login was started with. Raises the package's typed errors
        (``CallbackError`` leaves, ``AccessDenied``, ``InvalidGrant``, ``LookerUnreachable`` ...).
        """
        result = parse_callback(params)
        with self._pending_lock:
            started = self._pending.get(result.state)
            if started is None or started.user != user:
                # Another user's state is left alone: a hostile page cannot cancel a login.
                raise StateMismatch(UNKNOWN, looker_said=looker_said(result.error, None))
            self._pending.pop(result.state)
        if result.error:
            said = looker_said(result.error, result.error_description) or ""
            kind = AccessDenied if result.error == "access_denied" else AuthorizationFailed
            raise kind(
                f"Looker did not log you in ({said}); {START_AGAIN}"
                if kind is AuthorizationFailed
                else f"Looker denied access ({said}); log in again and allow it.",
                error=result.error,
                description=result.error_description,
            )
        assert result.code is not None
        response = self._send(redeem_request(self.settings, result.code, started.code_verifier))
        token = parse_token_response(
            response,
            grant="authorization_code",
            settings=self.settings,
            previous_refresh_token=None,
            now=self.clock(),
        )
        looker_user = self._whoami(token.access_token)
        with self._lock(user):
            replaced = self.store.get(user)
            self.store.save(user, token, looker_user)
        log.info("Hub user %s logged in to Looker as user %s.", user, looker_user.id)
        if replaced is not None:  # nobody holds it any more: it must not stay live at Looker
            self._revoke(replaced)
        return looker_user, started.next_url

    def _whoami(self, access_token: Secret) -> LookerUser:
        response = self._send(
            httpx.Request(
                "GET",
                f"{self.settings.api_url}user",
                params=USER_FIELDS,
                headers={"Authorization": f"Bearer {access_token.reveal()}"},
            )
        )
        return read_user(response)

    def _send(self, request: httpx.Request) -> httpx.Response:
        try:
            return self.http.send(request)
        except httpx.TransportError as exc:
            raise unreachable(self.settings, exc) from exc

    # -- access tokens --------------------------------------------------------------------------

    def _lock(self, user: str) -> threading.Lock:
        with self._locks_lock:
            return self._locks.setdefault(user, threading.Lock())

    def _usable(self, token: Token) -> bool:
        margin = min(MARGIN, token.expires_in / 2)
        return self.clock() < token.expires_at - margin

    def _due(self, login: StoredLogin, refused: str | None) -> bool:
        """Renew first: its token near expiry, or the one Looker refused."""
        if not self._usable(login.token):
            return True
        return refused is not None and hmac.compare_digest(
            login.token.access_token.fingerprint(), refused
        )

    def access_token(
        self, user: str, *, refused: str | None = None
    ) -> tuple[Secret, float, LookerUser | None]:
        """A live access token of ``user``'s login, when it expires (epoch seconds), and the
        Looker user. Renews it first when it is within ``MARGIN`` of expiring, or when it is the
        token a kernel says Looker refused (``refused``: its ``Secret.fingerprint()``; revoked
        at Looker, or Looker's token store restarted): one refresh per user at a time, the
        others wait for it and take its token. A fingerprint of a token already replaced gets
        the current one, with no refresh.

        Raises ``LoginRequired`` (no login, or Looker refused to renew it: the login is then
        forgotten), ``LookerUnreachable`` or ``LookerServerError`` (try again later)."""
        login = self.store.get(user)
        if login is None or self._due(login, refused):
            with self._lock(user):
                login = self.store.get(user)  # renewed by the caller we waited for?
                if login is None:
                    raise LoginRequired(NOT_LOGGED_IN)
                if self._due(login, refused):
                    login = self._refresh(login)
        last = login.last_used_at
        if last is None or self.clock() - last >= TOUCH_EVERY:  # not a write per request
            self.store.touch(user)
        return login.token.access_token, login.token.expires_at, login.looker_user

    def _refresh(self, login: StoredLogin) -> StoredLogin:
        sent = login.token.refresh_token
        if sent is None:
            self.store.delete(login.user)
            raise LoginRequired(
                "Your Looker login on this hub expired and Looker gave no refresh token to "
                "renew it; log in to Looker on the hub again."
            )
        response = self._send(refresh_request(self.settings, sent))
        try:
            token = parse_token_response(
                response,
                grant="refresh_token",
                settings=self.settings,
                previous_refresh_token=sent,
                now=self.clock(),
            )
        except LoginRequired:
            self.store.delete(login.user, only_if_refresh=sent)
            log.info("Looker refused to renew the login of hub user %s; forgot it.", login.user)
            raise LoginRequired(
                "Looker refused to renew your login on this hub; log in to Looker on the hub again."
            ) from None
        self.store.save(login.user, token, None)
        log.info("Renewed the Looker login of hub user %s.", login.user)
        return StoredLogin(
            user=login.user,
            token=token,
            looker_user=login.looker_user,
            logged_in_at=login.logged_in_at,
            refreshed_at=self.clock(),
            last_used_at=login.last_used_at,
        )

    # -- ending logins --------------------------------------------------------------------------

    def logout(self, user: str) -> bool:
        """End ``user``'s login: revoke it at Looker (best effort), forget it here either way.
        False when there was none."""
        with self._lock(user):
            login = self.store.get(user)
            if login is None:
                return self.store.delete(user)  # an undecryptable row goes too
            self._revoke(login)
            self.store.delete(user)
            log.info("Ended the Looker login of hub user %s.", user)
            return True

    def _revoke(self, login: StoredLogin) -> None:
        """Revoke ``login`` at Looker, best effort: an expired access token is renewed first
        (without saving: the login is being dropped), as Looker revokes the refresh token
        issued with the access token it is given."""
        user, token = login.user, login.token
        try:
            access = token.access_token
            if not self._usable(token) and token.refresh_token is not None:
                renewed = parse_token_response(
                    self._send(refresh_request(self.settings, token.refresh_token)),
                    grant="refresh_token",
                    settings=self.settings,
                    previous_refresh_token=token.refresh_token,
                    now=self.clock(),
                )
                access = renewed.access_token
            response = self._send(revoke_request(self.settings, access))
            if response.status_code >= 300:
                log.warning(
                    "Looker answered HTTP %s to the revocation of hub user %s's login; it is "
                    "forgotten here and stays valid at Looker until it expires.",
                    response.status_code,
                    user,
                )
        except LoginRequired:
            pass  # Looker refused to renew it: nothing left to revoke
        except Exception as exc:  # the login is forgotten whatever Looker says
            log.warning(
                "Could not revoke hub user %s's Looker login (%s); forgot it here.",
                user,
                type(exc).__name__,
            )

    def summaries(self) -> list[LoginSummary]:
        return self.store.summaries()
