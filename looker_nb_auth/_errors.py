"""The exception tree: one base, one class per thing a user can act on.

Every message is one sentence saying what happened and what to do. Messages carry Looker's own
``error`` / ``error_description`` / ``message`` when it sent them, never a token, code or verifier.
"""

from __future__ import annotations

__all__ = [
    "AccessDenied",
    "ConfigurationError",
    "InvalidGrant",
    "LoginCancelled",
    "LoginRequired",
    "LoginTimeout",
    "LookerAuthError",
    "LookerServerError",
    "LookerUnreachable",
    "RedirectUriMismatch",
    "StateMismatch",
]


class LookerAuthError(Exception):
    """Base class of every error raised by looker_nb_auth.

    ``error`` and ``description`` hold the OAuth ``error`` / ``error_description`` (or Looker's API
    ``message``) when Looker sent them; ``status_code`` the HTTP status when there was a response.
    """

    def __init__(
        self,
        message: str,
        *,
        error: str | None = None,
        description: str | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.error = error
        self.description = description
        self.status_code = status_code


class ConfigurationError(LookerAuthError):
    """A required setting is missing or invalid; the message names it and where to put it."""


class AccessDenied(LookerAuthError):
    """The user (or Looker) refused the authorization on Looker's consent page."""


class InvalidGrant(LookerAuthError):
    """Looker refused the authorization code: expired, already used, or the PKCE check failed."""


class RedirectUriMismatch(InvalidGrant):
    """The redirect URI differs from the one registered for the OAuth app in Looker."""


class StateMismatch(LookerAuthError):
    """A callback carried a ``state`` this session did not issue (stale link, another login's)."""


class LoginRequired(LookerAuthError):
    """There is no usable login: not logged in yet, logged out, or the refresh token was refused."""


class LookerUnreachable(LookerAuthError):
    """Looker could not be reached: connection refused or dropped, DNS failure, or a timeout."""


class LookerServerError(LookerAuthError):
    """Looker answered with a 5xx error; retrying later usually helps."""


class LoginCancelled(LookerAuthError):
    """The user pressed Cancel (or Ctrl-C) while ``login(wait=True)`` was waiting."""


class LoginTimeout(LookerAuthError):
    """``login(wait=True)`` waited ``timeout`` seconds without Looker answering."""
