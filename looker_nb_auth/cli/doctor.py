"""``looker-nb-auth doctor``: check a setup, one plain line per check.

Run it where logins happen: a terminal in JupyterLab or ``!looker-nb-auth doctor`` in a notebook
(both inherit the Jupyter server's environment), or on a laptop. Each check is a function that
returns a ``Check``; ``run_doctor`` prints them and returns 1 if any failed. Nothing printed
carries a secret: not the extension's secret, not a client secret, not a token.
"""

from __future__ import annotations

import configparser
import os
import secrets
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Literal, TextIO
from urllib.parse import urlsplit

import httpx

from .._errors import ConfigurationError, LookerAuthError
from .._protocol import CALLBACK_PATH, SECRET_ENV, SERVER_URL_ENV
from .._settings import Settings, resolve_settings
from ..kernel.cache import default_cache_path, keyring_usable, unsafe_reason
from ..kernel.pickup import ExtensionClient
from ..oauth.versions import LookerVersions, fetch_versions
from .admin import (
    ADMIN_ID_ENV,
    ADMIN_SECRET_ENV,
    AdminError,
    MissingCredentials,
    connect_admin,
    registered_redirect_uris,
)

__all__ = [
    "Check",
    "check_app",
    "check_cache",
    "check_clock",
    "check_extension",
    "check_looker",
    "check_settings",
    "clock_skew",
    "describe_uri_difference",
    "run_doctor",
]

Status = Literal["ok", "warn", "skip", "FAIL"]
SKEW_WARN = 30.0
SKEW_FAIL = 300.0
_EXTENSION = "looker_nb_auth"
_VERSIONS_TIMEOUT = 15.0
_SETTING_ORDER = ("base_url", "looker_url", "client_guid", "redirect_uri", "verify_ssl", "timeout")


@dataclass(frozen=True)
class Check:
    """One check's outcome: ``summary`` says what was found, ``advice`` how to fix it (for
    ``FAIL`` and ``warn``), ``details`` are extra lines of information."""

    name: str
    status: Status
    summary: str
    advice: str = ""
    details: tuple[str, ...] = ()

    @property
    def failed(self) -> bool:
        return self.status == "FAIL"


# -- a. the server extension ------------------------------------------------------------------


def _extension_enabled_in_config() -> bool:
    """Whether Jupyter's config enables the extension, as ``jupyter server extension list``
    and ``ServerApp.find_server_extensions`` read it."""
    from jupyter_core.paths import jupyter_config_path
    from jupyter_server.extension.config import ExtensionConfigManager

    manager = ExtensionConfigManager(read_config_path=jupyter_config_path())
    extensions = manager.get_jpserver_extensions()  # type: ignore[no-untyped-call]
    return bool(extensions.get(_EXTENSION, False))


def check_extension(environ: Mapping[str, str]) -> Check:
    """Prove the server extension that exported this environment answers to its secret."""
    name = "extension"
    client = ExtensionClient.from_environment(environ)
    if client is None:
        if _extension_enabled_in_config():
            return Check(
                name,
                "warn",
                "not running inside a Jupyter server; the looker-nb-auth extension is enabled "
                "in Jupyter's config",
                "Logins in this process fall back to a pasted URL; run looker-nb-auth doctor in "
                "a JupyterLab terminal or notebook to check the extension itself.",
            )
        return Check(
            name,
            "FAIL",
            "not running inside a Jupyter server; the looker-nb-auth extension is disabled in "
            "Jupyter's config",
            "Run jupyter server extension enable looker_nb_auth and restart Jupyter.",
        )
    url = client.server_url
    state = secrets.token_urlsafe(32)
    try:
        client.register(state)
    except httpx.HTTPError as exc:
        return Check(
            name,
            "FAIL",
            f"the Jupyter server at {url} could not be asked ({type(exc).__name__})",
            "Restart the kernel or open a new terminal so it inherits the running server's URL.",
        )
    except LookerAuthError as exc:
        if exc.status_code in (401, 403):
            return Check(
                name,
                "FAIL",
                f"the Jupyter server at {url} refused this process's {SECRET_ENV} "
                f"(HTTP {exc.status_code}), so logins cannot pick up Looker's answer",
                "Restart the kernel or open a new terminal so it inherits the secret of the "
                "running server (the server was probably restarted).",
            )
        if exc.status_code is None:
            return Check(
                name,
                "FAIL",
                f"the Jupyter server at {url} ({SERVER_URL_ENV}) cannot be reached from here",
                "Restart the kernel or open a new terminal so it inherits the running server's "
                "URL, and check that the server is still running.",
            )
        return Check(
            name,
            "FAIL",
            f"the looker-nb-auth extension at {url} answered HTTP {exc.status_code} instead of "
            "accepting a test login",
            "Check that the looker_nb_auth server extension is enabled and loaded without "
            "errors (jupyter server extension list, and the server's log), then restart Jupyter.",
        )
    finally:
        try:
            client.forget(state)
        finally:
            client.close()
    return Check(
        name,
        "ok",
        f"the looker-nb-auth server extension at {url} accepted and dropped a test login",
    )


