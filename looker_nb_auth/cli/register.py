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

from .._errors import AdminUsageError
from .._settings import ENVIRONMENT
from .admin import checked_url, connect_admin, registered_redirect_uris

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


def _differences(app: OauthClientApp, wanted: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """The fields of ``wanted`` the registered ``app`` differs in, and them in words."""
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
    return changes, ", ".join(shown)


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
    settings users' servers need. Raises ``AdminError`` and ``SdkNotInstalled``."""
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
            "redirect_uri": redirect_uri,
            "display_name": display_name,
            "description": description,
            "enabled": True,
        }
        if app is None:
            api.register_app(client_guid, **wanted)
            print(f"Registered OAuth app {where} with redirect URI {redirect_uri}.", file=out)
        else:
            changes, shown = _differences(app, wanted)
            if changes:
                api.update_app(client_guid, **changes)
                print(f"Updated OAuth app {where}: {shown}.", file=out)
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
