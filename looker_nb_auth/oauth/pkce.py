"""PKCE (RFC 7636, S256): the verifier the kernel keeps and the challenge step 1 commits to.

The ``state`` that travels with them is ``oauth/state.py``'s.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

from .._secret import Secret

__all__ = ["code_challenge", "new_code_verifier"]


def new_code_verifier() -> Secret:
    """A fresh verifier: 64 random bytes as base64url, 86 characters (held as a ``Secret``).

    Not hex and not 64 characters long, so Looker's legacy hex heuristic never applies.
    """
    return Secret(secrets.token_urlsafe(64))


def code_challenge(verifier: Secret) -> str:
    """``base64url(sha256(verifier))`` without ``=`` padding (the S256 method)."""
    digest = hashlib.sha256(verifier.reveal().encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
