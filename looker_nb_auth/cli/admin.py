"""``looker-nb-auth register``: register or update the OAuth client app in Looker (an admin's job).

The admin's API3 credentials come from looker_sdk's usual places: ``looker.ini`` (``client_id``,
``client_secret``, ``base_url``, ``verify_ssl``, ``timeout``) and ``LOOKERSDK_*`` environment
variables, which win over the file; ``--base-url`` wins over both. looker_sdk is imported lazily.
Nothing here prints or returns the client secret or a token.
"""

from __future__ import annotations

import configparser
import contextlib
import os
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO, TypeVar
from urllib.parse import urlsplit, urlunsplit

from .._errors import LookerAuthError
from .._protocol import CALLBACK_PATH
from .._settings import ENVIRONMENT

if TYPE_CHECKING:
    from looker_sdk.sdk.api40.methods import Looker40SDK
    from looker_sdk.sdk.api40.models import OauthClientApp

__all__ = [
    "ADMIN_ID_ENV",
    "ADMIN_SECRET_ENV",
    "AdminApi",
    "AdminError",
    "MissingCredentials",
    "api_url",
    "connect_admin",
    "http_url",
    "hub_redirect_uri",
    "register",
    "registered_redirect_uris",
]

#: The admin's API3 client id and secret, as looker_sdk reads them.
ADMIN_ID_ENV = "LOOKERSDK_CLIENT_ID"
ADMIN_SECRET_ENV = "LOOKERSDK_CLIENT_SECRET"
INSTALL_SDK = "pip install 'looker-nb-auth[sdk]'"
_DEFAULT_INI = "looker.ini"
_DEFAULT_SECTION = "Looker"
_API_EXAMPLE = "https://mycompany.cloud.looker.com"
_ENV_KEYS = {
    "base_url": "LOOKERSDK_BASE_URL",
    "verify_ssl": "LOOKERSDK_VERIFY_SSL",
    "timeout": "LOOKERSDK_TIMEOUT",
    "client_id": ADMIN_ID_ENV,
    "client_secret": ADMIN_SECRET_ENV,
}

_T = TypeVar("_T")


class AdminError(LookerAuthError):
    """One sentence for the admin; ``exit_code`` 2 for a usage problem, 1 for anything else."""

    def __init__(self, message: str, *, exit_code: int = 1, status_code: int | None = None) -> None:
        super().__init__(message, status_code=status_code)
        self.exit_code = exit_code


class MissingCredentials(AdminError):
    """No admin API3 client id and secret were found."""


# -- URLs -------------------------------------------------------------------------------------


def http_url(what: str, value: str, example: str = "https://hub.example.com") -> str:
    """``value`` if it is an http(s) URL with a host and no fragment; else a usage AdminError."""
    try:
        parts = urlsplit(value.strip())
        has_host = bool(parts.hostname)
    except ValueError:
        has_host = False
        parts = urlsplit("")
    if parts.scheme not in ("http", "https") or not has_host or parts.fragment:
        raise AdminError(
            f"{what} {value!r} is not an http(s) URL with a host; pass a URL such as {example}.",
            exit_code=2,
        )
    return value.strip()


def api_url(value: str) -> str:
    """A Looker API URL (``--base-url``): http(s), a host, no ``/api/4.0``; no trailing slash."""
    value = http_url("The Looker API URL", value, _API_EXAMPLE).rstrip("/")
    if urlsplit(value).path.startswith("/api"):
        raise AdminError(
            f"The Looker API URL {value!r} ends in /api...; pass the API host alone, such as "
            f"{_API_EXAMPLE}.",
            exit_code=2,
        )
    return value


def hub_redirect_uri(hub_url: str) -> str:
    """The one redirect URI for a whole JupyterHub: ``{hub}/hub/user-redirect/{callback}``.

    ``hub_url`` is the hub's public URL, with or without its base URL prefix (``/jhub/``) and
    with or without a trailing ``/hub``; the result has exactly one slash between its parts.
    Raises ``ValueError`` for anything but an http(s) URL with a host and no query or fragment.
    """
    try:
        parts = urlsplit(hub_url.strip())
        host = parts.hostname
    except ValueError:
        host = None
        parts = urlsplit("")
    if parts.scheme not in ("http", "https") or not host:
        raise ValueError(
            f"The hub URL {hub_url!r} is not an http(s) URL with a host; pass the address users "
            "open JupyterHub at, such as https://hub.example.com."
        )
    if parts.query or parts.fragment:
        raise ValueError(
            f"The hub URL {hub_url!r} has a query or fragment; pass the hub's address without it."
        )
    segments = [s for s in parts.path.split("/") if s]
    if segments[-1:] == ["hub"]:
        segments.pop()
    path = "/" + "/".join([*segments, "hub", "user-redirect", CALLBACK_PATH])
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


# -- the admin's looker_sdk -------------------------------------------------------------------


@dataclass
class _Failure:
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


