"""Log in to Looker from a notebook (OAuth 2.0 authorization code + PKCE) and get API clients.

>>> session = LookerSession(base_url=..., client_guid=..., redirect_uri=...)
>>> request = session.start_login()      # open request.url in a browser
>>> session.complete_login(redirected_url)
>>> session.sdk.me()
"""

from ._authorize import AuthorizationRequest
from ._cache import CacheError, CacheWarning
from ._errors import (
    AccessDenied,
    ConfigurationError,
    InvalidGrant,
    LoginRequired,
    LookerAuthError,
    LookerServerError,
    LookerUnreachable,
    RedirectUriMismatch,
    StateMismatch,
)
from ._session import LookerSession, LookerUser
from ._settings import Settings

__version__ = "0.1.0"

__all__ = [
    "AccessDenied",
    "AuthorizationRequest",
    "CacheError",
    "CacheWarning",
    "ConfigurationError",
    "InvalidGrant",
    "LoginRequired",
    "LookerAuthError",
    "LookerServerError",
    "LookerSession",
    "LookerUnreachable",
    "LookerUser",
    "RedirectUriMismatch",
    "Settings",
    "StateMismatch",
    "__version__",
]
