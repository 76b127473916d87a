"""`LookQuery`: a Look's query with other filters, sorts or a limit, as a new query to run.

It is an `ExploreQuery` (``explore/query.py``) built from the Look's query, so the same checks
run before any request (a misspelled filter field is `QueryInvalid`, naming close names), and
``.sql``, ``.url``, ``.to_pandas()``, ``.to_polars()``, ``.to_arrow()``, ``.to_csv()`` work as
they do there. Running it creates a new query (``POST /queries``); the saved Look and its query
are never changed, since a notebook's "what if" must not rewrite a colleague's Look.

What else the Look's query carries that shapes its result (table calculations and custom
fields, the column limit, the time zone, totals, a custom filter expression) goes with it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ..dataframes.dynamic import dynamic_columns
from ..explore.query import ExploreQuery, check

if TYPE_CHECKING:
    from ..explore.explore import Explore

__all__ = ["CARRIED", "LookQuery"]

#: The WriteQuery keys besides fields, filters, sorts, pivots and limit that a Look's query
#: keeps when it is run with other filters.
CARRIED = (
    "dynamic_fields",
    "column_limit",
    "query_timezone",
    "fill_fields",
    "filter_expression",
    "total",
    "row_total",
    "subtotals",
)


def _limit(value: object) -> int | None:
    try:
        return int(str(value)) if value not in (None, "") else None
    except ValueError:
        return None


@dataclass(frozen=True)
class LookQuery(ExploreQuery):
    """A query made from Look ``look_id``'s query; ``carried``: the WriteQuery keys it keeps
    from it (`CARRIED`). ``with_filters``, ``with_sorts`` and ``with_limit`` chain."""

    look_id: str = ""
    carried: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of_look(cls, explore: Explore, look_id: str, query: Mapping[str, Any]) -> LookQuery:
        """The Look's own query, as it is saved."""
        filters = query.get("filters")
        return cls.made(
            explore,
            look_id,
            tuple((k, query[k]) for k in CARRIED if query.get(k) not in (None, "", [])),
            [str(f) for f in query.get("fields") or ()],
            {str(k): str(v) for k, v in (filters.items() if isinstance(filters, Mapping) else ())},
            [str(s) for s in query.get("sorts") or ()],
            [str(p) for p in query.get("pivots") or ()],
            _limit(query.get("limit")),
        )

    @classmethod
    def made(
        cls,
        explore: Explore,
        look_id: str,
        carried: tuple[tuple[str, Any], ...],
        fields: Iterable[str],
        filters: Mapping[str, str],
        sorts: Iterable[str],
        pivots: Iterable[str],
        limit: int | None,
    ) -> LookQuery:
        """Checked as `ExploreQuery.build` checks, with the Look's custom fields and table
        calculations (its ``dynamic_fields``) as names of the query's own."""
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)):
            raise TypeError(f"limit must be a whole number of rows, not {limit!r}")
        chosen, order, pivoted = tuple(fields), tuple(sorts), tuple(pivots)
        custom = dynamic_columns(dict(carried).get("dynamic_fields"))
        check(explore, chosen, filters, order, pivoted, custom=custom)
        shown = tuple((name, str(value)) for name, value in filters.items())
        return cls(explore, chosen, shown, order, pivoted, limit, look_id, carried)

    def _again(
        self, filters: Mapping[str, str], sorts: Iterable[str], limit: int | None
    ) -> LookQuery:
        """This query with these parts, checked again."""
        return LookQuery.made(
            self.explore,
            self.look_id,
            self.carried,
            self.fields,
            filters,
            sorts,
            self.pivots,
            limit,
        )

    def with_filters(self, filters: Mapping[Any, str | None]) -> LookQuery:
        """This query with ``filters`` over its own: a new value replaces the field's filter,
        ``None`` removes it; the others stay."""
        if not isinstance(filters, Mapping):
            raise TypeError(f"filters must be a dict of field → filter expression, not {filters!r}")
        merged = dict(self.filters)
        for key, value in filters.items():
            name = getattr(key, "name", key)  # a Field from explore.fields works too
            if value is None:
                merged.pop(str(name), None)
            else:
                merged[str(name)] = str(value)
        return self._again(merged, self.sorts, self.limit)

    def with_sorts(self, sorts: Iterable[str] | str) -> LookQuery:
        """This query sorted by ``sorts`` instead (``"orders.count desc"``...)."""
        order = [sorts] if isinstance(sorts, str) else list(sorts)
        return self._again(dict(self.filters), order, self.limit)

    def with_limit(self, limit: int | None) -> LookQuery:
        """This query with another row limit (``-1``: every row; None: Looker's default)."""
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)):
            raise TypeError(f"limit must be a whole number of rows, not {limit!r}")
        return self._again(dict(self.filters), self.sorts, limit)

    def body(self) -> dict[str, Any]:
        """The query as a WriteQuery, with what it carries from the Look."""
        return {**super().body(), **dict(self.carried)}

    @property
    def url(self) -> str:
        """The query in Looker's Explore, its table calculations and custom fields with it."""
        dynamic = dict(self.carried).get("dynamic_fields")
        if not dynamic:
            return super().url
        text = dynamic if isinstance(dynamic, str) else json.dumps(dynamic)
        return f"{super().url}&dynamic_fields={quote(text, safe='')}"

    def __repr__(self) -> str:
        shown = (
            super().__repr__().replace("<ExploreQuery", f"<LookQuery from Look {self.look_id}:", 1)
        )
        return shown
