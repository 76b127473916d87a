"""``looker-nb-auth doctor``: check a setup, one plain line per check.

Run it where logins happen: a terminal in JupyterLab or ``!looker-nb-auth doctor`` in a notebook
(both inherit the Jupyter server's environment), or on a laptop. Each check is a function that
returns a ``Check`` (``check.py``): the server extension, the settings and the token cache here;
Looker's ``/versions``, the clock and the registered app in ``doctor_looker.py``. ``run_doctor``
prints them and returns 1 if any failed. Nothing printed carries a secret: not the extension's
secret, not a client secret, not a token.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

import httpx

from .._errors import ConfigurationError, JupyterServerUnreachable, ReceiverUnavailable
from .._protocol import CALLBACK_PATH, SECRET_ENV, SERVER_URL_ENV
from .._settings import SETTING_NAMES, Settings, resolve_settings
from ..client.cache import keyring_usable
from ..client.file_cache import default_cache_path, unsafe_reason
from ..client.loopback import loopback_address
from ..client.pickup import ExtensionClient
from ..oauth.versions import fetch_versions
from .check import Check
from .doctor_looker import check_app, check_clock, check_looker, clock_skew

__all__ = [
    "check_cache",
    "check_extension",
    "check_settings",
    "run_checks",
    "run_doctor",
]

_EXTENSION = "looker_nb_auth"
_VERSIONS_TIMEOUT = 15.0


# -- the server extension -----------------------------------------------------------------------


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
        fallback = _fallback(environ)
        if _under_jupyter(environ):
            return Check(
                name,
                "FAIL",
                "this process runs under a Jupyter server that did not load the looker-nb-auth "
                "extension",
                f"Logins here fall back to {fallback}. Check jupyter server extension list and "
                "the server's log for looker_nb_auth, then restart the Jupyter server.",
            )
        if _extension_enabled_in_config():
            return Check(
                name,
                "warn",
                "not running inside a Jupyter server; the looker-nb-auth extension is enabled "
                "in Jupyter's config",
                f"Logins in this process fall back to {fallback}; run doctor in a JupyterLab "
                "terminal or notebook to check the extension itself.",
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
    except JupyterServerUnreachable:
        return Check(
            name,
            "FAIL",
            f"the Jupyter server at {url} ({SERVER_URL_ENV}) cannot be reached from here",
            "Restart the kernel or open a new terminal so it inherits the running server's "
            "URL, and check that the server is still running.",
        )
    except httpx.HTTPError as exc:  # any other httpx failure: a reply it could not decode
        return Check(
            name,
            "FAIL",
            f"the Jupyter server at {url} could not be asked ({type(exc).__name__})",
            "Restart the kernel or open a new terminal so it inherits the running server's URL.",
        )
    except ReceiverUnavailable as exc:
        if exc.status_code in (401, 403):
            return Check(
                name,
                "FAIL",
                f"the Jupyter server at {url} refused this process's {SECRET_ENV} "
                f"(HTTP {exc.status_code}), so logins cannot pick up Looker's answer",
                "Restart the kernel or open a new terminal so it inherits the secret of the "
                "running server (the server was probably restarted).",
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


def _under_jupyter(environ: Mapping[str, str]) -> bool:
    """A kernel (jupyter_client sets JPY_PARENT_PID) or a Jupyter terminal (JUPYTER_SERVER_URL)."""
    return bool(environ.get("JPY_PARENT_PID") or environ.get("JUPYTER_SERVER_URL"))


def _fallback(environ: Mapping[str, str]) -> str:
    """The rung a login takes here without the extension: the loopback listener or a paste."""
    try:
        redirect_uri = resolve_settings(environ=environ).redirect_uri
    except ConfigurationError:
        return "the loopback listener or a pasted URL, depending on the redirect URI"
    if loopback_address(redirect_uri) is not None:
        return f"this process's own loopback listener on {redirect_uri}"
    return "a pasted URL (the redirect URI is not on loopback)"


# -- settings -----------------------------------------------------------------------------------


def check_settings(
    environ: Mapping[str, str],
    *,
    config_file: str | os.PathLike[str] | None = None,
    section: str | None = None,
) -> tuple[Check, Settings | None]:
    """Resolve the settings as ``login()`` does and say where each one came from."""
    name = "settings"
    try:
        settings = resolve_settings(
            config_file=config_file, section=section, environ=environ, caller="doctor"
        )
    except ConfigurationError as exc:
        return Check(
            name, "FAIL", "the connection settings are incomplete or invalid", str(exc)
        ), None
    details = []
    for key in SETTING_NAMES:
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


# -- token cache --------------------------------------------------------------------------------


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


# -- all together -------------------------------------------------------------------------------


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
    summary = "No check failed" + (f" ({warned} warning(s))" if warned else "")
    skipped = [c for c in checks if c.status == "skip" and c.name == "app"]
    if skipped:  # the client guid and redirect URI are what Looker refuses most often
        summary += f", but the registered OAuth app was not checked ({skipped[0].summary})"
    print(summary + ".", file=stream)
    return 0
