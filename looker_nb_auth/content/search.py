"""The requests behind the listings: ``GET /looks/search``, ``GET /dashboards/search`` and, for
a folder given by name, ``GET /folders/search``. Each is a flow (``dataframes/drive.py``), so it
gets the session's refresh, rate-limit and deadline handling.

Looker's string search params match the whole value, case-insensitively, with SQL LIKE's
wildcards (``%``, ``_``): ``title=Sales`` finds only a Look called "Sales". A data scientist
typing ``search="sales"`` means "titles with sales in them", so the term is sent as
``%sales%``; a term that has a ``%`` of its own is sent as it is, for Looker's own patterns
(``"Monthly%"``). Deleted Looks and dashboards (in the trash) are left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._errors import QueryNotFound
from ..dataframes.answers import check
from ..dataframes.drive import Call, Flow

__all__ = ["DEFAULT_LIMIT", "found", "pattern"]

#: How many items a listing asks for when the caller does not say.
DEFAULT_LIMIT = 100
#: Only what a listing shows (the answers are Looker's whole ``Look``/``Dashboard`` otherwise).
_FIELDS = "id,title,description,folder(id,name),model(id),updated_at"
_PATHS = {"Looks": "looks/search", "dashboards": "dashboards/search"}


def pattern(search: str) -> str:
    """The title pattern for ``search``: a substring, unless it is a LIKE pattern already."""
    return search if "%" in search else f"%{search}%"


def _folder_ids(folder: str | int) -> Flow[str]:
    """A folder's id (given as one) or the ids of the folders with that name, comma-joined."""
    text = str(folder).strip()
    if isinstance(folder, int) or text.isdigit():
        return text
    response = yield Call("GET", "folders/search", params={"name": text, "fields": "id"})
    check(response, "the folder search")
    ids = [str(f.get("id")) for f in response.json() if isinstance(f, Mapping)]
    if not ids:
        raise QueryNotFound(
            f"Looker has no folder named {text!r} that you may see; check the name (any case), "
            "or pass the folder's id."
        )
    return ",".join(ids)


def found(
    kind: str, search: str | None, folder: str | int | None, limit: int | None
) -> Flow[list[Mapping[str, Any]]]:
    """The ``kind`` (``"Looks"``, ``"dashboards"``) whose title matches ``search``, in
    ``folder`` (an id or a name), sorted by title; at most ``limit`` (None: every one)."""
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ValueError(f"limit must be a whole number of 1 or more, not {limit!r}")
    params = {"fields": _FIELDS, "deleted": "false", "sorts": "title"}
    if search:
        params["title"] = pattern(search)
    if folder is not None:
        params["folder_id"] = yield from _folder_ids(folder)
    if limit is not None:
        params["limit"] = str(limit)
    response = yield Call("GET", _PATHS[kind], params=params)
    check(response, f"the {kind} search")
    answer = response.json()
    return (
        [item for item in answer if isinstance(item, Mapping)] if isinstance(answer, list) else []
    )
