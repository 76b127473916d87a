"""The JupyterHub side (optional): send Looker's answer straight to the server that asked.

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
"""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import parse_qs, quote

from .oauth.callback import CALLBACK_PATH, STOPPED_PARAM
from .oauth.pkce import state_server_name

__all__ = ["user_redirect_hook"]


class _Request(Protocol):
    query: str


def _join(base: str, *parts: str) -> str:
    return base.rstrip("/") + "/" + "/".join(p.strip("/") for p in parts if p)


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
