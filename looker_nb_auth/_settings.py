"""Where the connection settings come from.

Highest first: explicit arguments, environment variables, a ``looker.ini`` section (looker_sdk's
format), the Jupyter server's ``c.LookerNbAuth`` config (exported to kernels by the server
extension as ``LOOKER_NB_AUTH_DEFAULTS``), then defaults. ``looker_url`` (the UI host serving
``/auth``) may stay unset: it is then read from ``GET {base_url}/versions`` when a login starts.
"""

from __future__ import annotations

import configparser
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ._errors import ConfigurationError

__all__ = ["ENVIRONMENT", "SERVER_DEFAULTS", "Settings", "resolve_settings"]

#: Set by the server extension in the Jupyter server's environment, so kernels inherit it.
SERVER_DEFAULTS = "LOOKER_NB_AUTH_DEFAULTS"
_SERVER_SOURCE = "Jupyter server config (c.LookerNbAuth)"

#: Environment variable for each setting. The first three are looker_sdk's own.
ENVIRONMENT = {
    "base_url": "LOOKERSDK_BASE_URL",
    "verify_ssl": "LOOKERSDK_VERIFY_SSL",
    "timeout": "LOOKERSDK_TIMEOUT",
    "looker_url": "LOOKERSDK_LOOKER_URL",
    "client_guid": "LOOKERSDK_CLIENT_GUID",
    "redirect_uri": "LOOKERSDK_REDIRECT_URI",
}
_REQUIRED = {
    "base_url": "Looker API URL",
    "client_guid": "Looker OAuth client guid",
    "redirect_uri": "OAuth redirect URI",
}
_DEFAULTS = {"verify_ssl": "true", "timeout": "120"}
_TRUE = {"yes", "y", "true", "t", "1", "on"}
_FALSE = {"no", "n", "false", "f", "0", "off"}


@dataclass(frozen=True)
class Settings:
    """Resolved settings; ``sources`` says where each value came from, for diagnostics."""

    base_url: str
    client_guid: str
    redirect_uri: str
    looker_url: str | None = None
    verify_ssl: bool = True
    timeout: float = 120.0
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)

    @property
    def api_url(self) -> str:
        """The versioned API root that ``session.client`` is based on."""
        return f"{self.base_url}/api/4.0/"


def _read_ini(
    config_file: str | os.PathLike[str] | None, section: str | None
) -> tuple[dict[str, str], str]:
    path = os.fspath(config_file) if config_file is not None else "looker.ini"
    if not os.path.isfile(path):
        if config_file is not None:
            raise ConfigurationError(
                f"The config file {path} does not exist; fix the path or leave config_file unset."
            )
        return {}, ""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error as exc:
        raise ConfigurationError(
            f"{path} is not a valid ini file ({type(exc).__name__}); fix its syntax."
        ) from None
    if not parser.sections():
        return {}, ""
    name = section or parser.sections()[0]
    if not parser.has_section(name):
        raise ConfigurationError(
            f"{path} has no [{name}] section; add one or pick one of {parser.sections()}."
        )
    values = {key: value.strip().strip("\"'") for key, value in parser[name].items()}
    if "client_guid" not in values and "client_id" in values:
        values["client_guid"] = values["client_id"]  # looker_sdk's OAuthSession convention
    return {k: v for k, v in values.items() if v}, f"{path} [{name}]"


def _url(name: str, value: str, source: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(
            f"{name} from {source} is {value!r}, which is not an http(s) URL; set it to a URL "
            "such as https://mycompany.cloud.looker.com."
        )
    if parts.query or parts.fragment:
        raise ConfigurationError(
            f"{name} from {source} must not have a query or fragment; remove them."
        )
    stripped = value.rstrip("/")
    if name == "base_url" and parts.path.rstrip("/").startswith("/api"):
        raise ConfigurationError(
            f"base_url from {source} ends in {parts.path}; set it to the API host alone "
            f"(for example {parts.scheme}://{parts.netloc}), without /api/4.0."
        )
    return stripped


def resolve_settings(
    *,
    base_url: str | None = None,
    looker_url: str | None = None,
    client_guid: str | None = None,
    redirect_uri: str | None = None,
    verify_ssl: bool | None = None,
    timeout: float | None = None,
    config_file: str | os.PathLike[str] | None = None,
    section: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve every setting, highest source first, and check the required ones.

    Raises ``ConfigurationError`` with one sentence naming the setting and where to put it.
    """
    env = os.environ if environ is None else environ
    explicit: dict[str, object | None] = {
        "base_url": base_url,
        "looker_url": looker_url,
        "client_guid": client_guid,
        "redirect_uri": redirect_uri,
        "verify_ssl": verify_ssl,
        "timeout": timeout,
    }
    ini, ini_source = _read_ini(config_file, section)
    server = _server_defaults(env)
    raw: dict[str, object] = {}
    sources: dict[str, str] = {}
    for name in explicit:
        env_name = ENVIRONMENT[name]
        if explicit[name] is not None:
            raw[name], sources[name] = explicit[name], "argument"
        elif env.get(env_name):
            raw[name], sources[name] = env[env_name], f"environment ({env_name})"
        elif name in ini:
            raw[name], sources[name] = ini[name], ini_source
        elif server.get(name):
            raw[name], sources[name] = server[name], _SERVER_SOURCE
        elif name in _DEFAULTS:
            raw[name], sources[name] = _DEFAULTS[name], "default"
    for name, what in _REQUIRED.items():
        if not raw.get(name):
            raise ConfigurationError(
                f"No {what} ({name}) is set: pass {name}= to the login, set {ENVIRONMENT[name]}, "
                "or add it to a section of looker.ini."
            )
    return Settings(
        base_url=_url("base_url", str(raw["base_url"]), sources["base_url"]),
        client_guid=str(raw["client_guid"]).strip(),
        redirect_uri=_redirect_uri(str(raw["redirect_uri"]), sources["redirect_uri"]),
        looker_url=(
            _url("looker_url", str(raw["looker_url"]), sources["looker_url"])
            if raw.get("looker_url")
            else None
        ),
        verify_ssl=_bool("verify_ssl", raw["verify_ssl"], sources["verify_ssl"]),
        timeout=_positive("timeout", raw["timeout"], sources["timeout"]),
        sources=sources,
    )


def _server_defaults(env: Mapping[str, str]) -> dict[str, str]:
    text = env.get(SERVER_DEFAULTS)
    if not text:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str) and v}


def _redirect_uri(value: str, source: str) -> str:
    # Kept byte for byte: Looker compares it exactly with the registered one (trailing slash too).
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.fragment:
        raise ConfigurationError(
            f"redirect_uri from {source} is {value!r}, which is not an http(s) URL without a "
            "fragment; set it to the URL registered for the OAuth app in Looker."
        )
    return value


def _bool(name: str, value: object, source: str) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ConfigurationError(f"{name} from {source} is {value!r}; set it to true or false.")


def _positive(name: str, value: object, source: str) -> float:
    try:
        number = float(str(value))
    except (TypeError, ValueError):
        number = 0.0
    if not number > 0:
        raise ConfigurationError(
            f"{name} from {source} is {value!r}; set it to a number of seconds above 0."
        )
    return number
