"""Step 4 and 5: ``LookerSession`` redeems the code and holds the logged-in user's clients.

``start_login`` makes the authorize URL (``oauth/authorize.py``), ``complete_login`` parses the
callback (``oauth/callback.py``) and redeems it (``oauth/token.py``); the token then lives in a
``TokenState`` (``refresh.py``) behind ``session.client`` / ``session.async_client`` (``auth.py``)
and ``session.sdk`` (``sdk.py``). The user is ``user.py``, logout ``logout.py``, the opt-in
cache ``saved.py`` (this session's entry) over ``cache.py`` (the stores). The DataFrame calls
(``run_query`` ...) come from ``dataframes/calls.py``. Listeners (``on_login``, ``on_logout``,
``on_login_failed``) are how a widget follows the session.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import httpx

from .._errors import (
    AccessDenied,
    AuthorizationFailed,
    LoginRequired,
    LookerAuthError,
    LookerServerError,
    LookerUnreachable,
    RevokeFailed,
    SdkNotInstalled,
    StateMismatch,
)
from .._keywords import spelled_out
from .._secret import Secret
from .._settings import SessionOptions, Settings, resolve_settings
from ..content.calls import ContentCalls
from ..oauth.authorize import AuthorizationRequest
from ..oauth.callback import CallbackResult, parse_callback
from ..oauth.pending import Pending
from ..oauth.state import new_state
from ..oauth.token import Token, parse_token_response, redeem_request
from ..oauth.versions import login_page_url
from .async_clients import AsyncClients
from .auth import LookerAuth, client_options
from .cache import TokenCache, open_cache
from .logout import revoke
from .refresh import TokenState
from .saved import SavedLogin
from .user import LookerUser, fetch_user

if TYPE_CHECKING:
    from typing_extensions import Unpack  # typing.Unpack from Python 3.11

    from .sdk import SessionSdk

__all__ = ["LookerSession"]

_log = logging.getLogger(__name__)
#: Logins started and not finished that a session remembers (for the protocol's TTL): a few
#: clicks on Try again, not a flood.
_MAX_PENDING = 8
LOGGED_OUT = "Logged out of Looker; log in again to use this session."
_NONE = Secret("")  # the access token of a login resumed from the cache: none yet


class LookerSession(ContentCalls):
    """A Looker login for the person at the keyboard, and the API clients that use it.

    Settings come from the arguments, then ``LOOKERSDK_*`` environment variables, then
    ``looker.ini`` (or pass ``settings=``, a resolved `Settings`). Log in with
    ``start_login()`` (open the URL it returns) and ``complete_login(redirected_url)``; the
    widget in ``looker_nb_auth.login()`` does both for you.
    """

    @spelled_out(SessionOptions)
    def __init__(
        self,
        base_url: str | None = None,
        *,
        cache: TokenCache | bool | None = None,
        settings: Settings | None = None,
        **options: Unpack[SessionOptions],
    ) -> None:
        if settings is None:
            settings = resolve_settings(base_url=base_url, **options)
        elif base_url is not None or any(value is not None for value in options.values()):
            raise TypeError("pass either settings= or the separate settings, not both")
        #: Where each value came from is in ``settings.sources``.
        self.settings: Settings = settings
        self.cache: TokenCache = open_cache(cache)
        self._saved = SavedLogin(self.cache, settings)
        self._tokens = TokenState(self.settings, on_refresh=self._persist)
        self._tokens.on_lost = self._lost
        self._tokens.coordinate = lambda: self._saved.coordinate(self._user)
        self._auth = LookerAuth(self._tokens)
        self._lock = threading.Lock()
        self._pending = Pending[AuthorizationRequest](cap=_MAX_PENDING, when_full="drop_oldest")
        self._looker_url = self.settings.looker_url
        self._user: LookerUser | None = None
        self._client: httpx.Client | None = None
        self._async_clients = AsyncClients()
        self._sdk: SessionSdk | None = None
        self.on_login: list[Callable[[], None]] = []  # e.g. the widget shows "Logged in as"
        #: The login ended: ``None`` for a clean ``logout()``; else why (Looker refused to renew
        #: it, or did not confirm the revocation). Every widget showing the session listens.
        self.on_logout: list[Callable[[LookerAuthError | None], None]] = []
        #: A login whose answer was used up failed (e.g. the widget shows the error).
        self.on_login_failed: list[Callable[[LookerAuthError], None]] = []

    # -- login ---------------------------------------------------------------------------------

    @property
    def looker_url(self) -> str:
        """The Looker UI host serving ``/auth``; read from ``/versions`` when not configured."""
        if self._looker_url is None:
            self._looker_url = login_page_url(self.settings, self._tokens.endpoint.http)
        return self._looker_url

    def start_login(self) -> AuthorizationRequest:
        """Begin a login: a fresh ``state`` and PKCE verifier, and the URL to open in a browser."""
        request = AuthorizationRequest.new(
            self.looker_url,
            client_guid=self.settings.client_guid,
            redirect_uri=self.settings.redirect_uri,
            # On a JupyterHub named server, the state names it (JupyterHub sets the variable).
            state=new_state(os.environ.get("JUPYTERHUB_SERVER_NAME", "")),
        )
        with self._lock:
            self._pending.add(request.state, request)
        return request

    def _take_pending(self, state: str) -> AuthorizationRequest | None:
        with self._lock:
            return self._pending.pop(state)

    def complete_login(self, callback: str | Mapping[str, str] | CallbackResult) -> LookerUser:
        """Finish a login from the redirect Looker sent the browser to.

        ``callback`` is the redirected URL (as pasted from the address bar), its query string, or
        a mapping with ``code``/``state`` or ``error``/``error_description``. Redeems the code,
        fetches the user and returns it.
        """
        try:
            result = parse_callback(callback)
        finally:
            del callback  # a pasted address holds the code: no frame of ours keeps it
        pending = self._take_pending(result.state)
        try:
            user = self._redeem(result, pending)
        except LookerAuthError as exc:
            if pending is not None:  # this session's login is used up: say so where it shows
                for failed in list(self.on_login_failed):
                    failed(exc)
            raise
        self._announce_login()
        return user

    def _announce_login(self) -> None:
        """Tell the ``on_login`` listeners (a widget, a dashboard's callback)."""
        for listener in list(self.on_login):
            try:
                listener()
            except Exception:  # yours (a dashboard's callback): the login itself succeeded
                _log.exception("An on_login callback failed; the login to Looker succeeded.")

    def _redeem(self, result: CallbackResult, pending: AuthorizationRequest | None) -> LookerUser:
        if result.error:
            said = result.error_description or result.error
            cls = AccessDenied if result.error == "access_denied" else AuthorizationFailed
            raise cls(
                f"Looker did not log you in ({said}); log in again.",
                error=result.error,
                description=result.error_description,
            )
        if pending is None:
            raise StateMismatch(
                "This callback does not belong to a login started in this session (unknown or "
                "expired state); start the login again and use the newest link."
            )
        assert result.code is not None
        response = self._tokens.endpoint.send(
            redeem_request(self.settings, result.code, pending.code_verifier)
        )
        token = parse_token_response(
            response,
            grant="authorization_code",
            settings=self.settings,
            previous_refresh_token=None,
            now=self._tokens.clock(),
        )
        self._tokens.set(token)
        self._user = None
        user = self.user
        self._persist(token)
        return user

    def resume(self) -> bool:
        """Log in silently from the token cache; ``True`` when that worked.

        A refresh token the cache holds but Looker refuses is deleted from the cache, unless
        another process stored a newer one meanwhile.
        """
        cached = self._saved.load()
        if cached is None:
            return False
        self._user = LookerUser(cached.user_id, cached.display_name, cached.email)
        self._tokens.set(Token(_NONE, cached.refresh_token, 0.0, self._tokens.clock()))
        try:
            self._tokens.access_token(stale=_NONE)  # refreshes, and persists a rotated token
        except LoginRequired:  # refused: the entry is gone if it still held the refused token
            self._user = None
            return False
        return True

    @classmethod
    def from_hub(
        cls, *, timeout: float | None = None, verify_ssl: bool | None = None
    ) -> LookerSession:
        """A session logged in through the JupyterHub's looker-nb-auth service, for scripts and
        scheduled jobs on the hub: no browser, no settings (the service says which Looker).

        The hub's spawner names the service (``LOOKER_NB_AUTH_HUB_SERVICE_URL``) and JupyterHub
        gives every server its token (``JUPYTERHUB_API_TOKEN``); the session asks the service
        for access tokens, renewing before they expire, and never holds a refresh token.

        Raises ``LoginRequired`` (its ``login_url`` the page to open) when the user has not
        logged in to Looker on the hub; ``LookerUnreachable`` when the service cannot be
        reached; ``ConfigurationError`` when this is not such a hub, or the hub does not let
        this server's token use the service.
        """
        from .hub_session import open_hub_session

        return open_hub_session(timeout=timeout, verify_ssl=verify_ssl, require_login=True)

    @classmethod
    @spelled_out(SessionOptions)
    def from_cache(
        cls,
        base_url: str | None = None,
        *,
        cache: TokenCache | bool = True,
        **options: Unpack[SessionOptions],
    ) -> LookerSession:
        """A session logged in from the token cache, for scripts and cron jobs: no browser.

        The settings are read as for ``LookerSession(...)``; ``cache=True`` (the default) is the
        persistent cache that ``looker-nb-auth login`` in a terminal and ``login(cache=True)``
        in a notebook save to (the OS keyring when usable, else the 0600 file). The saved
        refresh token is renewed at once, so the login is known to work when this returns, and
        every renewal after is saved back.

        Raises ``LoginRequired`` when nothing is saved for this Looker and OAuth app, or when
        Looker refused the saved login (it expired or was revoked; the entry is then deleted):
        run ``looker-nb-auth login`` (or ``login()`` in a notebook) to log in again.
        ``LookerUnreachable`` / ``LookerServerError`` when Looker could not renew it now (the
        saved login is kept: try again later); ``ConfigurationError`` for a missing setting.
        """
        session = cls(base_url, cache=cache, **options)
        try:
            saved = session._saved.load() is not None
            if saved and session.resume():
                return session
        except BaseException:
            session.close()
            raise
        session.close()
        raise session._saved.missing(refused=saved)

    @property
    def not_logged_in(self) -> str:
        """What `LoginRequired` says when this session is used while not logged in (``login()``
        points at its button)."""
        return self._tokens.not_logged_in

    @not_logged_in.setter
    def not_logged_in(self, sentence: str) -> None:
        self._tokens.not_logged_in = sentence

    @property
    def is_logged_in(self) -> bool:
        """Whether the session holds a token (it may still be refused if revoked at Looker)."""
        return self._tokens.token is not None

    @property
    def user(self) -> LookerUser:
        """The logged-in Looker user (fetched once per login)."""
        if self._user is None:
            self._user = fetch_user(self.client)
        return self._user

    # -- clients -------------------------------------------------------------------------------

    @property
    def client(self) -> httpx.Client:
        """An ``httpx.Client`` on ``{base_url}/api/4.0/`` that authenticates and refreshes."""
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = httpx.Client(**client_options(self.settings, self._auth))
        return self._client

    @property
    def async_client(self) -> httpx.AsyncClient:
        """The ``httpx.AsyncClient`` twin of ``client``, sharing its token and refresh: one per
        event loop (an async client's connections belong to the loop that opened them), so a
        script may call ``asyncio.run()`` more than once."""
        return self._async_clients.get(lambda: client_options(self.settings, self._auth))

    @property
    def sdk(self) -> SessionSdk:
        """The official ``looker_sdk`` ``Looker40SDK`` on this session's client and token (needs
        [sdk]): sdk calls share ``session.client``'s pool, refresh and 401 retry, and leaving a
        ``with session.sdk as sdk:`` block does not log out (``sdk.auth.logout()`` does)."""
        if self._sdk is None:
            try:
                from .sdk import make_sdk
            except ImportError as exc:
                if not (exc.name or "").startswith("looker_sdk"):
                    raise
                raise SdkNotInstalled(
                    "session.sdk needs the official Looker SDK; run pip install "
                    "'looker-nb-auth[sdk]' and restart the kernel, or use session.client."
                ) from None
            self._sdk = make_sdk(lambda: self.client, self._tokens, self.logout)
        return self._sdk

    # -- cache, logout -------------------------------------------------------------------------

    def _persist(self, token: Token) -> None:
        if self._user is not None:
            self._saved.save(self._user, token)

    def logout(self) -> None:
        """Revoke the tokens at Looker (``DELETE /api/logout``), then forget them here and in
        the cache.

        The tokens are forgotten here whatever happens. When Looker did not confirm the
        revocation, the error is raised afterwards: ``RevokeFailed`` (Looker answered with an
        error), ``LookerUnreachable`` (no answer), so you know the login may still be valid at
        Looker until it expires.
        """
        failure: LookerAuthError | None = None
        try:
            revoke(self._tokens, self.settings)
        except (RevokeFailed, LookerUnreachable, LookerServerError) as exc:
            failure = exc
        finally:
            self._forget(LOGGED_OUT, failure)
        if failure is not None:
            raise failure

    def _lost(self, reason: LoginRequired, refused: Secret | None) -> None:
        """Looker ended the login (``refused``: the refresh token it refused, None when there
        was none): forget it and tell the widgets."""
        self._forget(str(reason), reason, refused=refused)

    def _forget(
        self, why: str, reason: LookerAuthError | None, *, refused: Secret | None = None
    ) -> None:
        """Forget the login here; in the cache, all of it on a logout (``reason`` None or a
        failed revocation), else only an entry that still holds the ``refused`` token."""
        user = self._user
        self._tokens.set(None)
        self.not_logged_in = why
        self._user = None
        with self._lock:
            self._pending.clear()
        if user is not None and not isinstance(reason, LoginRequired):
            self._saved.delete(user.id)
        elif user is not None and refused is not None:
            self._saved.forget_refused(user.id, refused)
        for listener in list(self.on_logout):
            listener(reason)

    def close(self) -> None:
        """Close the HTTP clients (the login stays valid until ``logout()``; using a client
        again opens a new one)."""
        client, self._client = self._client, None
        if client is not None:
            client.close()
        self._tokens.close()

    async def aclose(self) -> None:
        """Close the async client too."""
        await self._async_clients.aclose()
        self.close()

    def __enter__(self) -> LookerSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        who = f" user={str(self._user)!r}" if self._user else ""
        state = "logged in" if self.is_logged_in else "not logged in"
        return f"<LookerSession {self.settings.base_url} {state}{who}>"