# -- b. settings ------------------------------------------------------------------------------


def check_settings(
    environ: Mapping[str, str],
    *,
    config_file: str | os.PathLike[str] | None = None,
    section: str | None = None,
) -> tuple[Check, Settings | None]:
    """Resolve the settings as ``login()`` does and say where each one came from."""
    name = "settings"
    try:
        settings = resolve_settings(config_file=config_file, section=section, environ=environ)
    except ConfigurationError as exc:
        return Check(
            name, "FAIL", "the connection settings are incomplete or invalid", str(exc)
        ), None
    details = []
    for key in _SETTING_ORDER:
        value = getattr(settings, key)
        if key == "looker_url" and value is None:
            details.append(f"{key:<12} (not set: Looker's web_server_url from /versions)")
            continue
        shown = str(value).lower() if isinstance(value, bool) else str(value)
        details.append(f"{key:<12} {shown}   [{settings.sources.get(key, 'default')}]")
    path = urlsplit(settings.redirect_uri).path
    if ExtensionClient.from_environment(environ) is not None and not path.endswith(
        "/" + CALLBACK_PATH
    ):
        return (
            Check(
                name,
                "warn",
                f"redirect_uri does not end in /{CALLBACK_PATH}, so Looker's answer will not "
                "reach this Jupyter server's extension",
                f"Register and set a redirect URI ending in /{CALLBACK_PATH} (on JupyterHub: "
                f"https://HUB/hub/user-redirect/{CALLBACK_PATH}).",
                tuple(details),
            ),
            settings,
        )
    return Check(name, "ok", "every required setting is set", details=tuple(details)), settings


# -- c. Looker's /versions ----------------------------------------------------------------------


def check_looker(settings: Settings, versions: LookerVersions) -> Check:
    """Looker answers ``/versions`` with API 4.0 and a ``web_server_url``."""
    name = "looker"
    base = settings.base_url
    reach = "Check base_url and that this machine can reach Looker (network, VPN, proxy, firewall)."
    if not versions.reachable:
        return Check(name, "FAIL", f"could not reach Looker at {base} ({versions.error})", reach)
    status = versions.status_code
    if status >= 500:
        return Check(
            name,
            "FAIL",
            f"Looker at {base} answered HTTP {status} to /versions",
            "Looker may be restarting or overloaded; try again in a few minutes or ask your "
            "Looker admin.",
        )
    body = versions.body
    if status != 200 or not isinstance(body, dict):
        return Check(
            name,
            "FAIL",
            f"{base} answered /versions with HTTP {status}"
            + ("" if isinstance(body, dict) else " and no JSON")
            + ", so it is probably not the Looker API URL",
            "Set base_url to the Looker API host, such as https://mycompany.cloud.looker.com or "
            "https://looker.example.com:19999.",
        )
    supported = body.get("supported_versions")
    found = isinstance(supported, list) and any(
        isinstance(v, dict) and str(v.get("version")) == "4.0" for v in supported
    )
    if not found:
        return Check(
            name,
            "FAIL",
            f"Looker at {base} does not list API 4.0 in /versions",
            "Upgrade Looker to a release with API 4.0 or ask your Looker admin.",
        )
    web = versions.web_server_url
    if web is None:
        return Check(
            name,
            "FAIL",
            f"Looker at {base} sends no web_server_url in /versions",
            "Set looker_url (LOOKERSDK_LOOKER_URL) to the address of Looker's login page.",
        )
    release = body.get("looker_release_version") or "(release not reported)"
    if settings.looker_url:
        where = f"login pages at {settings.looker_url} (looker_url)"
    else:
        where = f"looker_url comes from its web_server_url {web}"
    return Check(name, "ok", f"Looker {release} at {base} serves API 4.0; {where}")


# -- d. clock skew ----------------------------------------------------------------------------


