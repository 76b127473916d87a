"""What Looker's answers to the DataFrame calls mean, in the package's errors.

`check` maps an HTTP answer that is not a 2xx to the typed error a user can act on (one place
for every step of the pipeline); `failed` is a query that Looker ran and the database refused;
`looker_json` a body that is not the JSON a Looker API sends.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from .._errors import (
    LoginRequired,
    LookerServerError,
    QueryError,
    QueryNotFound,
    UnexpectedResponse,
)
from ..oauth.token import looker_error, rate_limited

__all__ = ["check", "failed", "looker_json", "said"]


def said(response: httpx.Response) -> str | None:
    """Looker's message, with the first of its per-field ``errors`` when it sent any."""
    _error, description = looker_error(response)
    try:
        details = response.json().get("errors") or []
    except (ValueError, AttributeError):
        details = []
    parts = [description] if description and description.lower() != "not found" else []
    for detail in details[:1]:
        message = detail.get("message") if isinstance(detail, Mapping) else None
        if message and message != description:
            where = f"{detail['field']}: " if detail.get("field") else ""
            parts.append(f"{where}{message}")
    return "; ".join(p.rstrip(".") for p in parts) or None


def check(response: httpx.Response, what: str, *, missing: str | None = None) -> httpx.Response:
    """``response`` if it is a 2xx, else the typed error a user can act on (the answer's body
    is read already: the loops read every answer but a streamed 200)."""
    if response.is_success:
        return response
    status = response.status_code
    quoted = f" (Looker said: {message})" if (message := said(response)) else ""
    if status == 404:
        raise QueryNotFound(
            f"Looker has no {missing or what}, or you may not see it (HTTP 404){quoted}; check "
            "the name and your access.",
            looker_message=message,
            status_code=status,
        )
    if status in (400, 422):
        raise QueryError(
            f"Looker refused {what}{quoted}; fix it and run it again.",
            looker_message=message,
            status_code=status,
        )
    if status == 401:
        raise LoginRequired(f"Looker refused the login for {what} (HTTP 401); log in again.")
    if status == 403:
        raise QueryError(
            f"Looker does not let you run {what} (HTTP 403){quoted}; ask your Looker admin for "
            "access.",
            looker_message=message,
            status_code=status,
        )
    if status == 429:
        raise rate_limited(response, what)
    if status >= 500:
        raise LookerServerError(
            f"Looker answered {status} to {what}{quoted}; try again in a minute.",
            status_code=status,
        )
    raise UnexpectedResponse(f"Looker answered {status} to {what}{quoted}.", status_code=status)


def failed(message: str) -> QueryError:
    """The query ran and the database refused it: Looker's message, on one line."""
    shown = " ".join(message.split()) or "the query failed"
    if len(shown) > 300:
        shown = shown[:299] + "…"
    return QueryError(
        f"The query failed in the database (Looker said: {shown}); fix the query and run it again.",
        looker_message=message,
    )


def looker_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        raise UnexpectedResponse(
            "Looker's answer is not the JSON a Looker API sends; check base_url and try again."
        ) from None
