"""A ``LookerSession`` whose login is the JupyterHub service's: ``LookerSession.from_hub()``, and
``login()`` on a hub whose spawner names the service (``hub_tokens.py``).

The session holds an access token and no refresh token: its ``TokenState`` renews from the
service (``refresh.py``'s ``source``), before expiry and after a 401, single flight per process.
With no token, each call asks the service again, so a login made anywhere on the hub (another
kernel's widget, the service's page) is this session's at its next call, and a login an admin
ended is gone at the next renewal. ``logout()`` ends the login at the service, for every kernel
of the user.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Mapping

from .._errors import (
    ConfigurationError,
    LookerAuthError,
    LookerServerError,
    LookerUnreachable,
    RevokeFailed,
)
from .._secret import Secret
from .._settings import Settings, resolve_settings
from ..oauth.authorize import AuthorizationRequest
from ..oauth.callback import CallbackResult
from ..oauth.token import Token
from .hub_tokens import API_TOKEN_ENV, SERVICE_URL_ENV, HubAnswer, HubTokens
from .session import LookerSession
from .user import LookerUser

__all__ = ["HubSession", "hub_tokens_from_environment", "open_hub_session"]

_NOT_ON_A_HUB = (
    "This is not a JupyterHub server with the looker-nb-auth hub service: {missing} not set; "
    "ask your JupyterHub admin to set up the service (docs/jupyterhub.md), or use login() or "
    "LookerSession.from_cache()."
)

_LOGGED_OUT = "Logged out of Looker on this hub; log in again at {url}."
_NO_BASE_URL = (
    "The hub's Looker service at {url} did not say which Looker it logs in to (no base_url): "
    "set LOOKERSDK_BASE_URL, or ask your JupyterHub admin to update looker-nb-auth on the hub."
)


def hub_tokens_from_environment() -> HubTokens | None:
    """The hub service this server's spawner named, if any (``hub_tokens.py``)."""
    return HubTokens.from_environment(os.environ)


def open_hub_session(
    *,
    timeout: float | None = None,
    verify_ssl: bool | None = None,
    require_login: bool,
    hub: HubTokens | None = None,
) -> HubSession:
    """A session on the service's login, asked once: logged in when the user has a login on
    the hub; else ``LoginRequired`` (``require_login``) or a session that is not logged in yet.
    """
    hub = hub or hub_tokens_from_environment()
    if hub is None:
        missing = [name for name in (SERVICE_URL_ENV, API_TOKEN_ENV) if not os.environ.get(name)]
        raise ConfigurationError(_NOT_ON_A_HUB.format(missing=" and ".join(missing)))
    # The HTTP timeout and TLS check come from the usual sources; the rest from the service.
    local = resolve_settings(required=(), timeout=timeout, verify_ssl=verify_ssl)
    hub.configure(timeout=local.timeout, verify=local.verify_ssl)
    try:
        answer = hub.ask(time.time())
    except BaseException:
        hub.close()
        raise
    base_url = answer.base_url or local.base_url
    if not base_url:
        hub.close()
        raise ConfigurationError(_NO_BASE_URL.format(url=hub.service_url))
    settings = dataclasses.replace(
        local,
        base_url=base_url,
        looker_url=local.looker_url or answer.looker_url,
        sources={
            **local.sources,
            "base_url": f"the hub service ({hub.service_url})"
            if answer.base_url
            else local.sources["base_url"],
        },
    )
    session = HubSession(settings, hub, answer)
    if require_login and not session.is_logged_in:
        session.close()
        raise answer.login_required()
    return session


class HubSession(LookerSession):
    """A Looker login held by the hub service; this kernel holds only access tokens."""

    def __init__(self, settings: Settings, hub: HubTokens, first: HubAnswer) -> None:
        super().__init__(settings=settings, cache=False)
        #: The service's token API for this server's user.
        self.hub = hub
        self._announced = False
        self._tokens.source = self._from_service
        if first.token is not None:
            self._learn(first)
            self._announced = True
            self._tokens.set(first.token)
        else:  # what a call says until the user logs in (login() names its button instead)
            self.not_logged_in = first.message

    # -- the service ---------------------------------------------------------------------------

    @property
    def login_url(self) -> str:
        """The service's page a browser opens to log in to Looker for every kernel of the user."""
        return self.hub.login_url

    def _from_service(self, now: float, refused: Secret | None) -> Token:
        """``TokenState``'s source: the service's current token for this user (a new one if
        ``refused`` is still the service's: Looker answered 401 to it)."""
        answer = self.hub.ask(now, refused=refused)
        if answer.token is None:
            raise answer.login_required()
        self._learn(answer)
        return answer.token

    def _learn(self, answer: HubAnswer) -> None:
        if answer.user is not None:
            self._user = answer.user

    def check(self) -> bool:
        """Ask the service whether the user is logged in now (``True``: this session is)."""
        try:
            self._tokens.access_token()
        except LookerAuthError:
            return self.is_logged_in
        return True

    def resume(self) -> bool:
        """Logged in when the service has this user's login (it is asked if needed)."""
        return self.check()

    def _persist(self, token: Token) -> None:
        """Each token the service hands out; the first after none is a login to announce."""
        with self._lock:
            first, self._announced = not self._announced, True
        if first:
            self._announce_login()

    # -- what the service does here -------------------------------------------------------------

    def _service_logs_in(self) -> ConfigurationError:
        return ConfigurationError(
            f"On this hub the hub's Looker service logs you in: open {self.login_url}, and every "
            "kernel of yours is logged in from then on."
        )

    def start_login(self) -> AuthorizationRequest:
        """Not here: the service's login page (``login_url``) logs in."""
        raise self._service_logs_in()

    def complete_login(self, callback: str | Mapping[str, str] | CallbackResult) -> LookerUser:
        """Not here: the service takes Looker's answer at its own callback."""
        del callback
        raise self._service_logs_in()

    def logout(self) -> None:
        """End the Looker login at the hub service (``POST api/logout``), for every kernel of
        the user, then forget the token here.

        The token is forgotten here whatever happens; ``RevokeFailed`` or ``LookerUnreachable``
        afterwards when the service did not confirm it (the other kernels stay logged in)."""
        failure: LookerAuthError | None = None
        try:
            self.hub.logout()
        except (RevokeFailed, LookerUnreachable, LookerServerError) as exc:
            failure = exc
        finally:
            self._forget(_LOGGED_OUT.format(url=self.login_url), failure)
        if failure is not None:
            raise failure

    def _forget(
        self, why: str, reason: LookerAuthError | None, *, refused: Secret | None = None
    ) -> None:
        with self._lock:
            self._announced = False
        super()._forget(why, reason, refused=refused)

    def close(self) -> None:
        super().close()
        self.hub.close()

    def __repr__(self) -> str:
        who = f" user={str(self._user)!r}" if self._user and self.is_logged_in else ""
        state = "logged in" if self.is_logged_in else "not logged in"
        return f"<LookerSession {self.settings.base_url} {state}{who} through the hub service>"
