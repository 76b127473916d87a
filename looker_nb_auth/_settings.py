"""Where the connection settings come from, and the one check of each kind of value.

Highest first: explicit arguments, environment variables, a ``looker.ini`` section (looker_sdk's
format), the Jupyter server's ``c.LookerNbAuth`` config (exported to kernels by the server
extension as ``LOOKER_NB_AUTH_DEFAULTS``), then defaults. ``looker_url`` (the UI host serving
``/auth``) may stay unset: it is then read from ``GET {base_url}/versions`` when a login starts.

The name tables (environment variables, required settings, their order) are derived from the
fields of ``Settings``; ``read_ini`` is the one looker.ini reader and ``check_url`` the one URL
check, used by the kernel, the server extension's traits and the command line alike.
"""

from __future__ import annotations

import configparser
import json
import os
from collections.abc import Collection, Mapping
from dataclasses import MISSING, Field, dataclass, field, fields
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, TypedDict
from urllib.parse import SplitResult, urlsplit

from ._errors import ConfigurationError
from ._protocol import DEFAULTS_ENV, DERIVED_KEY

if TYPE_CHECKING:
    from typing_extensions import Unpack  # typing.Unpack from Python 3.11

__all__ = [
    "DEFAULT_INI",
    "DEFAULT_SECTION",
    "ENVIRONMENT",
    "SETTING_NAMES",
    "Caller",
    "IniSection",
    "LoginOptions",
    "SessionOptions",
    "Settings",
    "check_url",
    "read_ini",
    "resolve_settings",
]

DEFAULT_INI = "looker.ini"
#: looker_sdk's default section; a file without one is read from its first section.
DEFAULT_SECTION = "Looker"
_SERVER_SOURCE = "Jupyter server config (c.LookerNbAuth)"
_DERIVED_SOURCE = "this Jupyter server's own URL (c.LookerNbAuth.{name} is not set)"
_API_EXAMPLE = "https://mycompany.cloud.looker.com"
_TRUE = {"yes", "y", "true", "t", "1", "on"}
_FALSE = {"no", "n", "false", "f", "0", "off"}


def _setting(env: str, what: str, default: Any = MISSING) -> Any:
    """A field of ``Settings``: its environment variable and, for required ones, what it is."""
    return field(default=default, metadata={"env": env, "what": what})


@dataclass(frozen=True)
class Settings:
    """Resolved settings; ``sources`` says where each value came from, for diagnostics."""

    base_url: str = _setting("LOOKERSDK_BASE_URL", "Looker API URL")
    client_guid: str = _setting("LOOKERSDK_CLIENT_GUID", "Looker OAuth client guid")
    redirect_uri: str = _setting("LOOKERSDK_REDIRECT_URI", "OAuth redirect URI")
    looker_url: str | None = _setting("LOOKERSDK_LOOKER_URL", "Looker web UI URL", None)
    verify_ssl: bool = _setting("LOOKERSDK_VERIFY_SSL", "TLS verification", True)
    timeout: float = _setting("LOOKERSDK_TIMEOUT", "timeout in seconds", 120.0)
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)

    @property
    def api_url(self) -> str:
        """The versioned API root that ``session.client`` is based on."""
        return f"{self.base_url}/api/4.0/"


class LoginOptions(TypedDict, total=False):
    """The settings ``login()`` takes as keywords, besides ``base_url`` (``None``: not given, so
    the next source decides). One definition: each entry point takes them as ``**options`` and
    shows them in its signature (``_keywords.spelled_out``)."""

    looker_url: str | None
    client_guid: str | None
    redirect_uri: str | None
    verify_ssl: bool | None
    #: A looker.ini file (default ``./looker.ini``) and its section (default ``[Looker]``).
    config_file: str | os.PathLike[str] | None
    section: str | None


class SessionOptions(LoginOptions, total=False):
    """``LookerSession()`` and ``from_cache()`` take the HTTP ``timeout`` too (``login()``'s
    ``timeout`` is how long it waits)."""

    timeout: float | None


_FIELDS: tuple[Field[Any], ...] = tuple(f for f in fields(Settings) if "env" in f.metadata)
#: The settings in their documented order (the first three are required).
SETTING_NAMES: tuple[str, ...] = tuple(f.name for f in _FIELDS)
#: Environment variable for each setting; base_url, verify_ssl and timeout are looker_sdk's own.
ENVIRONMENT: Mapping[str, str] = {f.name: f.metadata["env"] for f in _FIELDS}
_REQUIRED = {f.name: f.metadata["what"] for f in _FIELDS if f.default is MISSING}


