"""``session.sdk``: the official looker_sdk ``Looker40SDK`` on the session's token state.

looker_sdk is imported here, lazily (it costs most of a second), and only when ``session.sdk`` is
first used. Its ``AuthSession`` asks ``_login`` for a token whenever its copy is not current; ours
hands over the session's token, refreshing through the shared single-flight ``TokenState``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._errors import ConfigurationError
from .refresh import TokenState

if TYPE_CHECKING:
    from looker_sdk.sdk.api40.methods import Looker40SDK

__all__ = ["make_sdk"]


def make_sdk(tokens: TokenState, logout: Any) -> Looker40SDK:
    """A ``Looker40SDK`` whose auth is ``tokens``; ``sdk.auth.logout()`` calls ``logout``."""
    try:
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
    except ImportError:
        raise ConfigurationError(
            "session.sdk needs the official Looker SDK; run pip install 'looker-nb-auth[sdk]' "
            "and restart the kernel, or use session.client."
        ) from None

    settings = tokens.settings

    class _Settings(api_settings.ApiSettings):
        def __init__(self) -> None:
            # read_config() below replaces looker.ini and LOOKERSDK_*: settings are resolved once.
            super().__init__(sdk_version=constants.sdk_version)
            self.base_url = settings.base_url
            self.verify_ssl = settings.verify_ssl
            self.timeout = int(settings.timeout)
            self.agent_tag = f"{transport.AGENT_PREFIX} {constants.sdk_version} looker-nb-auth"

        def read_config(self) -> api_settings.SettingsConfig:
            return {
                "client_id": settings.client_guid,
                "client_secret": "",
                "base_url": settings.base_url,
                "looker_url": settings.looker_url or "",
                "redirect_uri": settings.redirect_uri,
            }

    class _SessionAuth(auth_session.AuthSession):
        """looker_sdk's auth, fed from our token state instead of API3 credentials."""

        @property
        def is_authenticated(self) -> bool:
            token = tokens.token
            return (
                token is not None
                and tokens.is_fresh()
                and self.token.access_token == token.access_token
            )

        def _login(self, transport_options: transport.TransportOptions) -> None:
            access = tokens.access_token()
            token = tokens.token
            remaining = int(token.expires_at - tokens.clock()) if token is not None else 0
            self.token = auth_token.AuthToken(
                auth_token.AccessToken(
                    access_token=access, token_type="Bearer", expires_in=max(remaining, 0)
                )
            )

        def logout(
            self, full: bool = False, transport_options: transport.TransportOptions | None = None
        ) -> None:
            logout()

    sdk_settings = _Settings()
    sdk_transport = requests_transport.RequestsTransport.configure(sdk_settings)
    auth = _SessionAuth(sdk_settings, sdk_transport, serialize.deserialize40, "4.0")
    return Looker40SDK(auth, serialize.deserialize40, serialize.serialize40, sdk_transport, "4.0")