def clock_skew(date_header: str, now: float) -> float | None:
    """Seconds Looker's clock (its ``Date`` header) is ahead of ``now`` (negative: behind)."""
    try:
        then = parsedate_to_datetime(date_header)
    except (TypeError, ValueError, IndexError):
        return None
    if then.tzinfo is None:
        return None
    return then.timestamp() - now


def check_clock(skew: float | None) -> Check:
    """ok under 30 s, warn under 300 s, FAIL from 300 s."""
    name = "clock"
    if skew is None:
        return Check(name, "skip", "Looker sent no usable Date header to compare clocks with")
    size = abs(skew)
    side = "behind" if skew > 0 else "ahead of"
    said = f"this machine's clock is {size:.1f} s {side} Looker's"
    fix = (
        "Turn on time synchronisation on this machine (for example sudo timedatectl set-ntp "
        "true); token lifetimes and TLS checks rely on a correct clock."
    )
    if size < SKEW_WARN:
        return Check(name, "ok", f"{said} (fine under {SKEW_WARN:.0f} s; Date has 1 s resolution)")
    if size < SKEW_FAIL:
        return Check(name, "warn", f"{said} ({SKEW_WARN:.0f} s or more)", fix)
    return Check(name, "FAIL", f"{said} ({SKEW_FAIL:.0f} s or more)", fix)


# -- e. the registered app --------------------------------------------------------------------


def describe_uri_difference(registered: str, ours: str) -> str:
    """Which part of two redirect URIs differs, in words (empty when they are equal)."""
    if registered == ours:
        return ""
    a, b = urlsplit(registered), urlsplit(ours)
    parts: list[str] = []
    if a.scheme != b.scheme:
        parts.append(f"the scheme ({a.scheme!r} registered, {b.scheme!r} here)")
    if (a.hostname or "") != (b.hostname or ""):
        parts.append(f"the host ({a.hostname!r} registered, {b.hostname!r} here)")
    elif a.netloc.lower() != b.netloc.lower() or a.port != b.port:
        parts.append(f"the port ({a.port or 'default'} registered, {b.port or 'default'} here)")
    elif a.netloc != b.netloc:
        parts.append(f"the host's spelling ({a.netloc!r} registered, {b.netloc!r} here)")
    if a.path != b.path:
        if a.path.rstrip("/") == b.path.rstrip("/"):
            has = "registered" if a.path.endswith("/") else "here"
            parts.append(f"the trailing slash (only the one {has} has one)")
        else:
            parts.append(f"the path ({a.path!r} registered, {b.path!r} here)")
    if a.query != b.query:
        parts.append(f"the query ({a.query!r} registered, {b.query!r} here)")
    if not parts:
        parts.append("their spelling")
    return " and ".join(parts)


