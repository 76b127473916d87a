"""The Looker admin API client of ``register`` and ``doctor``: an admin's API3 session.

The admin's API3 credentials come from looker_sdk's usual places: a ``looker.ini`` section (read
by ``_settings.read_ini``: ``client_id``, ``client_secret``, ``base_url``, ``verify_ssl``,
``timeout``) and ``LOOKERSDK_*`` environment variables, which win over the file; ``--base-url``
wins over both. looker_sdk is imported only when ``connect_admin`` connects (``_admin_sdk.py``).
Nothing here prints or returns the client secret or a token.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from .._answers import Kind
from .._errors import (
    AdminError,
    AdminUsageError,
    ConfigurationError,
    MissingCredentials,
    SdkNotInstalled,
)
from .._settings import DEFAULT_INI, DEFAULT_SECTION, ENVIRONMENT, UrlKind, check_url, read_ini

if TYPE_CHECKING:
    from looker_sdk.sdk.api40.methods import Looker40SDK
    from looker_sdk.sdk.api40.models import OauthClientApp

    from ._admin_sdk import Transport

__all__ = [
    "ADMIN_ID_ENV",
    "ADMIN_SECRET_ENV",
    "AdminApi",
    "checked_url",
    "connect_admin",
    "registered_redirect_uris",
]

#: The admin's API3 client id and secret, as looker_sdk reads them.
ADMIN_ID_ENV = "LOOKERSDK_CLIENT_ID"
ADMIN_SECRET_ENV = "LOOKERSDK_CLIENT_SECRET"
INSTALL_SDK = "pip install 'looker-nb-auth[sdk]'"
#: looker_sdk's settings and their environment variables (looker_sdk's ``LOOKERSDK_*`` names).
_ENV_KEYS = {
    **{name: ENVIRONMENT[name] for name in ("base_url", "verify_ssl", "timeout")},
    "client_id": ADMIN_ID_ENV,
    "client_secret": ADMIN_SECRET_ENV,
}

_T = TypeVar("_T")
#: Looker's answers to an API3 ``/login`` that mean the client id and secret are not accepted.
_REFUSED_LOGIN = frozenset({Kind.REFUSED, Kind.LOGIN, Kind.FORBIDDEN, Kind.MISSING})


def checked_url(name: str, value: str, source: str, *, kind: UrlKind) -> str:
    """``_settings.check_url`` for the command line: its sentence as an ``AdminUsageError``."""
    try:
        return check_url(name, value, source, kind=kind)
    except ConfigurationError as exc:
        raise AdminUsageError(str(exc)) from None


# -- the admin's session ------------------------------------------------------------------------


@dataclass
class AdminApi:
    """An admin's API3 session on Looker; ``close()`` logs it out."""

    base_url: str
    sdk: Looker40SDK
    _transport: Transport
    _sdk_error: type[Exception]
    _closed: bool = field(default=False)

    def _call(self, doing: str, call: Callable[[], _T]) -> _T:
        try:
            return call()
        except self._sdk_error as exc:
            raise self._explain(doing, exc) from None

    def _explain(self, doing: str, exc: Exception) -> AdminError:
        """One sentence for the request that failed while ``doing`` (say, "reading the app")."""
        failure = self._transport.failure
        base = self.base_url
        if failure is None or failure.status is None:
            reason = failure.reason if failure is not None else "no connection"
            return AdminError(
                f"Could not reach Looker at {base} ({reason}); check the Looker API URL "
                "(--base-url, LOOKERSDK_BASE_URL or base_url in looker.ini) and that this machine "
                "can reach it."
            )
        status = failure.status
        kind = Kind.of(status)
        if failure.path.rstrip("/").endswith("/login") and kind in _REFUSED_LOGIN:
            return AdminError(
                f"Looker at {base} refused the admin API3 credentials (HTTP {status}); check "
                f"{ADMIN_ID_ENV} and {ADMIN_SECRET_ENV} (or client_id and client_secret in "
                "looker.ini) against the API keys of a Looker admin.",
                status_code=status,
            )
        if kind is Kind.LOGIN:
            return AdminError(
                f"Looker at {base} did not accept the admin session while {doing} (HTTP 401); "
                "check the admin API3 credentials and try again.",
                status_code=status,
            )
        if kind is Kind.FORBIDDEN:
            return AdminError(
                f"The Looker user of these API3 credentials may not manage OAuth apps on {base} "
                "(HTTP 403); use the API3 keys of a Looker admin.",
                status_code=status,
            )
        if kind is Kind.SERVER_ERROR:
            return AdminError(
                f"Looker at {base} answered HTTP {status} while {doing}; try again in a few "
                "minutes.",
                status_code=status,
            )
        message = str(getattr(exc, "message", "") or "").strip().rstrip(".")
        said = f": {message}" if message and len(message) < 200 else ""
        return AdminError(
            f"Looker at {base} refused {doing} (HTTP {status}{said}); fix the request and try "
            "again.",
            status_code=status,
        )

    def get_app(self, client_guid: str) -> OauthClientApp | None:
        """The registered app, or ``None`` when Looker does not know ``client_guid`` (404)."""
        try:
            return self.sdk.oauth_client_app(client_guid)
        except self._sdk_error as exc:
            failure = self._transport.failure
            if (
                failure is not None
                and failure.status is not None
                and Kind.of(failure.status) is Kind.MISSING
                and "/oauth_client_apps/" in failure.path
            ):
                return None
            raise self._explain(f"reading the OAuth app {client_guid}", exc) from None

    def register_app(self, client_guid: str, **fields: Any) -> OauthClientApp:
        """Create the app ``client_guid`` (``fields``: ``WriteOauthClientApp``'s)."""
        from ._admin_sdk import app_body

        body = app_body(fields)
        return self._call(
            f"registering the OAuth app {client_guid}",
            lambda: self.sdk.register_oauth_client_app(client_guid, body),
        )

    def update_app(self, client_guid: str, **fields: Any) -> OauthClientApp:
        """Change ``fields`` of the app ``client_guid``."""
        from ._admin_sdk import app_body

        body = app_body(fields)
        return self._call(
            f"updating the OAuth app {client_guid}",
            lambda: self.sdk.update_oauth_client_app(client_guid, body),
        )

    def close(self) -> None:
        """Log the admin session out (revokes its token); never raises."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(Exception):  # best effort: the token expires on its own
            self.sdk.auth.logout()
        self._transport.session.close()


def _admin_config(
    base_url: str | None, ini: str | None, section: str | None, env: Mapping[str, str]
) -> tuple[dict[str, str], dict[str, str], str]:
    """looker_sdk's settings, highest first: ``base_url``, ``LOOKERSDK_*``, the ini section;
    where each came from; and the section's name for advice."""
    try:
        values, label, read = read_ini(ini, section)
    except ConfigurationError as exc:
        raise AdminUsageError(str(exc)) from None
    config = {key: values[key] for key in _ENV_KEYS if key in values}
    sources = dict.fromkeys(config, label)
    for key, name in _ENV_KEYS.items():
        value = env.get(name, "").strip().strip("\"'")
        if value:
            config[key], sources[key] = value, f"environment ({name})"
    if base_url:
        config["base_url"], sources["base_url"] = base_url.strip(), "--base-url"
    return config, sources, read or section or DEFAULT_SECTION


