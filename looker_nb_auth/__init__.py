"""Log in to Looker from a notebook (OAuth 2.0 authorization code + PKCE) and get API clients.

>>> session = LookerSession(base_url=..., client_guid=..., redirect_uri=...)
>>> request = session.start_login()      # open request.url in a browser
>>> session.complete_login(redirected_url)
>>> session.sdk.me()
"""

from typing import Any as _Any

from ._authorize import AuthorizationRequest
from ._cache import CacheError, CacheWarning
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
from ._session import LookerSession, LookerUser
from ._settings import Settings

__version__ = "0.1.0"


def login(*args: _Any, **kwargs: _Any) -> LookerSession:
    """Show a "Log in to Looker" button in the notebook and return the session it logs in.

    See ``looker_nb_auth._login.login`` for the arguments; imported lazily so that
    ``import looker_nb_auth`` stays light.
    """
    from ._login import login as _login

    return _login(*args, **kwargs)


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """Jupyter Server discovers the extension (the callback and pickup handlers) here."""
    return [{"module": "looker_nb_auth"}]


def _load_jupyter_server_extension(serverapp: object) -> None:
    """Called by Jupyter Server: registers the handlers and exports the kernel's way back."""
    from ._extension import load

    load(serverapp)


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
