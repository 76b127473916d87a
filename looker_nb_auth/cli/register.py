"""``looker-nb-auth register``: register or update the OAuth client app in Looker (an admin's job).

With a Looker admin's API3 session (``cli/admin.py``): create the app, or change the fields
that differ, and print the settings every user's Jupyter server needs. Nothing here prints the
client secret or a token.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TextIO

from .._errors import AdminError, AdminUsageError
from .._settings import ENVIRONMENT
from .admin import (
    AdminApi,
    checked_url,
    connect_admin,
    lists_redirect_uris,
    registered_redirect_uris,
)

if TYPE_CHECKING:
    from looker_sdk.sdk.api40.models import OauthClientApp

__all__ = ["register"]


def _check_names(client_guid: str, display_name: str) -> None:
    if not client_guid.strip() or re.search(r"\s|/", client_guid):
        raise AdminUsageError(
            f"The client guid {client_guid!r} is empty or has spaces or slashes; pass a simple "
            "name such as jupyter-notebooks."
        )
    if not display_name.strip():
        raise AdminUsageError("The display name is empty; pass --display-name NAME.")


def _differences(
    app: OauthClientApp, wanted: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """The fields of ``wanted`` (not the redirect URIs) the registered ``app`` differs in, and
    them in words."""
    current = {
        "display_name": app.display_name or "",
        "description": app.description or "",
        "enabled": app.enabled,
    }
    changes = {name: value for name, value in wanted.items() if current[name] != value}
    return changes, [f"{name} {current[name]!r} -> {value!r}" for name, value in changes.items()]


def _redirect_change(
    app: OauthClientApp, redirect_uri: str, *, replace: bool
) -> tuple[list[str] | None, str]:
    """The redirect URIs to send (None: no change) and how they change: ``"replaced"``,
    ``"added"`` or ``"set"``.

    Looker 26.18+ keeps a list: ours is added to it (``replace``: it becomes the only one).
    Before that (or with an older looker-sdk) an app has one URI, which only ``replace`` may
    change: another app's users would lose their logins."""
    registered = registered_redirect_uris(app)
    if registered == [redirect_uri] or (redirect_uri in registered and not replace):
        return None, ""
    if replace:
        return [redirect_uri], "replaced"
    if lists_redirect_uris(app):
        return [*registered, redirect_uri], "added"
    if not registered:
        return [redirect_uri], "set"
    raise AdminUsageError(
        f"OAuth app {app.client_guid} is registered with redirect URI {', '.join(registered)}, "
        "and this Looker (or looker-sdk before 26.18) keeps one redirect URI per app; pass "
        "--replace to replace it (logins through the old one stop working), or register "
        "another --client-guid."
    )


def _redirect_words(how: str, before: list[str], kept: list[str], redirect_uri: str) -> str:
    """The redirect URI change in words, from what Looker kept (read back)."""
    if how == "replaced":
        return f"redirect URIs {', '.join(before)} -> {redirect_uri} (replaced)"
    if how == "added":
        return f"added redirect URI {redirect_uri} (now {', '.join(kept)})"
    return f"redirect URI (none) -> {redirect_uri}"


def _them(uris: list[str]) -> str:
    return "it" if len(uris) == 1 else "them"


def _read_back(api: AdminApi, client_guid: str, redirect_uri: str, wanted: list[str]) -> list[str]:
    """The app's redirect URIs as Looker kept them, read back after a write: ``redirect_uri``
    and the rest of ``wanted`` must be among them. How Looker combines a ``redirect_uri`` and
    ``redirect_uris`` is undocumented, so only the app Looker answers tells; else an
    ``AdminError`` says what Looker kept and what to do."""
    where = f"{client_guid} on {api.base_url}"
    app = api.get_app(client_guid)
    if app is None:
        raise AdminError(
            f"Looker has no OAuth app {where} when it is read back after writing it; check the "
            "apps in Looker's API Explorer (all_oauth_client_apps) and run this command again."
        )
    kept = registered_redirect_uris(app)
    dropped = [uri for uri in wanted if uri != redirect_uri and uri not in kept]
    if redirect_uri in kept and not dropped:
        return kept
    now = ", ".join(kept) or "no redirect URI"
    lost = ", ".join(dropped)
    if redirect_uri in kept:
        raise AdminError(
            f"Looker kept redirect URI {redirect_uri} for OAuth app {where} but dropped {lost} "
            f"(it now keeps {now}); logins through {_them(dropped)} stop working, so add "
            f"{_them(dropped)} back in Looker's API Explorer (update_oauth_client_app)."
        )
    if dropped:
        now += f", and dropped {lost} (logins through {_them(dropped)} stop working now)"
    if len(kept) <= 1 and len(wanted) > 1:
        advice = (
            f"this Looker seems to keep one redirect URI per app, so register {redirect_uri} "
            "under another --client-guid, or pass --replace to make it the only one"
        )
    else:
        advice = (
            "check the app in Looker's API Explorer (oauth_client_app) and run this command again"
        )
    raise AdminError(
        f"Looker did not keep redirect URI {redirect_uri} for OAuth app {where}: it kept "
        f"{now}; {advice}."
    )


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
    replace: bool = False,
    out: TextIO,
) -> None:
    """Register the app, or update the fields that differ; print what was done and the
    settings users' servers need. The redirect URI is added to the app's list (``replace``:
    it replaces them). Raises ``AdminError`` and ``SdkNotInstalled``."""
    _check_names(client_guid, display_name)
    if base_url is not None:
        base_url = checked_url("The Looker API URL", base_url.strip(), "--base-url", kind="api")
    redirect_uri = checked_url(
        "The redirect URI", redirect_uri.strip(), "--redirect-uri", kind="redirect"
    )
    api = connect_admin(base_url=base_url, ini=ini, section=section, environ=environ)
    try:
        where = f"{client_guid} on {api.base_url}"
        app = api.get_app(client_guid)
        wanted: dict[str, Any] = {
            "display_name": display_name,
            "description": description,
            "enabled": True,
        }
        if app is None:
            api.register_app(client_guid, redirect_uris=[redirect_uri], **wanted)
            _read_back(api, client_guid, redirect_uri, [redirect_uri])
            print(f"Registered OAuth app {where} with redirect URI {redirect_uri}.", file=out)
        else:
            before = registered_redirect_uris(app)
            changes, shown = _differences(app, wanted)
            uris, how = _redirect_change(app, redirect_uri, replace=replace)
            if uris is not None:
                changes["redirect_uris"] = uris
            if changes:
                api.update_app(client_guid, **changes)
                kept = _read_back(api, client_guid, redirect_uri, uris or before)
                if uris is not None:
                    shown.insert(0, _redirect_words(how, before, kept, redirect_uri))
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