def _pick_section(path: str, section: str | None) -> str | None:
    """The ini section to read: the one asked for, else [Looker], else the first (looker_sdk)."""
    if section is not None or not os.path.isfile(path):
        return section
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error:
        raise AdminError(
            f"{path} is not a valid ini file; fix its syntax or pass --ini with another file.",
            exit_code=2,
        ) from None
    sections = parser.sections()
    if _DEFAULT_SECTION in sections:
        return _DEFAULT_SECTION
    if not sections:
        raise AdminError(
            f"{path} has no section; add a [{_DEFAULT_SECTION}] section or pass another --ini.",
            exit_code=2,
        )
    return sections[0]


@dataclass
class AdminApi:
    """An admin's API3 session on Looker; ``close()`` logs it out."""

    base_url: str
    sdk: Looker40SDK
    _last_failure: Callable[[], _Failure | None]
    _sdk_error: type[Exception]
    _close_transport: Callable[[], None]
    _closed: bool = field(default=False)

    def _call(self, doing: str, call: Callable[[], _T]) -> _T:
        try:
            return call()
        except self._sdk_error as exc:
            raise self._explain(doing, exc) from None

    def _explain(self, doing: str, exc: Exception) -> AdminError:
        failure = self._last_failure()
        base = self.base_url
        if failure is None or failure.status is None:
            reason = failure.reason if failure is not None else "no connection"
            return AdminError(
                f"Could not reach Looker at {base} ({reason}); check the Looker API URL "
                "(--base-url, LOOKERSDK_BASE_URL or base_url in looker.ini) and that this machine "
                "can reach it."
            )
        status = failure.status
        if failure.path.rstrip("/").endswith("/login") and status in (400, 401, 403, 404):
            return AdminError(
                f"Looker at {base} refused the admin API3 credentials (HTTP {status}); check "
                f"{ADMIN_ID_ENV} and {ADMIN_SECRET_ENV} (or client_id and client_secret in "
                "looker.ini) against the API keys of a Looker admin.",
                status_code=status,
            )
        if status == 401:
            return AdminError(
                f"Looker at {base} did not accept the admin session while {doing} (HTTP 401); "
                "check the admin API3 credentials and try again.",
                status_code=status,
            )
        if status == 403:
            return AdminError(
                f"The Looker user of these API3 credentials may not manage OAuth apps on {base} "
                "(HTTP 403); use the API3 keys of a Looker admin.",
                status_code=status,
            )
        if status >= 500:
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
            failure = self._last_failure()
            if (
                failure is not None
                and failure.status == 404
                and "/oauth_client_apps/" in (failure.path)
            ):
                return None
            raise self._explain(f"reading the OAuth app {client_guid}", exc) from None

    def register_app(self, client_guid: str, **fields: Any) -> OauthClientApp:
        from looker_sdk.sdk.api40 import models as models40

        body = models40.WriteOauthClientApp(**fields)
        return self._call(
            f"registering the OAuth app {client_guid}",
            lambda: self.sdk.register_oauth_client_app(client_guid, body),
        )

    def update_app(self, client_guid: str, **fields: Any) -> OauthClientApp:
        from looker_sdk.sdk.api40 import models as models40

        body = models40.WriteOauthClientApp(**fields)
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
        self._close_transport()


