"""Log in to Looker from a notebook (OAuth 2.0 authorization code + PKCE) and get API clients.

>>> session = login()                    # in a notebook: the "Log in to Looker" button
>>> session = LookerSession(base_url=..., client_guid=..., redirect_uri=...)
>>> request = session.start_login()      # anywhere else: open request.url in a browser
>>> session.complete_login(redirected_url)
>>> session.sdk.me()

The package is laid out by the process each part runs in, then by what each part is:
``oauth/`` (pure protocol), ``client/`` (the session and its clients: what notebooks, scripts
and the command line all use), ``notebook/`` (``login()``, the widget, progress lines),
``dataframes/`` (Looks, queries and SQL into DataFrames), ``explore/`` (models, explores and
checked queries), ``content/`` (Looks and dashboards to find and reuse), ``server/`` (the
Jupyter server extension), ``cli/`` (the ``looker-nb-auth`` command), ``jupyterhub.py`` (the
hub's hook) and
``fake_looker/`` (the Looker stand-in, the demo's and the tests' double of Looker);
``_protocol.py`` holds the names they share and ``_errors.py`` every error. Only the names below
are public; they are imported on first use, so ``import looker_nb_auth`` stays light (no httpx,
no widgets, no looker_sdk).
"""

import importlib as _importlib
import sys as _sys
import typing as _typing

from . import _errors
from ._errors import *  # noqa: F403  # the whole tree is public
from ._version import __version__ as __version__

if _typing.TYPE_CHECKING:  # for type checkers; at run time, __getattr__ imports them
    from ._secret import Secret as Secret
    from ._settings import Settings as Settings
    from .client.cache import CachedLogin as CachedLogin
    from .client.cache import CacheKey as CacheKey
    from .client.cache import TokenCache as TokenCache
    from .client.file_cache import FileCache as FileCache
    from .client.keyring_cache import KeyringCache as KeyringCache
    from .client.session import LookerSession as LookerSession
    from .client.user import LookerUser as LookerUser
    from .content.info import DashboardInfo as DashboardInfo
    from .content.info import LookInfo as LookInfo
    from .content.listing import Dashboards as Dashboards
    from .content.listing import Looks as Looks
    from .content.look import Look as Look
    from .content.look_query import LookQuery as LookQuery
    from .explore.explore import Explore as Explore
    from .explore.fields import Field as Field
    from .explore.models import Model as Model
    from .explore.models import Models as Models
    from .explore.query import ExploreQuery as ExploreQuery
    from .notebook.login import login as login
    from .oauth.authorize import AuthorizationRequest as AuthorizationRequest

#: Public name -> the module that defines it, imported when the name is first used.
_LAZY = {
    "AuthorizationRequest": ".oauth.authorize",
    "CachedLogin": ".client.cache",
    "CacheKey": ".client.cache",
    "DashboardInfo": ".content.info",
    "Dashboards": ".content.listing",
    "Explore": ".explore.explore",
    "ExploreQuery": ".explore.query",
    "Field": ".explore.fields",
    "FileCache": ".client.file_cache",
    "KeyringCache": ".client.keyring_cache",
    "LookerSession": ".client.session",
    "LookerUser": ".client.user",
    "Look": ".content.look",
    "LookInfo": ".content.info",
    "LookQuery": ".content.look_query",
    "Looks": ".content.listing",
    "Model": ".explore.models",
    "Models": ".explore.models",
    "Secret": "._secret",
    "Settings": "._settings",
    "TokenCache": ".client.cache",
    "login": ".notebook.login",
}

__all__ = sorted([*_errors.__all__, *_LAZY, "__version__"])


def _public(value: _typing.Any) -> _typing.Any:
    """Shown as ``looker_nb_auth.X`` in reprs and tracebacks, where users import it from (as
    httpx does)."""
    if getattr(value, "__module__", "").startswith(__name__ + "."):
        value.__module__ = __name__
    return value


for _name in __all__:
    if _name in globals():
        _public(globals()[_name])
del _name


def __getattr__(name: str) -> _typing.Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = _public(getattr(_importlib.import_module(_LAZY[name], __name__), name))
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def _complete_in_ipython() -> None:
    """In a running IPython shell, ``session.explore("<TAB>`` completes model and explore names
    from the moment the package is imported (``explore/complete.py``)."""
    if "IPython" not in _sys.modules:
        return
    try:
        from .explore.complete import register

        register()
    except Exception:  # completion is a convenience: it must never break the import
        return


_complete_in_ipython()


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """Jupyter Server discovers the extension (the callback and pickup handlers) here."""
    return [{"module": "looker_nb_auth.server"}]
