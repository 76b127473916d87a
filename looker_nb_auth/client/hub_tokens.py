"""The hub service's token API, as a kernel on JupyterHub calls it: the ``TokenSource`` of a
session logged in through the service (``hub_session.py``).

On a hub running ``looker-nb-auth hub-service`` (JupyterHub service ``looker``), the service
holds each user's Looker login; a kernel asks it for the current access token with its server's
own ``JUPYTERHUB_API_TOKEN`` (``Authorization: token …``: the service knows the user from the
token, never from a parameter) at ``GET {LOOKER_NB_AUTH_HUB_SERVICE_URL}api/token``, and never
holds a refresh token: a ``refresh_token`` in an answer is dropped unread. The service renews at
Looker (single flight per user, for every kernel of the hub); ``TokenState`` renews here before
the access token expires, single flight per process.

Its answers, as the package's errors: 200 the token; 401 with a ``login_url`` the user has no
Looker login (``LoginRequired`` carrying it); 502/503/504 Looker or the service cannot answer
now (``LookerUnreachable``); no answer at all ``LookerUnreachable`` naming the service; a
token the hub does not accept (401 without ``login_url``, 403) or no service at the URL (404)
a ``ConfigurationError`` for the hub's admin.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from .._answers import json_object, retry_after
from .._errors import (
    ConfigurationError,
    LoginRequired,
    LookerServerError,
    LookerUnreachable,
    RateLimited,
    RevokeFailed,
    UnexpectedResponse,
)
from .._secret import Secret
from .._settings import check_url
from .._version import __version__
from ..oauth.token import Token
from .user import LookerUser

__all__ = ["API_TOKEN_ENV", "SERVICE_URL_ENV", "HubAnswer", "HubTokens"]

#: Set by the hub's spawner for every user's server (docs/jupyterhub.md): the service's URL as
#: the server reaches it, ending in ``/services/looker/``.
SERVICE_URL_ENV = "LOOKER_NB_AUTH_HUB_SERVICE_URL"
#: Set by JupyterHub for every server it spawns: the server's own token, which the kernel
#: inherits (the ``server`` role needs ``access:services!service=looker``).
API_TOKEN_ENV = "JUPYTERHUB_API_TOKEN"
#: JupyterHub 5+: the hub's public URL, when the admin configured one (to make a login path whole).
_PUBLIC_HUB_ENV = "JUPYTERHUB_PUBLIC_HUB_URL"
_SERVICE = "the hub's Looker service"
_Service = "The hub's Looker service"
_USER_AGENT = f"looker-nb-auth/{__version__}"


@dataclass(frozen=True)
class HubAnswer:
    """What the service said about this user: a ``token`` (None when the user has no Looker
    login: then ``login_url`` and ``message`` say where to log in), the Looker it logs in to
    (``base_url``, ``looker_url`` when it knows the UI host) and who (``user``)."""

    base_url: str
    token: Token | None
    user: LookerUser | None = None
    looker_url: str | None = None
    login_url: str = ""
    message: str = ""

    def login_required(self) -> LoginRequired:
        return LoginRequired(self.message, login_url=self.login_url, status_code=401)


class HubTokens:
    """The service's API for one server's token; one pooled client, made on first use."""

    def __init__(
        self, service_url: str, api_token: Secret, *, timeout: float = 120.0, verify: bool = True
    ) -> None:
        self.service_url = service_url if service_url.endswith("/") else service_url + "/"
        self._api_token = api_token
        self._timeout = timeout
        self._verify = verify
        self._lock = threading.Lock()
        self._http: httpx.Client | None = None
        #: The page a browser opens to log in (the service's /login, on the hub's origin until
        #: the service names it in an answer).
        self.login_url = _for_browser(urlsplit(self.service_url).path + "login")

    @classmethod
    def from_environment(
        cls, environ: Mapping[str, str], *, timeout: float = 120.0, verify: bool = True
    ) -> HubTokens | None:
        """The service this server's spawner named, with the server's token; None when the
        variables are not both set (not on such a hub)."""
        url, token = environ.get(SERVICE_URL_ENV, ""), environ.get(API_TOKEN_ENV, "")
        if not url or not token:
            return None
        url = check_url(SERVICE_URL_ENV, url, f"environment ({SERVICE_URL_ENV})", kind="web")
        return cls(url, Secret(token), timeout=timeout, verify=verify)

    def configure(self, *, timeout: float, verify: bool) -> None:
        """The session's HTTP timeout and TLS check (before the first request)."""
        self._timeout, self._verify = timeout, verify

    @property
    def http(self) -> httpx.Client:
        if self._http is None:
            with self._lock:
                if self._http is None:
                    self._http = httpx.Client(
                        timeout=self._timeout,
                        verify=self._verify,
                        headers={"User-Agent": _USER_AGENT, "Accept": "application/json"},
                    )
        return self._http

    def _send(
        self, method: str, path: str, params: Mapping[str, str] | None = None
    ) -> httpx.Response:
        url = urljoin(self.service_url, path)
        headers = {"Authorization": f"token {self._api_token.reveal()}"}
        try:
            return self.http.request(
                method, url, params=params, headers=headers, follow_redirects=False
            )
        except httpx.TransportError as exc:
            kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "failed"
            raise LookerUnreachable(
                f"The connection to {_SERVICE} at {self.service_url} {kind} "
                f"({type(exc).__name__}); try again, or ask your JupyterHub admin whether the "
                "service is running."
            ) from None

    # -- tokens ------------------------------------------------------------------------------

    def ask(self, now: float, *, refused: Secret | None = None) -> HubAnswer:
        """The service's answer for this server's user: a token, or where to log in.

        ``refused``: the access token Looker answered 401 to; the service renews it at Looker
        unless it already has (another kernel said so first). Only its SHA-256 is sent: a URL
        ends up in logs."""
        params = None if refused is None else {"refused": refused.fingerprint()}
        response = self._send("GET", "api/token", params)
        if response.status_code == 200:
            return self._token_answer(response, now)
        data = json_object(response)
        if response.status_code == 401 and isinstance(data.get("login_url"), str):
            self.login_url = _for_browser(data["login_url"])
            return HubAnswer(
                base_url=self._base_url(data),
                token=None,
                looker_url=self._looker_url(data),
                login_url=self.login_url,
                message=_log_in_sentence(data, self.login_url),
            )
        raise self._error(response, data, "GET api/token")

    def _token_answer(self, response: httpx.Response, now: float) -> HubAnswer:
        data = json_object(response)
        data.pop("refresh_token", None)  # never kept, never used: the service's to hold
        value = data.pop("access_token", None)
        if not isinstance(value, str) or not value:
            raise UnexpectedResponse(
                f"{_Service} at {self.service_url} answered with no "
                "access token; ask your JupyterHub admin to check that it runs "
                "looker-nb-auth hub-service.",
                status_code=response.status_code,
            )
        try:
            expires_in = max(float(data.get("expires_in", 0)), 0.0)
        except (TypeError, ValueError):
            expires_in = 0.0
        token = Token(Secret(value), None, expires_in, now)
        return HubAnswer(
            base_url=self._base_url(data),
            token=token,
            user=_user(data.get("looker_user")),
            looker_url=self._looker_url(data),
        )

    def _base_url(self, data: Mapping[str, Any]) -> str:
        """The Looker the service logs in to ("" when it does not say: an older service)."""
        value = data.get("base_url")
        if not isinstance(value, str) or not value:
            return ""
        return check_url("base_url", value, _SERVICE, kind="api")

    def _looker_url(self, data: Mapping[str, Any]) -> str | None:
        value = data.get("looker_url")
        if not isinstance(value, str) or not value:
            return None
        return check_url("looker_url", value, _SERVICE, kind="web")

    # -- logout ------------------------------------------------------------------------------

    def logout(self) -> None:
        """End this user's Looker login at the service (``POST api/logout``), for every kernel
        of the user; ``RevokeFailed`` when the service answered with an error."""
        response = self._send("POST", "api/logout")
        if response.is_success:
            return
        data = json_object(response)
        if response.status_code == 401 and "login_url" in data:
            return  # no login to end
        error = self._error(response, data, "POST api/logout")
        if isinstance(error, LookerUnreachable):
            raise error
        detail = f"HTTP {response.status_code}"
        raise RevokeFailed(
            f"Logged out here, but {_SERVICE} did not end the login ({detail}), so the other "
            "kernels on this hub stay logged in; try again, or ask your JupyterHub admin.",
            description=detail,
            status_code=response.status_code,
        )

    def _error(
        self, response: httpx.Response, data: Mapping[str, Any], what: str
    ) -> ConfigurationError | LookerUnreachable | LookerServerError | UnexpectedResponse:
        status = response.status_code
        said = _said(data)
        if status in (401, 403) or response.is_redirect:  # a redirect: to the hub's login page
            return ConfigurationError(
                f"{_Service} did not accept this server's JupyterHub "
                f"token (HTTP {status}); ask your JupyterHub admin to give the server role the "
                "scope access:services!service=looker (docs/jupyterhub.md).",
                status_code=status,
            )
        if status == 404:
            return ConfigurationError(
                f"There is no looker-nb-auth hub service at {self.service_url} (HTTP 404 to "
                f"{what}); ask your JupyterHub admin to check {SERVICE_URL_ENV}.",
                status_code=status,
            )
        if status in (502, 503, 504):
            return LookerUnreachable(
                said
                or f"{_Service} could not reach Looker (HTTP {status}); try again in a minute.",
                status_code=status,
            )
        if status >= 500 or status == 429:
            why = f" ({said.rstrip('.')})" if said else ""
            return (
                RateLimited(
                    f"{_Service} answered HTTP {status} to {what}{why}; try again in a minute, or "
                    "ask your JupyterHub admin to check its log.",
                    retry_after=retry_after(response),
                    status_code=status,
                )
                if status == 429
                else LookerServerError(
                    f"{_Service} answered HTTP {status} to {what}{why}; try again in a minute, or "
                    "ask your JupyterHub admin to check its log.",
                    status_code=status,
                )
            )
        return UnexpectedResponse(
            f"{_Service} answered HTTP {status} to {what}; ask your "
            "JupyterHub admin to check that it runs looker-nb-auth hub-service.",
            status_code=status,
        )

    def close(self) -> None:
        http, self._http = self._http, None
        if http is not None:
            http.close()

    def __repr__(self) -> str:
        return f"<HubTokens {self.service_url}>"


