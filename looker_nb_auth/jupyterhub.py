"""JupyterHub: the hub's URL layout, once, and the hub's hook.

In ``jupyterhub_config.py`` (looker-nb-auth installed in the hub's environment too)::

    from looker_nb_auth.jupyterhub import user_redirect_hook
    c.JupyterHub.user_redirect_hook = user_redirect_hook

Without it, logins work on every user's default server: ``/hub/user-redirect/looker-nb-auth/
callback?code=…&state=…`` goes through ``/hub/spawn/NAME?next=…``, whose log line carries the code
URL-encoded in ``next`` (JupyterHub scrubs ``code=`` only as a parameter of its own). With it:

- a running server gets the callback directly (the hub logs only ``code=[secret]``);
- a login started in a named server goes to that server (its state names it);
- a stopped server is spawned without the code, which would be of no use: the kernel that
  held the login's PKCE verifier stopped with the server. The callback page says so.

Other ``user-redirect`` paths keep JupyterHub's behaviour (the hook returns ``None``).

A login's state names the server that started it (``oauth/state.py`` makes and reads it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qs, quote, urlsplit, urlunsplit

from ._protocol import CALLBACK_PATH, STOPPED_PARAM
from .oauth.state import state_server_name

__all__ = ["HubServer", "hub_redirect_uri", "user_redirect_hook"]

# -- the hub's URL layout -------------------------------------------------------------------


def _join(base: str, *parts: str) -> str:
    return base.rstrip("/") + "/" + "/".join(p.strip("/") for p in parts if p)


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


@dataclass(frozen=True)
class HubServer:
    """Which JupyterHub server this is: ``JUPYTERHUB_USER``, ``_SERVER_NAME``, ``_BASE_URL``."""

    user: str
    name: str
    base_url: str

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> HubServer | None:
        user = environ.get("JUPYTERHUB_USER")
        if not user:
            return None
        base_url = environ.get("JUPYTERHUB_BASE_URL") or "/"
        return cls(user, environ.get("JUPYTERHUB_SERVER_NAME", ""), base_url)

    def callback_of(self, server_name: str) -> str:
        """The callback path of this user's server ``server_name``."""
        user = quote(self.user, safe="")
        server = quote(server_name, safe="") if server_name else ""
        return _join(self.base_url, "user", user, server, CALLBACK_PATH)


# -- the hub's hook -------------------------------------------------------------------------


class _Request(Protocol):
    query: str


def user_redirect_hook(path: str, request: _Request, user: Any, base_url: str) -> str | None:
    """``c.JupyterHub.user_redirect_hook`` for ``/hub/user-redirect/looker-nb-auth/callback``."""
    if path.strip("/") != CALLBACK_PATH:
        return None
    states = parse_qs(request.query).get("state", [])
    name = (state_server_name(states[0]) if len(states) == 1 else None) or ""
    if name and name not in user.orm_spawners:
        name = ""  # no such server: the default server's page explains the unknown state
    target = _join(user.server_url(name), CALLBACK_PATH)
    spawner = user.spawners.get(name)  # loaded for every server the hub knows to be running
    if spawner is not None and spawner.ready:
        return f"{target}?{request.query}" if request.query else target
    spawn = _join(base_url, "hub/spawn", quote(user.name, safe=""), quote(name, safe=""))
    return f"{spawn}?next={quote(f'{target}?{STOPPED_PARAM}=1', safe='')}"