def connect_admin(
    *,
    base_url: str | None = None,
    ini: str | None = None,
    section: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> AdminApi:
    """An admin's looker_sdk session (logged in lazily, on the first call).

    ``base_url`` wins over ``LOOKERSDK_BASE_URL``, which wins over looker.ini (``ini``, else
    ``./looker.ini``; ``section``, else ``[Looker]``, else the first). Raises
    ``SdkNotInstalled`` without looker_sdk, ``AdminUsageError`` for a bad ini file or setting,
    and ``MissingCredentials`` when no client id and secret were found.
    """
    env = os.environ if environ is None else environ
    try:
        from ._admin_sdk import AdminSettings, SDKError, open_sdk
    except ImportError as exc:
        if not (exc.name or "").startswith("looker_sdk"):
            raise
        raise SdkNotInstalled(
            f"Talking to the Looker admin API needs the official Looker SDK; run {INSTALL_SDK}."
        ) from None

    config, sources, section_name = _admin_config(base_url, ini, section, env)
    try:
        settings = AdminSettings(config)
    except (TypeError, ValueError):
        raise AdminUsageError(
            "verify_ssl or timeout in looker.ini or LOOKERSDK_* is not valid; set verify_ssl to "
            "true or false and timeout to a whole number of seconds."
        ) from None
    if not config.get("base_url"):
        raise AdminUsageError(
            f"No Looker API URL is set; pass --base-url, set {_ENV_KEYS['base_url']}, or put "
            f"base_url in the [{section_name}] section of looker.ini."
        )
    config["base_url"] = settings.base_url = checked_url(
        "The Looker API URL", config["base_url"], sources["base_url"], kind="api"
    )
    if not (config.get("client_id") and config.get("client_secret")):
        raise MissingCredentials(
            f"No Looker admin API3 credentials were found; set {ADMIN_ID_ENV} and "
            f"{ADMIN_SECRET_ENV}, or put client_id and client_secret in the [{section_name}] "
            f"section of {ini if ini is not None else DEFAULT_INI}."
        )
    sdk, transport = open_sdk(settings)
    return AdminApi(settings.base_url, sdk, transport, SDKError)


def registered_redirect_uris(app: OauthClientApp) -> list[str]:
    """The app's redirect URIs: ``redirect_uris`` on Looker and looker-sdk 26.18+, else the
    single ``redirect_uri`` (every looker-sdk this package allows)."""
    uris = getattr(app, "redirect_uris", None)  # no such attribute before looker-sdk 26.18
    if uris:
        return [str(uri) for uri in uris]
    return [app.redirect_uri] if app.redirect_uri else []


def lists_redirect_uris(app: OauthClientApp) -> bool:
    """Whether this Looker and this looker-sdk keep several redirect URIs for ``app``."""
    return getattr(app, "redirect_uris", None) is not None
