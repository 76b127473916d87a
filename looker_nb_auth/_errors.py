"""The exception tree: one base, one leaf class per thing a user can act on.

::

    LookerAuthError
    ├── ConfigurationError          a setting is missing or invalid
    │   ├── SdkNotInstalled         the official looker_sdk is needed but not installed
    │   ├── BackendNotInstalled     pandas, polars or pyarrow is needed for DataFrames
    │   └── CacheError              a requested token cache cannot be used at all
    ├── CallbackError               what came back to the redirect URI is not a usable answer
    │   ├── MalformedCallback       repeated, oversized, not UTF-8, neither code nor error
    │   ├── StateMismatch           no state, or one this session did not issue
    │   └── ServerRestarted         the JupyterHub server that started the login was restarted
    ├── AuthorizationFailed         Looker's redirect carried an error instead of a code
    │   └── AccessDenied            the user pressed Deny
    ├── InvalidGrant                Looker refused the code
    │   └── RedirectUriMismatch     ... because the redirect URI differs from the registered one
    ├── LoginRequired               no usable login: not logged in, logged out, refresh refused
    ├── RevokeFailed                logged out here, but Looker did not confirm the revocation
    ├── LoginExpired                the pending login expired before Looker answered
    ├── LoginCancelled              Cancel, Ctrl-C or Kernel > Interrupt during a wait
    ├── LoginTimeout                ``login(wait=True)`` waited ``timeout`` seconds
    ├── LookerUnreachable           no connection to Looker (refused, dropped, DNS, timeout)
    ├── LookerServerError           Looker answered 5xx
    │   └── RateLimited             Looker answered 429: its rate limit or API quota is used up
    ├── UnexpectedResponse          Looker answered something no Looker API sends
    ├── QueryError                  Looker refused a query, or its SQL failed in the database
    │   ├── QueryNotFound           no such Look, query, model, explore or connection
    │   └── QueryInvalid            a query names no field of its explore, or a filter value
    │                               no filter expression of its type reads: refused unsent
    ├── QueryCancelled              Ctrl-C or Kernel > Interrupt stopped a running query
    │   ├── QueryTimeout            the query ran longer than its ``timeout``
    │   └── ResultTooLarge          its result grew past its ``max_bytes``
    ├── ReceiverUnavailable         the Jupyter server or loopback port cannot take this login
    │   └── JupyterServerUnreachable  this kernel cannot reach its Jupyter server
    └── AdminError                  ``looker-nb-auth register`` / ``doctor``: exit code 1
        ├── AdminUsageError         a bad command line or config file: exit code 2
        └── MissingCredentials      no admin API3 client id and secret

    CacheWarning (a UserWarning)    a token cache was ignored or not written; login works
    ResultTruncated (a UserWarning) a result has as many rows as its row limit: there may be more
    QueryNote (a UserWarning)       Looker sent a note with the rows (Development Mode)
    ColumnEmpty (a UserWarning)     a table calculation came back null in every row

Internal, never raised to a user (not in ``__all__``): the stores of pending logins
(``oauth/pending.py`` and the stores built on it) refuse a request with a leaf of::

    StoreError
    ├── StoreFull                   as many logins as the store holds are already pending
    ├── OwnerFull                   as many logins as one kernel may keep are pending for it
    ├── AlreadyRegistered           a login with this state is already pending
    ├── UnknownState                no login is pending under this state
    └── AlreadyAnswered             the login under this state already has its answer

which their callers turn into an HTTP status (``server/handlers.py``) or a sentence on the
callback page (``_callback_page.py``).

Every message is one sentence saying what happened and what to do. Messages carry Looker's own
``error`` / ``error_description`` / ``message`` when it sent them, never a token, code or verifier.
Code dispatches on these types, never on message text.

In IPython and Jupyter an uncaught one shows as that sentence alone (``_render_traceback_``), not
as a 50-line traceback; ``show_tracebacks()`` (or ``LOOKER_NB_AUTH_TRACEBACKS=1``) brings the
full tracebacks back.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

__all__ = [
    "AccessDenied",
    "AdminError",
    "AdminUsageError",
    "AuthorizationFailed",
    "BackendNotInstalled",
    "CacheError",
    "CacheWarning",
    "CallbackError",
    "ColumnEmpty",
    "ConfigurationError",
    "InvalidGrant",
    "JupyterServerUnreachable",
    "LoginCancelled",
    "LoginExpired",
    "LoginRequired",
    "LoginTimeout",
    "LookerAuthError",
    "LookerServerError",
    "LookerUnreachable",
    "MalformedCallback",
    "MissingCredentials",
    "QueryCancelled",
    "QueryError",
    "QueryInvalid",
    "QueryNotFound",
    "QueryNote",
    "QueryTimeout",
    "RateLimited",
    "ReceiverUnavailable",
    "RedirectUriMismatch",
    "ResultTooLarge",
    "ResultTruncated",
    "RevokeFailed",
    "SdkNotInstalled",
    "ServerRestarted",
    "StateMismatch",
    "UnexpectedResponse",
    "show_tracebacks",
]


_full_tracebacks = False


def show_tracebacks(full: bool = True) -> None:
    """Show looker_nb_auth's errors in IPython and Jupyter with their full traceback (``True``)
    or as their one sentence (``False``, the default; ``LOOKER_NB_AUTH_TRACEBACKS=1`` starts a
    kernel with full tracebacks)."""
    global _full_tracebacks
    _full_tracebacks = full


class LookerAuthError(Exception):
    """Base class of every error raised by looker_nb_auth.

    ``error`` and ``description`` hold the OAuth ``error`` / ``error_description`` (or Looker's API
    ``message``) when Looker sent them; ``status_code`` the HTTP status when there was a response.
    """

    @property
    def _render_traceback_(self) -> Callable[[], list[str]]:
        """IPython's hook for how an exception is shown: the sentence, unless full tracebacks
        are asked for (then no such attribute, and IPython shows the whole traceback)."""
        if _full_tracebacks or os.environ.get("LOOKER_NB_AUTH_TRACEBACKS", "") not in ("", "0"):
            raise AttributeError("_render_traceback_")
        return self._one_sentence

    def _one_sentence(self) -> list[str]:
        return [f"\x1b[0;31m{type(self).__name__}\x1b[0m: {self}"]

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


class SdkNotInstalled(ConfigurationError):
    """``session.sdk`` or an admin command needs the official Looker SDK, which is missing."""


class BackendNotInstalled(ConfigurationError):
    """A DataFrame needs pandas (or polars, with pyarrow), which is not installed."""


class CacheError(ConfigurationError):
    """A requested cache cannot be used at all: ``KeyringCache()`` with no usable keyring."""


class CacheWarning(UserWarning):
    """A token cache was ignored or not written (unsafe, corrupt, unreachable); login works."""


class ResultTruncated(UserWarning):
    """A query returned exactly as many rows as a row limit it did not set (Looker's default,
    a Look's), so Looker may have more; or Looker sent more rows than the limit asked for and
    only that many were kept. ``limit=-1`` asks for every row."""


class QueryNote(UserWarning):
    """Looker sent a note beside a query's rows, in its ``errors`` list but not an error: a
    Development Mode note ("Query results in Production Mode might be different"), or an
    entry whose ``level`` is below ``error``. The DataFrame is whole; the note says what to
    keep in mind."""


class ColumnEmpty(UserWarning):
    """A table calculation came back null in every row of a result that has rows: Looker may
    not have computed it (a Looker or proxy that drops ``server_table_calcs``). The column is
    kept, as an expression can be null everywhere; Looker's Explore shows what it should be."""


class CallbackError(LookerAuthError):
    """What came back to the redirect URI is not a login answer that can be used.

    ``page`` is the sentence for the callback page in the browser (the message itself speaks to
    someone who pasted the address into the kernel); ``looker_said`` is Looker's own error, if
    the redirect carried one, as text.
    """

    def __init__(
        self, message: str, *, page: str | None = None, looker_said: str | None = None
    ) -> None:
        super().__init__(message)
        self.page = page if page is not None else message
        self.looker_said = looker_said


class MalformedCallback(CallbackError):
    """The callback repeats a parameter, is oversized or not UTF-8, or has neither a code nor an
    error."""


class StateMismatch(CallbackError):
    """A callback carried no ``state``, or one this session did not issue (stale link, another
    login's)."""


class ServerRestarted(CallbackError):
    """JupyterHub had to start the server the login began in again: its kernel, which held the
    PKCE verifier, is gone."""


class AuthorizationFailed(LookerAuthError):
    """Looker redirected back with an ``error`` instead of a code."""


class AccessDenied(AuthorizationFailed):
    """The user (or Looker) refused the authorization on Looker's consent page."""


class InvalidGrant(LookerAuthError):
    """Looker refused the authorization code: expired, already used, or the PKCE check failed."""


class RedirectUriMismatch(InvalidGrant):
    """The redirect URI differs from the one registered for the OAuth app in Looker."""


class LoginRequired(LookerAuthError):
    """There is no usable login: not logged in yet, logged out, or the refresh token was refused.

    ``login_url``: on a JupyterHub with the looker-nb-auth hub service, the page a browser opens
    to log in to Looker once for every kernel of the user (None elsewhere)."""

    def __init__(
        self,
        message: str,
        *,
        login_url: str | None = None,
        error: str | None = None,
        description: str | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message, error=error, description=description, status_code=status_code)
        self.login_url = login_url


class RevokeFailed(LookerAuthError):
    """``logout()`` forgot the tokens here, but Looker answered the revocation with an error, so
    they may stay valid at Looker until they expire. ``description`` says what Looker answered."""


class LoginExpired(LookerAuthError):
    """The pending login expired (or was forgotten) before Looker's answer was picked up."""


class LookerUnreachable(LookerAuthError):
    """Looker could not be reached: connection refused or dropped, DNS failure, or a timeout."""


class LookerServerError(LookerAuthError):
    """Looker answered with a 5xx error; retrying later usually helps."""


class RateLimited(LookerServerError):
    """Looker answered 429 (too many requests, or the instance's API quota is used up);
    ``retry_after`` is how many seconds Looker asked to wait (None when it did not say)."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class UnexpectedResponse(LookerAuthError):
    """Looker answered, but not with anything a Looker API sends (wrong host, a proxy's page)."""


class QueryError(LookerAuthError):
    """Looker refused to build a query (an unknown field, a bad filter) or ran it and the
    database failed (Looker's in-band ``looker_error``); ``looker_message`` is Looker's text."""

    def __init__(self, message: str, *, looker_message: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.looker_message = looker_message


class QueryNotFound(QueryError):
    """Looker has no such Look, query, model, explore or SQL Runner connection (or this user may
    not see it); the message names it."""


class QueryInvalid(QueryError):
    """A query was refused before any request to Looker: it names a field its explore does not
    have (the message suggests close names), sorts or pivots on a field it cannot, or filters a
    field by a value none of Looker's filter expressions for its type reads."""


class QueryCancelled(LookerAuthError):
    """Ctrl-C (Kernel > Interrupt) stopped a query: a running one was also stopped at Looker,
    and nothing of its result was kept."""


class QueryTimeout(QueryCancelled):
    """A query ran longer than the ``timeout`` it was given; it was stopped at Looker."""


class ResultTooLarge(QueryCancelled):
    """A query's result grew past the ``max_bytes`` it was given: its download was stopped
    there and nothing of it was kept."""


class ReceiverUnavailable(LookerAuthError):
    """Where Looker's answer should arrive cannot take this login: the Jupyter server refused
    it, or the loopback redirect URI's port is taken."""


class JupyterServerUnreachable(ReceiverUnavailable):
    """This kernel cannot reach the Jupyter server that started it (stopped, restarted)."""


class LoginCancelled(LookerAuthError):
    """The user pressed Cancel (or Ctrl-C) while ``login(wait=True)`` was waiting."""


class LoginTimeout(LookerAuthError):
    """``login(wait=True)`` waited ``timeout`` seconds without Looker answering."""


class AdminError(LookerAuthError):
    """One sentence for the admin running ``looker-nb-auth register`` or ``doctor``."""

    #: The command's exit code: 1 for credential, permission or network problems.
    exit_code = 1


class AdminUsageError(AdminError):
    """A bad command line, config file or missing package: exit code 2."""

    exit_code = 2


class MissingCredentials(AdminError):
    """No admin API3 client id and secret were found."""


# -- internal: the stores of pending logins ----------------------------------------------------


class StoreError(Exception):
    """Base class: a store of pending logins refused a request. Messages never contain the
    state."""


class StoreFull(StoreError):
    """Raised when registering a login while as many as the store holds are already pending."""


class OwnerFull(StoreError):
    """Raised when registering a login for a kernel that already has as many pending as one
    kernel may keep (the server's other kernels still have room)."""


class AlreadyRegistered(StoreError):
    """Raised when registering a state that is already pending."""


class UnknownState(StoreError):
    """No login is pending under this state (never registered, expired, forgotten or already
    picked up)."""


class AlreadyAnswered(StoreError):
    """The login under this state already has its answer."""
