"""``session.sdk``: the official looker_sdk ``Looker40SDK`` on the session's own ``httpx.Client``.

This module imports looker_sdk (most of a second), so ``session.sdk`` imports it only when first
used; ``LookerSession.sdk`` turns a missing looker_sdk into ``SdkNotInstalled``.

Every sdk call goes through ``SessionTransport``, a looker_sdk ``Transport`` on ``session.client``:
the same connection pool, and the same ``LookerAuth`` (``auth.py``) putting the bearer token on,
refreshing single-flight before expiry and once on a 401, then retrying. That ``httpx.Auth`` is
the only source of the token: ``SessionAuth.authenticate`` adds no header of its own, so no stale
copy can reach Looker.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping

import httpx
from looker_sdk import error
from looker_sdk.rtl import api_settings, auth_session, serialize, transport
from looker_sdk.sdk import constants
from looker_sdk.sdk.api40.methods import Looker40SDK

from .._answers import unreachable
from .._settings import Settings
from .refresh import TokenState

__all__ = ["SessionSdk", "SessionTransport", "make_sdk"]


class SessionSettings(api_settings.ApiSettings):
    """looker_sdk's settings from ours: ``read_config`` replaces looker.ini and ``LOOKERSDK_*``,
    since the session resolved its settings once already."""

    def __init__(self, settings: Settings) -> None:
        self._ours = settings
        super().__init__(sdk_version=constants.sdk_version)
        self.base_url = settings.base_url
        self.verify_ssl = settings.verify_ssl
        self.timeout = int(settings.timeout)
        self.agent_tag = f"{transport.AGENT_PREFIX} {constants.sdk_version} looker-nb-auth"

    def read_config(self) -> api_settings.SettingsConfig:
        settings = self._ours
        return {
            "client_id": settings.client_guid,
            "client_secret": "",
            "base_url": settings.base_url,
            "looker_url": settings.looker_url or "",
            "redirect_uri": settings.redirect_uri,
        }


def _encoding(content_type: str | None) -> str:
    """The charset to decode a body with, chosen as ``RequestsTransport`` does (requests'
    ``get_encoding_from_headers``): the ``charset`` parameter, else ISO-8859-1 for ``text/*``,
    else UTF-8."""
    if not content_type:
        return "utf-8"
    media_type, _, params = content_type.partition(";")
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip(" '\""):
            return value.strip(" '\"")
    return "ISO-8859-1" if "text" in media_type.lower() else "utf-8"


class SessionTransport(transport.Transport):
    """looker_sdk's ``Transport`` on the session's ``httpx.Client``.

    ``client`` returns the session's current client (``session.close()`` replaces it). looker_sdk
    passes absolute URLs (``{base_url}/api/4.0/...``), which httpx sends as they are, ignoring the
    client's ``base_url``. The ``authenticator`` looker_sdk passes is not called: the client's
    ``LookerAuth`` sets the ``Authorization`` header. ``transport_options`` ``timeout`` and
    ``headers`` apply per call. A request that gets no answer raises ``LookerUnreachable``;
    ``LoginRequired`` from the refresh propagates unchanged; any HTTP answer (an error status
    too) goes back to looker_sdk, which raises its ``SDKError`` for 4xx and 5xx.
    """

    def __init__(
        self, client: Callable[[], httpx.Client], settings: Settings, agent_tag: str
    ) -> None:
        self._client = client
        self._settings = settings
        # As RequestsTransport sends them: looker_sdk's agent tag, and any content type.
        self._headers: dict[str, str] = {transport.LOOKER_API_ID: agent_tag, "Accept": "*/*"}

    @classmethod
    def configure(cls, settings: transport.PTransportSettings) -> transport.Transport:
        raise TypeError("SessionTransport runs on a LookerSession's client: use session.sdk.")

    def request(
        self,
        method: transport.HttpMethod,
        path: str,
        query_params: MutableMapping[str, str] | None = None,
        body: bytes | None = None,
        authenticator: transport.TAuthenticator = None,
        transport_options: transport.TransportOptions | None = None,
    ) -> transport.Response:
        options = transport_options or {}
        extra, timeout = options.get("headers"), options.get("timeout")
        headers = {**self._headers, **extra} if extra else self._headers
        try:
            response = self._client().request(
                method.name,
                path,
                params=query_params,
                content=body,
                headers=headers,
                timeout=timeout if timeout else httpx.USE_CLIENT_DEFAULT,
                follow_redirects=True,  # as requests does
            )
        except httpx.TransportError as exc:
            raise unreachable(self._settings, exc) from exc
        content_type = response.headers.get("content-type")
        return transport.Response(
            ok=response.status_code < 400,
            value=response.content,
            response_mode=transport.response_mode(content_type),
            encoding=_encoding(content_type),
        )


class SessionAuth(auth_session.AuthSession):
    """looker_sdk's auth on our token state. The token travels in ``LookerAuth`` only: this
    keeps no plain copy (looker_sdk's ``token`` stays empty), reports ``is_authenticated`` from
    the session, and ends the session on an explicit ``logout()``."""

    def __init__(
        self,
        settings: SessionSettings,
        sdk_transport: transport.Transport,
        tokens: TokenState,
        logout: Callable[[], None],
    ) -> None:
        self._tokens = tokens
        self._end_session = logout
        super().__init__(settings, sdk_transport, serialize.deserialize40, "4.0")

    @property
    def is_authenticated(self) -> bool:
        return self._tokens.is_fresh()

    def authenticate(self, transport_options: transport.TransportOptions) -> dict[str, str]:
        return {}  # ``LookerAuth`` on the client adds the bearer token

    def _login(self, transport_options: transport.TransportOptions) -> None:
        self._tokens.access_token()  # renew through the shared single flight when due

    def login_user(
        self, sudo_id: int, transport_options: transport.TransportOptions | None = None
    ) -> None:
        raise error.SDKError(
            "session.sdk cannot sudo: it acts as the user who logged in. Use an admin API3 "
            "session (looker_sdk.init40()) to act as another user."
        )

    def logout(
        self, full: bool = False, transport_options: transport.TransportOptions | None = None
    ) -> None:
        self._end_session()


class SessionSdk(Looker40SDK):
    """``Looker40SDK`` whose ``with`` block leaves the login alone: the session owns the login
    (``session.logout()`` or an explicit ``sdk.auth.logout()`` ends it), and the client is
    shared, so leaving the block has nothing to close."""

    def __enter__(self) -> SessionSdk:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None


def make_sdk(
    client: Callable[[], httpx.Client], tokens: TokenState, logout: Callable[[], None]
) -> SessionSdk:
    """A ``Looker40SDK`` sending through ``client()`` (the session's ``httpx.Client``), whose
    auth reports ``tokens``; ``sdk.auth.logout()`` calls ``logout``."""
    sdk_settings = SessionSettings(tokens.settings)
    sdk_transport = SessionTransport(client, tokens.settings, sdk_settings.agent_tag)
    auth = SessionAuth(sdk_settings, sdk_transport, tokens, logout)
    return SessionSdk(auth, serialize.deserialize40, serialize.serialize40, sdk_transport, "4.0")