def connect_admin(
    *,
    base_url: str | None = None,
    ini: str | None = None,
    section: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> AdminApi:
    """An admin's looker_sdk session (logged in lazily, on the first call).

    ``base_url`` wins over ``LOOKERSDK_BASE_URL``, which wins over looker.ini. Raises
    ``AdminError`` (exit code 2 without looker_sdk or for a bad ini path) and
    ``MissingCredentials`` when no client id and secret were found.
    """
    env = os.environ if environ is None else environ
    try:
        from looker_sdk.error import SDKError
        from looker_sdk.rtl import api_settings, auth_session, requests_transport, serialize
        from looker_sdk.rtl import transport as sdk_transport
        from looker_sdk.sdk import constants
        from looker_sdk.sdk.api40.methods import Looker40SDK
    except ImportError:
        raise AdminError(
            f"Talking to the Looker admin API needs the official Looker SDK; run {INSTALL_SDK}.",
            exit_code=2,
        ) from None

    path = ini if ini is not None else _DEFAULT_INI
    if ini is not None and not os.path.isfile(ini):
        raise AdminError(
            f"The config file {ini} does not exist; fix the --ini path or leave it out.",
            exit_code=2,
        )
    chosen = _pick_section(path, section)
    explicit_base = base_url.rstrip("/") if base_url else None

    class AdminSettings(api_settings.ApiSettings):
        """looker_sdk's settings, with the environment taken from ``env`` and ``--base-url``
        on top (looker_sdk's documented way: override ``read_config``)."""

        def read_config(self) -> api_settings.SettingsConfig:
            config = super().read_config()  # the ini file only: env_prefix is None
            for key, name in _ENV_KEYS.items():
                value = env.get(name, "").strip().strip("\"'")
                if value:
                    config[key] = value  # type: ignore[literal-required]
            if explicit_base:
                config["base_url"] = explicit_base
            if config.get("base_url"):
                config["base_url"] = config["base_url"].rstrip("/")
            return config

    try:
        settings = AdminSettings(
            filename=path, section=chosen, sdk_version=constants.sdk_version, env_prefix=None
        )
    except configparser.NoSectionError:
        raise AdminError(
            f"{path} has no [{chosen}] section; add one or pass --section with an existing one.",
            exit_code=2,
        ) from None
    except configparser.Error:
        raise AdminError(
            f"{path} is not a valid ini file; fix its syntax or pass --ini with another file.",
            exit_code=2,
        ) from None
    except (TypeError, ValueError):
        raise AdminError(
            "verify_ssl or timeout in looker.ini or LOOKERSDK_* is not valid; set verify_ssl to "
            "true or false and timeout to a whole number of seconds.",
            exit_code=2,
        ) from None
    if not settings.base_url:
        raise AdminError(
            "No Looker API URL is set; pass --base-url, set LOOKERSDK_BASE_URL, or put base_url "
            f"in the [{chosen or _DEFAULT_SECTION}] section of looker.ini.",
            exit_code=2,
        )
    api_url(settings.base_url)
    config = settings.read_config()
    if not (config.get("client_id") and config.get("client_secret")):
        raise MissingCredentials(
            f"No Looker admin API3 credentials were found; set {ADMIN_ID_ENV} and "
            f"{ADMIN_SECRET_ENV}, or put client_id and client_secret in the "
            f"[{chosen or _DEFAULT_SECTION}] section of {path}."
        )

    class Transport(requests_transport.RequestsTransport):
        """looker_sdk's requests transport, remembering the status of the last failure."""

        failure: _Failure | None = None
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
                self.failure = _Failure(urlsplit(path).path, self._status, reason)
            return response

    transport = Transport.configure(settings)
    assert isinstance(transport, Transport)
    auth = auth_session.AuthSession(settings, transport, serialize.deserialize40, "4.0")
    sdk = Looker40SDK(auth, serialize.deserialize40, serialize.serialize40, transport, "4.0")
    return AdminApi(
        base_url=settings.base_url,
        sdk=sdk,
        _last_failure=lambda: transport.failure,
        _sdk_error=SDKError,
        _close_transport=transport.session.close,
    )


def registered_redirect_uris(app: OauthClientApp) -> list[str]:
    """The app's redirect URIs: ``redirect_uris`` on newer Looker, else ``redirect_uri``."""
    if app.redirect_uris:
        return [str(uri) for uri in app.redirect_uris]
    return [app.redirect_uri] if app.redirect_uri else []


# -- register ---------------------------------------------------------------------------------


def register(
    *,
    client_guid: str,
    redirect_uri: str,
    display_name: str,
    description: str,
    base_url: str | None = None,
    ini: str | None = None,
    section: str | None = None,
    environ: Mapping[str, str] | None = None,
    out: TextIO,
) -> None:
    """Register the app, or update the fields that differ; print what was done and the
    settings users' servers need. Raises ``AdminError``."""
    if not client_guid.strip() or re.search(r"\s|/", client_guid):
        raise AdminError(
            f"The client guid {client_guid!r} is empty or has spaces or slashes; pass a simple "
            "name such as jupyter-notebooks.",
            exit_code=2,
        )
    if not display_name.strip():
        raise AdminError("The display name is empty; pass --display-name NAME.", exit_code=2)
    if base_url is not None:
        base_url = api_url(base_url)
    redirect_uri = http_url("The redirect URI", redirect_uri)
    api = connect_admin(base_url=base_url, ini=ini, section=section, environ=environ)
    try:
        where = f"{client_guid} on {api.base_url}"
        app = api.get_app(client_guid)
        wanted: dict[str, Any] = {
            "redirect_uri": redirect_uri,
            "display_name": display_name,
            "description": description,
            "enabled": True,
        }
        if app is None:
            api.register_app(client_guid, **wanted)
            print(f"Registered OAuth app {where} with redirect URI {redirect_uri}.", file=out)
        else:
            current: dict[str, Any] = {
                "redirect_uri": registered_redirect_uris(app),
                "display_name": app.display_name or "",
                "description": app.description or "",
                "enabled": app.enabled,
            }
            changes: dict[str, Any] = {}
            shown: list[str] = []
            for name, value in wanted.items():
                old = current[name]
                same = old == [value] if name == "redirect_uri" else old == value
                if same:
                    continue
                changes[name] = value
                if name == "redirect_uri":
                    old = old[0] if len(old) == 1 else (", ".join(old) or "")
                shown.append(f"{name} {old!r} -> {value!r}")
            if changes:
                api.update_app(client_guid, **changes)
                print(f"Updated OAuth app {where}: {', '.join(shown)}.", file=out)
            else:
                print(
                    f"OAuth app {where} is already registered with these settings; nothing "
                    "changed.",
                    file=out,
                )
        print(
            "Give every user's Jupyter server these settings (for example in "
            "c.Spawner.environment in jupyterhub_config.py):",
            file=out,
        )
        for name, value in (
            ("base_url", api.base_url),
            ("client_guid", client_guid),
            ("redirect_uri", redirect_uri),
        ):
            print(f"{ENVIRONMENT[name]}={shlex.quote(value)}", file=out)
    finally:
        api.close()
