"""PKCE (RFC 7636, S256) and the OAuth ``state``."""

from __future__ import annotations

import base64
import hashlib
import secrets

__all__ = ["code_challenge", "new_code_verifier", "new_state"]


def new_code_verifier() -> str:
    """A fresh verifier: 64 random bytes as base64url, 86 characters.

    Not hex and not 64 characters long, so Looker's legacy hex heuristic never applies.
    """
    return secrets.token_urlsafe(64)


def code_challenge(verifier: str) -> str:
    """``base64url(sha256(verifier))`` without ``=`` padding (the S256 method)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_state() -> str:
    """An unguessable, single-use ``state``: 256 random bits."""
    return secrets.token_urlsafe(32)
