"""A query built on an explore and checked before it runs: `ExploreQuery`, and `check` (the
rule ``run_query`` shares).

Looker builds whatever query it is sent and says what is wrong only when it runs: a misspelled
field costs a round trip and Looker's error, and a filter value it cannot read costs a run that
matches nothing, without a word. Here the explore's metadata (fetched once per session) answers
first: every field, filter, sort and pivot must name a field of the explore, pivots must be
dimensions the query selects, a query needs a dimension or measure, and a filter value must be
one of Looker's filter expressions for its field's type (``filters.py``). A refusal is
`QueryInvalid`, one sentence naming the part and the close names, before any request.

The query then runs on the DataFrame path (``session.run_query``): progress, Ctrl-C, typing and
truncation warnings are that path's.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote, urlencode

from .._errors import QueryInvalid
from . import filters as filter_expressions
from .fields import Field

if TYPE_CHECKING:
    from .explore import Explore

__all__ = ["ExploreQuery", "Runner", "check", "custom_names"]


class Runner(Protocol):
    """What a query uses of the session it runs on."""

    @property
    def looker_url(self) -> str: ...

    def run_query(self, *args: Any, **kwargs: Any) -> Any: ...

    def query_sql(self, *args: Any, **kwargs: Any) -> str: ...


def _name(given: object) -> str:
    return given.name if isinstance(given, Field) else str(given)


def _sorted_field(sort: str) -> str:
    """The field a sort names: ``"orders.count desc"`` → ``orders.count``."""
    return sort.strip().split()[0] if sort.strip() else ""


def custom_names(dynamic_fields: object) -> set[str]:
    """The names a query's ``dynamic_fields`` (custom fields, table calculations) define."""
    try:
        found = json.loads(dynamic_fields) if isinstance(dynamic_fields, str) else dynamic_fields
    except ValueError:
        return set()
    names: set[str] = set()
    for item in found if isinstance(found, list) else ():
        if isinstance(item, Mapping):
            for key in ("table_calculation", "measure", "dimension"):
                if item.get(key):
                    names.add(str(item[key]))
    return names


def check(
    explore: Explore,
    fields: Iterable[str],
    filters: Mapping[str, object],
    sorts: Iterable[str],
    pivots: Iterable[str],
    custom: Iterable[str] = (),
) -> None:
    """`QueryInvalid` for the first part of a query on ``explore`` that cannot be right;
    ``custom`` are names the query defines itself (``dynamic_fields``)."""
    own = set(custom)
    where = f"{explore.model}::{explore.name}"
    chosen = list(fields)
    if not chosen:
        raise QueryInvalid(
            f"A query on {where} needs at least one dimension or measure in fields=; "
            'find them with explore.search("...").'
        )
    for name in chosen:
        if name in own:
            continue
        if name not in explore:
            raise QueryInvalid(explore.unknown(name, "field"))
        category = explore[name].category
        if category not in ("dimension", "measure"):
            raise QueryInvalid(
                f"{name!r} is a {'filter-only field' if category == 'filter' else category} of "
                f"{where}: a query filters by it (filters={{{name!r}: ...}}) but cannot select "
                "it in fields=."
            )
    for name, value in filters.items():
        if name in own:
            continue
        if name not in explore:
            raise QueryInvalid(explore.unknown(name, "field to filter by"))
        field = explore[name]
        wrong = filter_expressions.problem(value, field.column, field.lookml_type, field.category)
        if wrong is not None:
            raise QueryInvalid(
                f"The filter on {name!r} ({field.lookml_type or 'untyped'}): {value!r} {wrong}; "
                "write one of Looker's filter expressions for it."
            )
    for sort in sorts:
        name = _sorted_field(sort)
        if name not in own and name not in explore:
            raise QueryInvalid(explore.unknown(name, "field to sort by"))
    for name in pivots:
        if name in own:
            continue
        if name not in explore:
            raise QueryInvalid(explore.unknown(name, "field to pivot on"))
        if explore[name].category != "dimension":
            raise QueryInvalid(
                f"The pivot {name!r} is a {explore[name].category}; pivot on a dimension."
            )
        if name not in chosen:
            raise QueryInvalid(
                f"The pivot {name!r} is not in the query's fields; add it to fields= too."
            )


