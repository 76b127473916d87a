"""``looker-nb-auth doctor``, the checks that ask Looker: ``/versions``, the clock, the app.

``check_looker`` and ``check_clock`` read one ``GET {base_url}/versions`` (``oauth/versions.py``);
``check_app`` compares the OAuth app registered in Looker with these settings, with a Looker
admin's API3 credentials (``cli/admin.py``) when there are any.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from .._answers import Kind
from .._errors import AdminError, MissingCredentials, SdkNotInstalled
from .._settings import Settings
from ..oauth.versions import LookerVersions
from .admin import ADMIN_ID_ENV, ADMIN_SECRET_ENV, connect_admin, registered_redirect_uris
from .check import Check

__all__ = [
    "SKEW_FAIL",
    "SKEW_WARN",
    "check_app",
    "check_clock",
    "check_looker",
    "clock_skew",
    "describe_uri_difference",
]

SKEW_WARN = 30.0
SKEW_FAIL = 300.0


# -- Looker's /versions -------------------------------------------------------------------------


def check_looker(settings: Settings, versions: LookerVersions) -> Check:
    """Looker answers ``/versions`` with API 4.0 and a ``web_server_url``."""
    name = "looker"
    base = settings.base_url
    reach = "Check base_url and that this machine can reach Looker (network, VPN, proxy, firewall)."
    if not versions.reachable:
        return Check(name, "FAIL", f"could not reach Looker at {base} ({versions.error})", reach)
    status = versions.status_code
    if Kind.of(status) is Kind.SERVER_ERROR:
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


# -- clock skew ---------------------------------------------------------------------------------


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


# -- the registered app -------------------------------------------------------------------------


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
        api = connect_admin(base_url=settings.base_url, ini=ini, section=section, environ=environ)
    except SdkNotInstalled as exc:
        return Check(name, "skip", "the official Looker SDK is not installed", str(exc))
    except MissingCredentials:
        return Check(name, "skip", "no admin API3 credentials here", enable_hint)
    except AdminError as exc:
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
        advice = (
            "Looker compares them character for character: fix redirect_uri here, or re-register "
            "the app with looker-nb-auth register --redirect-uri " + ours + "."
        )
        from ._admin_sdk import SDK_LISTS_REDIRECT_URIS  # loaded by connect_admin already

        if not SDK_LISTS_REDIRECT_URIS:
            advice += (
                " (A looker-sdk before 26.18 shows only an app's first redirect URI: with "
                "pip install -U looker-sdk doctor sees them all.)"
            )
        return Check(name, "FAIL", summary, advice)
    if app.enabled is False:
        return Check(
            name,
            "FAIL",
            f"OAuth app {guid} is disabled in Looker, so every login is refused",
            "Enable it in Looker (Admin > OAuth Client Apps) or run looker-nb-auth register again.",
        )
    return Check(name, "ok", f"OAuth app {guid} is registered and enabled with redirect URI {ours}")