# -- looker.ini ---------------------------------------------------------------------------------


class IniSection(NamedTuple):
    """One looker.ini section read: its values, where they came from (``"{path} [{name}]"``,
    empty when no file was read) and the section's name (None when no file was read)."""

    values: dict[str, str]
    source: str
    name: str | None


def read_ini(config_file: str | os.PathLike[str] | None, section: str | None) -> IniSection:
    """The values of one looker.ini section, and where they came from.

    ``config_file`` None: ``./looker.ini`` if it exists (else nothing). ``section`` None:
    ``[Looker]`` when the file has it, else its first section. Quotes around values are
    stripped; an OAuth ``client_id`` doubles as ``client_guid`` (looker_sdk's OAuthSession).
    Raises ``ConfigurationError`` for a named file that is missing, bad syntax or a missing
    section.
    """
    path = os.fspath(config_file) if config_file is not None else DEFAULT_INI
    if not os.path.isfile(path):
        if config_file is not None:
            raise ConfigurationError(
                f"The config file {path} does not exist; fix the path or leave it unset."
            )
        return IniSection({}, "", None)
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError) as exc:
        raise ConfigurationError(
            f"{path} is not a valid ini file ({type(exc).__name__}); fix its syntax."
        ) from None
    sections = parser.sections()
    if not sections and section is None:
        return IniSection({}, "", None)
    name = section or (DEFAULT_SECTION if DEFAULT_SECTION in sections else sections[0])
    if not parser.has_section(name):
        raise ConfigurationError(
            f"{path} has no [{name}] section; add one or pick one of {sections}."
        )
    values = {key: value.strip().strip("\"'") for key, value in parser[name].items()}
    if "client_guid" not in values and "client_id" in values:
        values["client_guid"] = values["client_id"]
    return IniSection({k: v for k, v in values.items() if v}, f"{path} [{name}]", name)


# -- values -------------------------------------------------------------------------------------


UrlKind = Literal["api", "web", "redirect"]


def check_url(name: str, value: str, source: str, *, kind: UrlKind) -> str:
    """The one URL check: an http(s) URL with a host and no fragment.

    ``api`` (base_url): no query, no ``/api/...`` path, trailing slash dropped. ``web`` (the UI
    or a hub's address): no query, trailing slash dropped. ``redirect``: kept byte for byte, as
    Looker compares it exactly with the registered one (trailing slash and query too).
    Raises ``ConfigurationError`` naming the setting, its source and the fix.
    """
    try:
        parts = urlsplit(value)
        if "@" in parts.netloc:  # before any sentence that would repeat the value
            raise ConfigurationError(
                f"{name} from {source} has a user name or password in it "
                f"({_without_userinfo(parts)}); remove it: Looker logs in with OAuth, and the "
                "URL would show it in errors and logs."
            )
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
        if ok:
            parts.port  # noqa: B018  # raises ValueError for a port that is not a number
    except ValueError:
        ok = False
        parts = urlsplit("")
    if kind == "redirect":
        if not ok or parts.fragment:
            raise ConfigurationError(
                f"{name} from {source} is {value!r}, which is not an http(s) URL without a "
                "fragment; set it to the URL registered for the OAuth app in Looker."
            )
        return value
    if not ok:
        raise ConfigurationError(
            f"{name} from {source} is {value!r}, which is not an http(s) URL; set it to a URL "
            f"such as {_API_EXAMPLE}."
        )
    if parts.query or parts.fragment:
        raise ConfigurationError(
            f"{name} from {source} must not have a query or fragment; remove them."
        )
    if kind == "api" and parts.path.rstrip("/").startswith("/api"):
        raise ConfigurationError(
            f"{name} from {source} ends in {parts.path}; set it to the API host alone "
            f"(for example {parts.scheme}://{parts.netloc}), without /api/4.0."
        )
    return value.rstrip("/")


def _without_userinfo(parts: SplitResult) -> str:
    host = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://***@{host}{parts.path}"


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


# -- resolving ----------------------------------------------------------------------------------


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


