"""Log in to Looker from a notebook (OAuth 2.0 authorization code + PKCE) and get API clients.

>>> session = LookerSession(base_url=..., client_guid=..., redirect_uri=...)
>>> request = session.start_login()      # open request.url in a browser
>>> session.complete_login(redirected_url)
>>> session.sdk.me()
"""

from typing import Any as _Any

from ._errors import (
    AccessDenied,
    ConfigurationError,
    InvalidGrant,
    LoginCancelled,
    LoginRequired,
    LoginTimeout,
    LookerAuthError,
    LookerServerError,
    LookerUnreachable,
    RedirectUriMismatch,
    StateMismatch,
)
from ._settings import Settings
from .kernel.cache import CacheError, CacheWarning
from .kernel.session import LookerSession, LookerUser
from .oauth.authorize import AuthorizationRequest

__version__ = "0.1.0"


def login(*args: _Any, **kwargs: _Any) -> LookerSession:
    """Show a "Log in to Looker" button in the notebook and return the session it logs in.

    See ``looker_nb_auth._login.login`` for the arguments; imported lazily so that
    ``import looker_nb_auth`` stays light.
    """
    from .kernel.login import login as _login

    return _login(*args, **kwargs)


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """Jupyter Server discovers the extension (the callback and pickup handlers) here."""
    return [{"module": "looker_nb_auth.server"}]


__all__ = [
    "AccessDenied",
    "AuthorizationRequest",
    "CacheError",
    "CacheWarning",
    "ConfigurationError",
    "InvalidGrant",
    "LoginCancelled",
    "LoginRequired",
    "LoginTimeout",
    "LookerAuthError",
    "LookerServerError",
    "LookerSession",
    "LookerUnreachable",
    "LookerUser",
    "RedirectUriMismatch",
    "Settings",
    "StateMismatch",
    "__version__",
    "login",
]