def _first_section(path: str) -> str | None:
    """The section ``resolve_settings`` reads when none is named: the file's first."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, OSError):
        return None
    sections = parser.sections()
    return sections[0] if sections else None


def check_app(
    settings: Settings,
    environ: Mapping[str, str],
    *,
    config_file: str | os.PathLike[str] | None = None,
    section: str | None = None,
) -> Check:
    """With admin API3 credentials, compare the registered app with these settings."""
    name = "app"
    guid, ours = settings.client_guid, settings.redirect_uri
    register_hint = (
        f"As a Looker admin, run looker-nb-auth register --base-url {settings.base_url} "
        f"--client-guid {guid} --redirect-uri {ours} --display-name NAME --description TEXT."
    )
    enable_hint = (
        f"Set {ADMIN_ID_ENV} and {ADMIN_SECRET_ENV} (or client_id and client_secret in looker.ini) "
        "to a Looker admin's API3 keys to compare the registered OAuth app with these settings."
    )
    ini = os.fspath(config_file) if config_file is not None else None
    try:
        api = connect_admin(
            base_url=settings.base_url,
            ini=ini,
            section=section or _first_section(ini or "looker.ini"),
            environ=environ,
        )
    except MissingCredentials:
        return Check(name, "skip", "no admin API3 credentials here", enable_hint)
    except AdminError as exc:
        if exc.exit_code == 2 and "SDK" in str(exc):
            return Check(name, "skip", "the official Looker SDK is not installed", str(exc))
        return Check(name, "warn", "could not check the registered OAuth app", str(exc))
    try:
        app = api.get_app(guid)
    except AdminError as exc:
        return Check(name, "warn", "could not check the registered OAuth app", str(exc))
    finally:
        api.close()
    if app is None:
        return Check(
            name, "FAIL", f"Looker at {settings.base_url} has no OAuth app {guid}", register_hint
        )
    registered = registered_redirect_uris(app)
    if ours not in registered:
        if len(registered) == 1:
            diff = describe_uri_difference(registered[0], ours)
            summary = (
                f"OAuth app {guid} is registered with redirect URI {registered[0]}, which differs "
                f"from this setup's {ours} in {diff}"
            )
        else:
            summary = (
                f"OAuth app {guid} is registered with redirect URIs {', '.join(registered)}, "
                f"none of which is {ours}"
            )
        return Check(
            name,
            "FAIL",
            summary,
            "Looker compares them character for character: fix redirect_uri here, or re-register "
            "the app with looker-nb-auth register --redirect-uri " + ours + ".",
        )
    if app.enabled is False:
        return Check(
            name,
            "FAIL",
            f"OAuth app {guid} is disabled in Looker, so every login is refused",
            "Enable it in Looker (Admin > OAuth Client Apps) or run looker-nb-auth register again.",
        )
    return Check(name, "ok", f"OAuth app {guid} is registered and enabled with redirect URI {ours}")


# -- f. token cache ---------------------------------------------------------------------------


def check_cache(path: Path | None = None) -> Check:
    """The default cache file, if any, is one the cache would trust; and is a keyring usable?"""
    name = "cache"
    path = default_cache_path() if path is None else path
    keyring = (
        "an OS keyring is usable"
        if keyring_usable()
        else "no usable OS keyring (a persistent cache would use the 0600 file)"
    )
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return Check(name, "ok", f"no cache file at {path} (the cache is opt-in); {keyring}")
    except OSError as exc:
        return Check(
            name,
            "FAIL",
            f"the token cache {path} cannot be examined ({exc.strerror})",
            "Fix the permissions of its directory or set LOOKER_NB_AUTH_CACHE_DIR elsewhere.",
        )
    problem = unsafe_reason(st, path)
    if problem is None:
        return Check(name, "ok", f"the cache file {path} is private to you; {keyring}")
    what, _, fix = problem.partition("; ")
    return Check(
        name,
        "FAIL",
        f"the token cache {path} is ignored: {what}",
        (fix[:1].upper() + fix[1:] + ".") if fix else "",
    )


# -- all together ------------------------------------------------------------------------------


@dataclass
class _Report:
    out: TextIO
    checks: list[Check] = field(default_factory=list)

    def add(self, check: Check) -> None:
        self.checks.append(check)
        print(f"{check.status:<4}  {check.name}: {check.summary}", file=self.out)
        for line in check.details:
            print(f"        {line}", file=self.out)
        if check.advice and check.status != "ok":
            print(f"      {check.advice}", file=self.out)
        self.out.flush()


def run_checks(
    environ: Mapping[str, str],
    out: TextIO,
    *,
    config_file: str | os.PathLike[str] | None = None,
    section: str | None = None,
) -> Sequence[Check]:
    """Run every check in order, printing each as it completes."""
    report = _Report(out)
    report.add(check_extension(environ))
    settings_check, settings = check_settings(environ, config_file=config_file, section=section)
    report.add(settings_check)
    if settings is None:
        for name in ("looker", "clock", "app"):
            report.add(Check(name, "skip", "needs the settings above"))
    else:
        versions = fetch_versions(settings, timeout=min(settings.timeout, _VERSIONS_TIMEOUT))
        looker = check_looker(settings, versions)
        report.add(looker)
        if versions.reachable and versions.date:
            report.add(check_clock(clock_skew(versions.date, versions.received_at)))
        else:
            report.add(Check("clock", "skip", "needs an answer from Looker"))
        if looker.failed:
            report.add(Check("app", "skip", "needs Looker to answer"))
        else:
            report.add(check_app(settings, environ, config_file=config_file, section=section))
    report.add(check_cache())
    return report.checks


def run_doctor(
    environ: Mapping[str, str] | None = None,
    out: TextIO | None = None,
    *,
    config_file: str | os.PathLike[str] | None = None,
    section: str | None = None,
) -> int:
    """Print every check; 1 if any failed, else 0."""
    env = os.environ if environ is None else environ
    stream = sys.stdout if out is None else out
    checks = run_checks(env, stream, config_file=config_file, section=section)
    failed = [c.name for c in checks if c.failed]
    if failed:
        print(f"{len(failed)} check(s) failed: {', '.join(failed)}.", file=stream)
        return 1
    warned = sum(c.status == "warn" for c in checks)
    print("No check failed" + (f" ({warned} warning(s))." if warned else "."), file=stream)
    return 0
