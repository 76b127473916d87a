"""What Looker's answers to the DataFrame calls mean, in the package's errors.

`check` maps an HTTP answer that is not a 2xx to the typed error a user can act on, through the
package's one map (``_answers.py``), for every step of the pipeline; `failed` is a query that
failed when it ran: Looker could not build it (real instances accept any query at
``POST /queries`` and say so only when it runs), or the database refused it. A results body
that does not parse is ``parse.guarded``'s.
"""

from __future__ import annotations

import re

import httpx

from .._answers import LookerAnswer, api_error
from .._errors import QueryError

__all__ = ["check", "failed", "said", "unbuilt_part"]


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


#: The parts of a query Looker names when it cannot build it (``errors[].field``, shown by
#: ``said`` as ``"sorts: …"``), and Looker's own words for it (henry#86, spectacles).
_PARTS = ("fields", "filters", "sorts", "limit", "pivots", "column_limit", "dynamic_fields")
_UNBUILT_WORDS = {
    "must query at least one dimension or measure": "fields",
    "view not found": "view",
}
_PART = re.compile(rf"(?:^|; )({'|'.join(_PARTS)}): ")


def unbuilt_part(message: str) -> str | None:
    """The part of the query Looker says it could not build, or None (an SQL failure). Looker
    reports both only in words, at the same status, when the query runs."""
    lowered = message.lower()
    for words, part in _UNBUILT_WORDS.items():
        if words in lowered:
            return part
    found = _PART.search(message)
    return found.group(1) if found else None


def failed(message: str) -> QueryError:
    """The query ran and failed: Looker could not build it (`unbuilt_part` names the part), or
    the database refused it; Looker's message, on one line."""
    shown = " ".join(message.split()) or "the query failed"
    if len(shown) > 300:
        shown = shown[:299] + "…"
    part = unbuilt_part(message)
    if part is not None:
        return QueryError(
            f"Looker could not build the query from its {part} (Looker said: {shown}); "
            f"fix the query's {part} and run it again.",
            looker_message=message,
        )
    return QueryError(
        f"The query failed in the database (Looker said: {shown}); fix the query and run it again.",
        looker_message=message,
    )
