"""looker_sdk's side of the admin client: its settings, its transport, its session.

This module imports looker_sdk at its top; ``cli/admin.py`` imports it only when it connects, so
a command line without looker_sdk installed still starts (and says ``SdkNotInstalled``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlsplit

from looker_sdk.error import SDKError
from looker_sdk.rtl import api_settings, auth_session, requests_transport, serialize
from looker_sdk.rtl import transport as sdk_transport
from looker_sdk.sdk import constants
from looker_sdk.sdk.api40 import models as models40
from looker_sdk.sdk.api40.methods import Looker40SDK

__all__ = [
    "SDK_LISTS_REDIRECT_URIS",
    "AdminSettings",
    "Failure",
    "SDKError",
    "Transport",
    "app_body",
    "open_sdk",
]

#: looker-sdk 26.18 and newer know an app's ``redirect_uris`` (a list); older ones only the
#: single ``redirect_uri`` (which 26.18 deprecates).
SDK_LISTS_REDIRECT_URIS = "redirect_uris" in getattr(
    models40.WriteOauthClientApp, "__annotations__", {}
)


@dataclass(frozen=True)
class Failure:
    """The last request that failed: its path, and the HTTP status (None: no response at all)."""

    path: str
    status: int | None
    reason: str = ""


def _connection_reason(text: str) -> str:
    """A short reason from requests' long connection error text (never has a secret)."""
    lowered = text.lower()
    for needle, reason in (
        ("refused", "connection refused"),
        ("timed out", "timed out"),
        ("timeout", "timed out"),
        ("certificate", "TLS certificate not trusted"),
        ("ssl", "TLS error"),
        ("name or service not known", "host name not found"),
        ("nodename nor servname", "host name not found"),
        ("getaddrinfo", "host name not found"),
        ("reset", "connection reset"),
        ("aborted", "connection dropped"),
    ):
        if needle in lowered:
            return reason
    return "no connection"


class AdminSettings(api_settings.ApiSettings):
    """looker_sdk's settings from values already read and merged (``cli/admin.py``), handed over
    the way looker_sdk documents: by overriding ``read_config``.

    ``config`` holds looker_sdk's keys (``base_url``, ``verify_ssl``, ``timeout``,
    ``client_id``, ``client_secret``). The constructor parses ``verify_ssl`` and ``timeout`` as
    looker_sdk does and raises ``TypeError`` / ``ValueError`` for a bad one.
    """

    def __init__(self, config: dict[str, str]) -> None:
        self.config = config
        # read_config is ours, so looker_sdk opens no file and reads no environment itself.
        super().__init__(sdk_version=constants.sdk_version, env_prefix=None)

    def read_config(self) -> api_settings.SettingsConfig:
        # looker_sdk's own read_config casts its cleaned dict the same way (client_id and
        # client_secret may be absent; AuthSession checks them before it logs in).
        return cast(api_settings.SettingsConfig, dict(self.config))


class Transport(requests_transport.RequestsTransport):
    """looker_sdk's requests transport, remembering the status of the last failure."""

    failure: Failure | None = None
    _status: int | None = None

    def __init__(self, transport_settings: Any, session: Any) -> None:
        super().__init__(transport_settings, session)
        session.hooks["response"].append(self._seen)

    def _seen(self, response: Any, *args: Any, **kwargs: Any) -> None:
        self._status = int(response.status_code)

    def request(
        self,
        method: sdk_transport.HttpMethod,
        path: str,
        query_params: Any = None,
        body: bytes | None = None,
        authenticator: sdk_transport.TAuthenticator = None,
        transport_options: sdk_transport.TransportOptions | None = None,
    ) -> sdk_transport.Response:
        inner = authenticator

        def authenticate(options: sdk_transport.TransportOptions) -> dict[str, str]:
            assert inner is not None
            headers = inner(options)  # may log in first: a request of its own
            self._status = None
            return headers

        self._status = None
        self.failure = None
        response = super().request(
            method,
            path,
            query_params,
            body,
            authenticate if inner is not None else None,
            transport_options,
        )
        if not response.ok:
            reason = ""
            if self._status is None:
                text = response.value.decode("utf-8", "replace")
                reason = _connection_reason(text)
            self.failure = Failure(urlsplit(path).path, self._status, reason)
        return response


def open_sdk(settings: AdminSettings) -> tuple[Looker40SDK, Transport]:
    """A ``Looker40SDK`` on an API3 session (logged in lazily, on the first call) and its
    transport."""
    transport = Transport.configure(settings)
    assert isinstance(transport, Transport)
    auth = auth_session.AuthSession(settings, transport, serialize.deserialize40, "4.0")
    sdk = Looker40SDK(auth, serialize.deserialize40, serialize.serialize40, transport, "4.0")
    return sdk, transport


def app_body(fields: Mapping[str, Any]) -> models40.WriteOauthClientApp:
    """The body of a register or update request, saying ``redirect_uris`` so that no Looker can
    read it two ways. How Looker combines the deprecated ``redirect_uri`` with ``redirect_uris``
    sent together is undocumented, so both go only when they say the same: one URI (read alike
    by Looker before and after 26.18). Several go as the list alone (the caller adds to a list
    only on a Looker that answered one). A looker-sdk before 26.18 sends ``redirect_uri`` alone
    (the caller sends one URI then)."""
    body = dict(fields)
    uris = body.pop("redirect_uris", None)
    if uris is not None:
        if SDK_LISTS_REDIRECT_URIS:
            body["redirect_uris"] = list(uris)
        if len(uris) == 1 or not SDK_LISTS_REDIRECT_URIS:
            body["redirect_uri"] = uris[0]
    return models40.WriteOauthClientApp(**body)
