"""What Looker answered, as the package's error: the one map from a Looker HTTP answer to a
``LookerAuthError``, for every process that talks to Looker.

A status means the same thing wherever Looker sends it (``Kind``). A caller says only what it
asked (``what``: "the token request", "GET /api/4.0/user", "the query's results") and, for a
404, what is missing; ``api_error`` gives the error a user can act on:

=================  ======================  ===============================================
status             error                   the sentence says
=================  ======================  ===============================================
429                ``RateLimited``         how long Looker asked to wait (``Retry-After``)
5xx                ``LookerServerError``   try again in a minute
401                ``LoginRequired``       log in again
404                ``QueryNotFound``       Looker has no such ``missing``, or you may not see it
400, 422           ``QueryError``          Looker refused ``what``; fix it
403                ``QueryError``          ask your Looker admin for access
anything else      ``UnexpectedResponse``  Looker answered that status to ``what``
no answer at all   ``LookerUnreachable``   check ``base_url`` and the network (``unreachable``)
=================  ======================  ===============================================

Users: the token calls (``oauth/token.py`` reads OAuth's ``error`` codes first, then
``unavailable`` and ``unexpected``), the API client (``client/auth.py``, ``client/refresh.py``,
``client/sdk.py``), the DataFrame calls, and the admin CLI, whose looker_sdk answers are read
by ``Kind`` for an admin's sentences (``cli/admin.py``, ``cli/doctor_looker.py``).

Looker's own words (``error_description``, the API's ``message``, its first per-field error) go
into the sentence; nothing the request carried (a token, a code, a verifier) ever does.
"""

from __future__ import annotations

import email.utils
import enum
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from ._errors import (
    LoginRequired,
    LookerAuthError,
    LookerServerError,
    LookerUnreachable,
    QueryError,
    QueryNotFound,
    RateLimited,
    UnexpectedResponse,
)
from ._settings import Settings

__all__ = [
    "MAX_RETRY_AFTER",
    "Kind",
    "LookerAnswer",
    "api_error",
    "json_object",
    "rate_limited",
    "retry_after",
    "unavailable",
    "unexpected",
    "unreachable",
]


class Kind(enum.Enum):
    """What an HTTP status from Looker means, whichever API or client it came through."""

    OK = "ok"  # 2xx
    LOGIN = "login"  # 401: the token (or the admin's API3 session) was not accepted
    FORBIDDEN = "forbidden"  # 403: this user may not
    MISSING = "missing"  # 404: no such thing, or this user may not see it
    REFUSED = "refused"  # 400, 422: Looker refused the request as it was sent
    RATE_LIMITED = "rate_limited"  # 429: Looker's rate limit or API quota is used up
    SERVER_ERROR = "server_error"  # 5xx: Looker could not answer now
    UNEXPECTED = "unexpected"  # anything else: no Looker API answers that

    @classmethod
    def of(cls, status: int) -> Kind:
        if 200 <= status < 300:
            return cls.OK
        if status >= 500:
            return cls.SERVER_ERROR
        return _KINDS.get(status, cls.UNEXPECTED)


_KINDS = {
    401: Kind.LOGIN,
    403: Kind.FORBIDDEN,
    404: Kind.MISSING,
    400: Kind.REFUSED,
    422: Kind.REFUSED,
    429: Kind.RATE_LIMITED,
}


@dataclass(frozen=True)
class LookerAnswer:
    """An answer from Looker: its status and Looker's own words (its error bodies carry no
    secret of ours)."""

    status: int
    #: OAuth's ``error`` code (``invalid_grant``).
    error: str | None = None
    #: OAuth's ``error_description``, or the API's ``message``.
    description: str | None = None
    #: The API's first per-field error, as ``field: message``.
    detail: str | None = None
    #: Seconds ``Retry-After`` asks to wait.
    retry_after: float | None = None
    #: The body is the API's error model (``message``, ``documentation_url``), not OAuth's.
    api_model: bool = False

    @classmethod
    def of(cls, response: httpx.Response) -> LookerAnswer:
        """Read ``response`` (its body must be read already)."""
        data = json_object(response)
        error = data.get("error")
        description = data.get("error_description") or data.get("message")
        return cls(
            status=response.status_code,
            error=error if isinstance(error, str) else None,
            description=description if isinstance(description, str) else None,
            detail=_first_detail(data, description),
            retry_after=retry_after(response),
            api_model=not isinstance(error, str)
            and ("message" in data or "documentation_url" in data),
        )

    @property
    def kind(self) -> Kind:
        return Kind.of(self.status)

    @property
    def said(self) -> str | None:
        """Looker's words for a sentence: its description and first per-field error (each
        without a closing period), else its error code."""
        parts = [self.description] if self.description else []
        if self.detail:
            parts.append(self.detail)
        return "; ".join(p.rstrip(".") for p in parts) or self.error

    @property
    def quoted(self) -> str:
        """`` (Looker said: …)`` for a sentence, or ``""`` when Looker said nothing."""
        return _quoted(self.said)

    def fields(self) -> dict[str, Any]:
        """What every ``LookerAuthError`` built from this answer carries."""
        return {"error": self.error, "description": self.description, "status_code": self.status}


