"""Step 1 of the login: the authorize URL, with the PKCE verifier and ``state`` it commits to."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from .._secret import Secret
from .pkce import code_challenge, new_code_verifier
from .state import new_state

__all__ = ["AuthorizationRequest", "authorize_url"]


def authorize_url(
    looker_url: str, *, client_guid: str, redirect_uri: str, state: str, challenge: str
) -> str:
    """``{looker_url}/auth?...``: Looker's authorization endpoint lives on the UI host."""
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_guid,
            "redirect_uri": redirect_uri,
            "scope": "cors_api",
            "state": state,
            "code_challenge_method": "S256",
            "code_challenge": challenge,
        }
    )
    return f"{looker_url.rstrip('/')}/auth?{query}"


@dataclass(frozen=True)
class AuthorizationRequest:
    """One pending login: the URL to open, and the ``state`` the callback must carry back.

    The PKCE verifier stays in this object (and this process); ``repr`` does not show it.
    """

    url: str = field(repr=False)
    state: str = field(repr=False)
    code_verifier: Secret = field(repr=False)
    created_at: float = field(default_factory=time.monotonic)

    @classmethod
    def new(
        cls,
        looker_url: str,
        *,
        client_guid: str,
        redirect_uri: str,
        state: str | None = None,
    ) -> AuthorizationRequest:
        """A fresh verifier, and ``state`` (default: a fresh random one)."""
        verifier, state = new_code_verifier(), state or new_state()
        url = authorize_url(
            looker_url,
            client_guid=client_guid,
            redirect_uri=redirect_uri,
            state=state,
            challenge=code_challenge(verifier),
        )
        return cls(url=url, state=state, code_verifier=verifier)
