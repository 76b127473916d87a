"""The search endpoints' parameters, as Looker's API reference describes them.

"String search params use case-insensitive matching" and may hold SQL LIKE wildcards (``%``
any run of characters, ``_`` one character), so a title without a wildcard matches the whole
title only. "Integer search params can accept a single value or a comma separated list of
values" (any of them matches). "Most search params can accept 'IS NULL' and 'NOT NULL'".
"Boolean search params accept only 'true' and 'false'". Several params must all match, or any
of them with ``filter_or=true``. ``sorts`` names sortable fields, each optionally ``desc``;
``limit``/``offset`` page the answer (``per_page``/``page``, deprecated, when no limit).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Literal

__all__ = ["Kind", "SearchError", "search"]

Kind = Literal["text", "ids", "bool"]
Row = Mapping[str, object]


class SearchError(ValueError):
    """A search parameter the stand-in refuses (a 400 naming it)."""


def _like(pattern: str) -> Callable[[object], bool]:
    parts = (".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    compiled = re.compile("".join(parts), re.IGNORECASE | re.DOTALL)
    return lambda value: value is not None and compiled.fullmatch(str(value)) is not None


def _matcher(name: str, kind: Kind, wanted: str) -> Callable[[Row], bool]:
    special = wanted.strip().upper()
    if special in ("IS NULL", "NOT NULL") and kind != "bool":
        null = special == "IS NULL"
        return lambda row: (row.get(name) is None) == null
    if kind == "bool":
        if wanted not in ("true", "false"):
            raise SearchError(f"{name} must be true or false.")
        return lambda row: row.get(name) is (wanted == "true")
    if kind == "ids":
        values = {v.strip() for v in wanted.split(",")}
        return lambda row: str(row.get(name)) in values
    like = _like(wanted)
    return lambda row: like(row.get(name))


def _sort_key(value: object) -> tuple[int, float, str]:
    if value is None:
        return (0, 0.0, "")
    if isinstance(value, bool | int | float) or (isinstance(value, str) and value.isdigit()):
        return (1, float(value), "")
    return (2, 0.0, str(value).casefold())


def _sorted(rows: list[Row], sorts: str, sortable: set[str]) -> list[Row]:
    keys = []
    for spec in (s.strip() for s in sorts.split(",") if s.strip()):
        name, _, direction = spec.partition(" ")
        direction = direction.strip().lower()
        if name not in sortable or direction not in ("", "asc", "desc"):
            raise SearchError(f"Cannot sort by {spec[:100]!r}; sortable: {', '.join(sortable)}.")
        keys.append((name, direction == "desc"))
    for name, descending in reversed(keys):  # stable sorts, last key first
        rows.sort(key=lambda row: _sort_key(row.get(name)), reverse=descending)
    return rows


def _count(args: Mapping[str, str], name: str) -> int | None:
    value = args.get(name, "")
    if value == "":
        return None
    if not value.isdigit():
        raise SearchError(f"{name} must be a whole number of 0 or more.")
    return int(value)


def search(
    rows: list[Row],
    args: Mapping[str, str],
    params: Mapping[str, Kind],
    sortable: set[str],
) -> list[Row]:
    """The rows that match ``args`` (the request's query arguments) on ``params``, sorted by
    ``sorts`` (ascending id without) and paged. Arguments that are no search param are
    ignored."""
    matchers = [_matcher(n, kind, args[n]) for n, kind in params.items() if args.get(n, "") != ""]
    combine = any if args.get("filter_or") == "true" else all
    found = [row for row in rows if not matchers or combine(m(row) for m in matchers)]
    found = _sorted(_sorted(found, "id", {"id"}), args.get("sorts", ""), sortable)
    limit, offset = _count(args, "limit"), _count(args, "offset") or 0
    if limit is None:
        per_page, page = _count(args, "per_page"), _count(args, "page")
        if per_page is not None:
            limit, offset = per_page, per_page * max((page or 1) - 1, 0)
    return found[offset:] if limit is None else found[offset : offset + limit]