def json_object(response: httpx.Response) -> dict[str, Any]:
    """The answer's JSON object; ``{}`` when its body is not one."""
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _first_detail(data: Mapping[str, Any], description: object) -> str | None:
    """The first per-field error, unless it only repeats the description."""
    details = data.get("errors")
    first = details[0] if isinstance(details, list) and details else None
    if not isinstance(first, Mapping):
        return None
    message, field = first.get("message"), first.get("field")
    if not isinstance(message, str) or not message or message == description:
        return None
    return f"{field}: {message}" if field else message


#: The longest wait a ``Retry-After`` is taken for (a month's API quota): past it, a header
#: says more about whoever wrote it than about Looker.
MAX_RETRY_AFTER = 31 * 24 * 3600.0


def _quoted(words: str | None) -> str:
    return f" (Looker said: {words})" if words else ""


def retry_after(response: httpx.Response) -> float | None:
    """Seconds Looker's ``Retry-After`` header asks to wait: delta-seconds (ASCII digits, as RFC
    9110 has them) or an HTTP date, at most `MAX_RETRY_AFTER`; ``None`` for anything else (a
    proxy's or an attacker's header must not raise: it says nothing about when)."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        seconds = float(min(int(value[:12]), int(MAX_RETRY_AFTER)))  # 400 digits: no inf
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
            seconds = when.timestamp() - time.time()
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _answer(given: httpx.Response | LookerAnswer) -> LookerAnswer:
    return given if isinstance(given, LookerAnswer) else LookerAnswer.of(given)


def _wait_words(seconds: float | None) -> str:
    if seconds is None:
        return "a minute"
    if seconds < 120:
        return f"{max(round(seconds), 1)} s"
    if seconds < 2 * 3600:
        return f"{round(seconds / 60)} min"
    return f"{round(seconds / 3600)} h"


# -- the map --------------------------------------------------------------------------------


def rate_limited(given: httpx.Response | LookerAnswer, what: str) -> RateLimited:
    """Looker's 429: its rate limit or API quota is used up for now; say how long to wait."""
    answer = _answer(given)
    return RateLimited(
        f"Looker's rate limit or API quota is used up (HTTP 429 to {what})"
        f"{answer.quoted}; wait {_wait_words(answer.retry_after)} and try again.",
        retry_after=answer.retry_after,
        **answer.fields(),
    )


def unavailable(given: httpx.Response | LookerAnswer, what: str) -> LookerAuthError | None:
    """The error when Looker could not serve ``what`` now (429, 5xx), whatever was asked;
    ``None`` for any other answer."""
    answer = _answer(given)
    if answer.kind is Kind.RATE_LIMITED:
        return rate_limited(answer, what)
    if answer.kind is Kind.SERVER_ERROR:
        return LookerServerError(
            f"Looker answered {answer.status} to {what}{answer.quoted}; try again in a minute.",
            **answer.fields(),
        )
    return None


def unexpected(given: httpx.Response | LookerAnswer, what: str) -> UnexpectedResponse:
    """An answer no Looker API sends to ``what`` (a wrong host, a proxy's page)."""
    answer = _answer(given)
    return UnexpectedResponse(
        f"Looker answered {answer.status} to {what}{answer.quoted}.", **answer.fields()
    )


def api_error(
    given: httpx.Response | LookerAnswer, what: str, *, missing: str | None = None
) -> LookerAuthError:
    """The error for Looker's answer (not a 2xx) to an API call: ``what`` names the call in the
    sentence; ``missing`` names what a 404 says is not there (default: ``what``)."""
    answer = _answer(given)
    if (busy := unavailable(answer, what)) is not None:
        return busy
    said, fields = answer.said, answer.fields()
    if answer.kind is Kind.LOGIN:
        return LoginRequired(
            f"Looker refused the login for {what} (HTTP 401); log in again.", **fields
        )
    if answer.kind is Kind.MISSING:
        # "Not found" says nothing the sentence does not.
        if answer.description and answer.description.lower().rstrip(".") == "not found":
            said = LookerAnswer(answer.status, detail=answer.detail).said
        return QueryNotFound(
            f"Looker has no {missing or what}, or you may not see it (HTTP 404)"
            f"{_quoted(said)}; check the name and your access.",
            looker_message=said,
            **fields,
        )
    if answer.kind is Kind.REFUSED:
        return QueryError(
            f"Looker refused {what}{answer.quoted}; fix it and run it again.",
            looker_message=said,
            **fields,
        )
    if answer.kind is Kind.FORBIDDEN:
        return QueryError(
            f"Looker does not let you run {what} (HTTP 403){answer.quoted}; ask your Looker "
            "admin for access.",
            looker_message=said,
            **fields,
        )
    return unexpected(answer, what)


def unreachable(settings: Settings, exc: httpx.TransportError) -> LookerUnreachable:
    """No answer at all: a connection failure or timeout, naming the host and the cause."""
    kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "failed"
    return LookerUnreachable(
        f"The connection to Looker at {settings.base_url} {kind} ({type(exc).__name__}); check "
        "base_url and your network, then try again."
    )
