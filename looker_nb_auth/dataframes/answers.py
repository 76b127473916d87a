"""What Looker's answers to the DataFrame calls mean, in the package's errors.

`check` maps an HTTP answer that is not a 2xx to the typed error a user can act on, through the
package's one map (``_answers.py``), for every step of the pipeline; `failed` is a query that
Looker ran and the database refused. A results body that does not parse is ``parse.guarded``'s.
"""

from __future__ import annotations

import httpx

from .._answers import LookerAnswer, api_error
from .._errors import QueryError

__all__ = ["check", "failed", "said"]


def said(response: httpx.Response) -> str | None:
    """Looker's message, with the first of its per-field ``errors`` when it sent any."""
    return LookerAnswer.of(response).said


def check(response: httpx.Response, what: str, *, missing: str | None = None) -> httpx.Response:
    """``response`` if it is a 2xx, else the typed error a user can act on, from the package's
    one map of Looker's answers (``_answers.py``). The answer's body is read already: the loops
    read every answer but a streamed 200."""
    if response.is_success:
        return response
    raise api_error(response, what, missing=missing)


def failed(message: str) -> QueryError:
    """The query ran and the database refused it: Looker's message, on one line."""
    shown = " ".join(message.split()) or "the query failed"
    if len(shown) > 300:
        shown = shown[:299] + "…"
    return QueryError(
        f"The query failed in the database (Looker said: {shown}); fix the query and run it again.",
        looker_message=message,
    )
