"""The OAuth ``state``: made, tagged with a JupyterHub server name, read back, checked. Once.

A state is 43 URL-safe random characters (256 bits); the random part may be 32-128 characters
long, so a state some other version of this package made still reads. A kernel on a JupyterHub
named server appends ``.`` and the server's name (base64url), so the hub (or the default server)
can send Looker's answer to the server that asked (``looker_nb_auth/jupyterhub.py``,
``server/handlers.py``). The name is not a secret: it is in the server's URL.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets

__all__ = [
    "MAX_SERVER_NAME_BYTES",
    "is_valid_state",
    "new_state",
    "state_server_name",
    "with_server_name",
]

#: The longest JupyterHub server name a state can carry, in UTF-8 bytes.
MAX_SERVER_NAME_BYTES = 128
#: 32-128 URL-safe characters, then optionally ``.`` and a JupyterHub server name (base64url).
_STATE = re.compile(r"[A-Za-z0-9_-]{32,128}(?:\.([A-Za-z0-9_-]{2,172}))?")


def new_state(server_name: str = "") -> str:
    """An unguessable, single-use ``state``: 256 random bits as 43 URL-safe characters, naming
    the JupyterHub server ``server_name`` (``""``: the default server, no name)."""
    return with_server_name(secrets.token_urlsafe(32), server_name)


def with_server_name(state: str, server_name: str) -> str:
    """``state`` for a kernel on the JupyterHub server ``server_name`` (``""``: the default).

    Raises ``ValueError`` for a name longer than ``MAX_SERVER_NAME_BYTES``."""
    name = server_name.encode("utf-8")
    if not name:
        return state
    if len(name) > MAX_SERVER_NAME_BYTES:
        raise ValueError(f"A server name longer than {MAX_SERVER_NAME_BYTES} bytes.")
    return f"{state}.{base64.urlsafe_b64encode(name).rstrip(b'=').decode('ascii')}"


def state_server_name(state: str) -> str | None:
    """The JupyterHub server name a state names (``""``: the default server); ``None`` if
    ``state`` is not one of ours."""
    match = _STATE.fullmatch(state)
    if match is None:
        return None
    encoded = match.group(1)
    if encoded is None:
        return ""
    try:
        name = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    return name or None


def is_valid_state(value: object) -> bool:
    """A state as this package makes them (the random part 32-128 characters)."""
    return isinstance(value, str) and state_server_name(value) is not None
