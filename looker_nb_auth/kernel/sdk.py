"""``session.sdk``: the official looker_sdk ``Looker40SDK`` on the session's token state.

This module imports looker_sdk (most of a second), so ``session.sdk`` imports it only when first
used; ``LookerSession.sdk`` turns a missing looker_sdk into ``SdkNotInstalled``. Its
``AuthSession`` asks ``_login`` for a token whenever its copy is not current; ours hands over the
session's token, refreshing through the shared single-flight ``TokenState``.
"""

from __future__ import annotations

from collections.abc import Callable

from looker_sdk.rtl import (
    api_settings,
    auth_session,
    auth_token,
    requests_transport,
    serialize,
    transport,
)
from looker_sdk.sdk import constants
from looker_sdk.sdk.api40.methods import Looker40SDK

from .._settings import Settings
from .refresh import TokenState

__all__ = ["make_sdk"]


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


class SessionAuth(auth_session.AuthSession):
    """looker_sdk's auth, fed from our token state instead of API3 credentials."""

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
        token = self._tokens.token
        return (
            token is not None
            and self._tokens.is_fresh()
            and self.token.access_token == token.access_token
        )

    def _login(self, transport_options: transport.TransportOptions) -> None:
        access = self._tokens.access_token()
        token = self._tokens.token
        remaining = int(token.expires_at - self._tokens.clock()) if token is not None else 0
        self.token = auth_token.AuthToken(
            auth_token.AccessToken(
                access_token=access, token_type="Bearer", expires_in=max(remaining, 0)
            )
        )

    def logout(
        self, full: bool = False, transport_options: transport.TransportOptions | None = None
    ) -> None:
        self._end_session()


def make_sdk(tokens: TokenState, logout: Callable[[], None]) -> Looker40SDK:
    """A ``Looker40SDK`` whose auth is ``tokens``; ``sdk.auth.logout()`` calls ``logout``."""
    sdk_settings = SessionSettings(tokens.settings)
    sdk_transport = requests_transport.RequestsTransport.configure(sdk_settings)
    auth = SessionAuth(sdk_settings, sdk_transport, tokens, logout)
    return Looker40SDK(auth, serialize.deserialize40, serialize.serialize40, sdk_transport, "4.0")