#: Who asks for the settings, which says how they can pass one: Python code (``login()``,
#: ``LookerSession``) as a keyword, the ``looker-nb-auth`` commands as an option, ``doctor`` not at
#: all (it checks what a login would find).
Caller = Literal["python", "command line", "doctor"]


def _passing(missing: list[str], caller: Caller) -> str:
    if caller == "doctor":
        return ""
    if caller == "command line":
        return f"pass {_and(['--' + name.replace('_', '-') for name in missing])}, "
    return f"pass {_and([f'{name}=' for name in missing])} to login(), "


def _missing_sentence(missing: list[str], caller: Caller) -> str:
    """One sentence naming every missing setting and every place it may go."""
    what = _and([f"the {_REQUIRED[name]} ({name})" for name in missing])
    it = "it" if len(missing) == 1 else "them"
    return (
        f"{what[0].upper()}{what[1:]} {'is' if len(missing) == 1 else 'are'} not set: "
        f"{_passing(missing, caller)}set "
        f"{_and([ENVIRONMENT[name] for name in missing])}, add {it} to looker.ini, or ask your "
        f"Jupyter admin to set {_and([f'c.LookerNbAuth.{name}' for name in missing])}."
    )


def server_defaults(environ: Mapping[str, str]) -> dict[str, str]:
    """The Jupyter server's ``c.LookerNbAuth`` settings its extension exported to this kernel."""
    text = environ.get(DEFAULTS_ENV)
    if not text:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str) and v}


def resolve_settings(
    *,
    base_url: str | None = None,
    environ: Mapping[str, str] | None = None,
    caller: Caller = "python",
    required: Collection[str] | None = None,
    **options: Unpack[SessionOptions],
) -> Settings:
    """Resolve every setting, highest source first, and check the required ones.

    ``base_url`` and ``options``: the settings a caller gave (``None`` means not given), and
    where its looker.ini is. ``required``: the settings this caller needs, of the three (all,
    by default); one it does not need and nothing gives is "" (a kernel on a JupyterHub with
    the hub service needs none: the service logs in, and says which Looker). Raises
    ``ConfigurationError`` with one sentence naming the setting and where to put it (the
    ``caller``'s way to pass it first).
    """
    unknown = sorted(set(options) - SessionOptions.__optional_keys__)
    if unknown:
        known = ", ".join(["base_url", *SessionOptions.__annotations__])
        raise TypeError(f"unexpected keyword arguments {unknown}; the settings are {known}")
    config_file = options.get("config_file")
    section = options.get("section")
    explicit: dict[str, object] = {"base_url": base_url, **options}
    env = os.environ if environ is None else environ
    ini, ini_source, _ = read_ini(config_file, section)
    server = server_defaults(env)
    derived = set(server.pop(DERIVED_KEY, "").split(","))
    raw: dict[str, object] = {}
    sources: dict[str, str] = {}
    for setting in _FIELDS:
        name, env_name = setting.name, ENVIRONMENT[setting.name]
        if explicit.get(name) is not None:
            raw[name], sources[name] = explicit[name], "argument"
        elif env.get(env_name):
            raw[name], sources[name] = env[env_name], f"environment ({env_name})"
        elif name in ini:
            raw[name], sources[name] = ini[name], ini_source
        elif server.get(name):
            where = _DERIVED_SOURCE.format(name=name) if name in derived else _SERVER_SOURCE
            raw[name], sources[name] = server[name], where
        elif setting.default is not MISSING and setting.default is not None:
            raw[name], sources[name] = setting.default, "default"
    needed = _REQUIRED if required is None else [name for name in _REQUIRED if name in required]
    missing = [name for name in needed if not raw.get(name)]
    if missing:
        raise ConfigurationError(_missing_sentence(missing, caller))

    def url(name: str, kind: UrlKind) -> str:
        return check_url(name, str(raw[name]), sources[name], kind=kind) if raw.get(name) else ""

    return Settings(
        base_url=url("base_url", "api"),
        client_guid=str(raw.get("client_guid", "")).strip(),
        redirect_uri=url("redirect_uri", "redirect"),
        looker_url=url("looker_url", "web") if raw.get("looker_url") else None,
        verify_ssl=_bool("verify_ssl", raw["verify_ssl"], sources["verify_ssl"]),
        timeout=_positive("timeout", raw["timeout"], sources["timeout"]),
        sources=sources,
    )
