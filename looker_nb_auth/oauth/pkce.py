"""PKCE (RFC 7636, S256) and the OAuth ``state``."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets

__all__ = [
    "code_challenge",
    "is_valid_state",
    "new_code_verifier",
    "new_state",
    "state_server_name",
]

#: 32-128 URL-safe characters, then optionally ``.`` and a JupyterHub server name (base64url).
_STATE = re.compile(r"[A-Za-z0-9_-]{32,128}(?:\.([A-Za-z0-9_-]{2,172}))?")
_MAX_SERVER_NAME_BYTES = 128


def new_code_verifier() -> str:
    """A fresh verifier: 64 random bytes as base64url, 86 characters.

    Not hex and not 64 characters long, so Looker's legacy hex heuristic never applies.
    """
    return secrets.token_urlsafe(64)


def code_challenge(verifier: str) -> str:
    """``base64url(sha256(verifier))`` without ``=`` padding (the S256 method)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_state(server_name: str = "") -> str:
    """An unguessable, single-use ``state``: 256 random bits.

    On a JupyterHub named server, ``.`` and the server's name (base64url) follow, so the hub's
    ``user-redirect`` (``looker_nb_auth.jupyterhub.user_redirect_hook``) can send Looker's
    answer to the server that asked. The name is not a secret: it is in the server's URL.
    """
    state = secrets.token_urlsafe(32)
    name = server_name.encode("utf-8")
    if not name:
        return state
    if len(name) > _MAX_SERVER_NAME_BYTES:
        raise ValueError(f"A server name longer than {_MAX_SERVER_NAME_BYTES} bytes.")
    return f"{state}.{base64.urlsafe_b64encode(name).rstrip(b'=').decode('ascii')}"


def is_valid_state(value: object) -> bool:
    """A state as ``new_state`` makes them (the random part 32-128 characters)."""
    return isinstance(value, str) and state_server_name(value) is not None


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