@dataclass(frozen=True)
class ExploreQuery:
    """A query on one explore, checked when it was built: ``.to_pandas()`` (and
    ``.to_polars()``, ``.to_arrow()``, ``.to_csv(path)``) runs it as ``session.run_query``
    does; ``.sql`` is the SQL Looker writes for it; ``.url`` opens it in Looker's Explore."""

    explore: Explore
    fields: tuple[str, ...]
    filters: tuple[tuple[str, str], ...]
    sorts: tuple[str, ...]
    pivots: tuple[str, ...]
    limit: int | None

    @classmethod
    def build(
        cls,
        explore: Explore,
        fields: Iterable[str | Field],
        filters: Mapping[str | Field, object],
        sorts: Iterable[str],
        pivots: Iterable[str | Field],
        limit: int | None,
    ) -> ExploreQuery:
        if isinstance(fields, (str, Field)):
            fields = [fields]
        if isinstance(sorts, str):
            sorts = [sorts]
        if isinstance(pivots, (str, Field)):
            pivots = [pivots]
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)):
            raise TypeError(f"limit must be a whole number of rows, not {limit!r}")
        named = {_name(k): v for k, v in filters.items()}
        chosen = tuple(_name(f) for f in fields)
        order = tuple(str(s) for s in sorts)
        pivoted = tuple(_name(p) for p in pivots)
        check(explore, chosen, named, order, pivoted)
        shown = tuple((name, str(value)) for name, value in named.items())
        return cls(explore, chosen, shown, order, pivoted, limit)

    def body(self) -> dict[str, Any]:
        """The query as a WriteQuery (``POST /queries``'s body)."""
        found: dict[str, Any] = {
            "model": self.explore.model,
            "view": self.explore.name,
            "fields": list(self.fields),
        }
        if self.filters:
            found["filters"] = dict(self.filters)
        if self.sorts:
            found["sorts"] = list(self.sorts)
        if self.pivots:
            found["pivots"] = list(self.pivots)
        if self.limit is not None:
            found["limit"] = str(self.limit)
        return found

    @property
    def url(self) -> str:
        """The query in Looker's Explore (``/explore/{model}/{explore}?fields=...``) on the
        Looker UI host the session logs in through (``session.looker_url``, known once it has
        logged in): open it, or send it to a colleague who may see the explore."""
        web = self.explore.runner.looker_url.rstrip("/")
        params: list[tuple[str, str]] = [("fields", ",".join(self.fields))]
        params += [(f"f[{name}]", value) for name, value in self.filters]
        if self.sorts:
            params.append(("sorts", ",".join(self.sorts)))
        if self.pivots:
            params.append(("pivots", ",".join(self.pivots)))
        if self.limit is not None:
            params.append(("limit", str(self.limit)))
        path = f"/explore/{quote(self.explore.model)}/{quote(self.explore.name)}"
        return f"{web}{path}?{urlencode(params, safe=',[]', quote_via=quote)}"

    @property
    def sql(self) -> str:
        """The SQL Looker generates for the query (``session.query_sql``): one request."""
        sql: str = self.explore.runner.query_sql(self.body())
        return sql

    def to_pandas(self, **options: Any) -> Any:
        """Run the query into a pandas DataFrame; ``options`` are ``run_query``'s (``limit``,
        ``labels``, ``timeout``, ``progress``, ``max_bytes``)."""
        return self.explore.runner.run_query(self.body(), **options)

    def to_polars(self, **options: Any) -> Any:
        """Run the query into a polars DataFrame (``run_query(backend="polars")``)."""
        return self.explore.runner.run_query(self.body(), backend="polars", **options)

    def to_arrow(self, **options: Any) -> Any:
        """Run the query into a pyarrow Table (through polars, whose columns are Arrow's)."""
        return self.to_polars(**options).to_arrow()

    def to_csv(self, path: str | os.PathLike[str], **options: Any) -> Any:
        """Write Looker's CSV of the query to ``path`` as it arrives; returns the path."""
        return self.explore.runner.run_query(self.body(), to=path, **options)

    def __repr__(self) -> str:
        lines = [f"<ExploreQuery {self.explore.model}::{self.explore.name}"]
        lines.append(f"  fields:  {', '.join(self.fields)}")
        lines += [f"  filter:  {name} = {value!r}" for name, value in self.filters]
        if self.sorts:
            lines.append(f"  sorts:   {', '.join(self.sorts)}")
        if self.pivots:
            lines.append(f"  pivots:  {', '.join(self.pivots)}")
        lines.append(f"  limit:   {self.limit if self.limit is not None else 'Looker default'}>")
        return "\n".join(lines)