def _said(data: Mapping[str, Any]) -> str:
    message = data.get("message")
    return message.strip() if isinstance(message, str) else ""


def _log_in_sentence(data: Mapping[str, Any], login_url: str) -> str:
    """The service's sentence, with where to log in (the design's default when it says none)."""
    said = _said(data)
    if not said:
        return f"Log in to Looker on this hub: {login_url}"
    if login_url in said:
        return said
    # The service's sentence ends in what to do ("log in to Looker on the hub first."): where.
    return f"{said.rstrip('.')}: {login_url}"


def _for_browser(login_url: str) -> str:
    """``login_url`` as the service sent it (a path opens on the hub's origin, where the
    notebook is), made whole when the hub says its public URL."""
    public = _public_hub_url()
    if login_url.startswith("/") and public:
        parts = urlsplit(public)
        return f"{parts.scheme}://{parts.netloc}{login_url}"
    return login_url


def _public_hub_url() -> str:
    return os.environ.get(_PUBLIC_HUB_ENV, "")


def _user(data: object) -> LookerUser | None:
    if not isinstance(data, dict):
        return None
    user_id = data.get("id")
    if user_id is None:
        return None
    return LookerUser(
        id=str(user_id),
        display_name=str(data.get("display_name") or ""),
        email=str(data.get("email") or ""),
    )
