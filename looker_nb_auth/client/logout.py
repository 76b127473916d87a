"""Logout: revoke the login at Looker (``DELETE /api/logout``) with a live access token."""

from __future__ import annotations

from .._answers import LookerAnswer
from .._errors import LoginRequired, RevokeFailed
from .._settings import Settings
from ..oauth.token import revoke_request
from .refresh import TokenState

__all__ = ["revoke"]


def revoke(tokens: TokenState, settings: Settings) -> None:
    """Revoke the login ``tokens`` hold; a stale access token is renewed first (Looker revokes
    the refresh token with it). ``RevokeFailed`` when Looker answered with an error;
    ``LookerUnreachable`` / ``LookerServerError`` when it could not answer."""
    token = tokens.token
    if token is None:
        return
    access = token.access_token if tokens.is_fresh() else None
    try:
        if access is None:
            access = tokens.access_token(stale=token.access_token)
        response = tokens.endpoint.send(revoke_request(settings, access))
        if response.status_code == 401:  # ended early at Looker: the refresh token may live
            access = tokens.access_token(stale=access)
            response = tokens.endpoint.send(revoke_request(settings, access))
    except LoginRequired:
        return  # Looker refused to renew it: nothing left to revoke
    if response.status_code >= 300:
        said = LookerAnswer.of(response).description
        detail = f"HTTP {response.status_code}" + (f", {said}" if said else "")
        raise RevokeFailed(
            f"Logged out here, but Looker did not revoke the login ({detail}), so it stays "
            "valid at Looker until it expires.",
            description=detail,
            status_code=response.status_code,
        )
