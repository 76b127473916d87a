"""``session.look(42)``: a saved Look, read once, with its query to read and to vary.

``GET /looks/{id}`` answers a ``LookWithQuery``: the Look and the query it runs, in one request.
`Look` shows what the query asks (model, explore, fields, filters, sorts, pivots, limit, table
calculations and custom fields); ``run()`` runs the Look as it is saved (``run_look``), and
``with_filters``/``with_sorts``/``with_limit`` make a new query from it (`LookQuery`), leaving
the Look as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from .._errors import QueryError
from ..dataframes.answers import check
from ..dataframes.drive import Call, Flow
from .info import folder_name, when
from .look_query import LookQuery

if TYPE_CHECKING:
    from ..explore.explore import Explore

__all__ = ["Look", "Opener", "read_look"]

_FIELDS = "id,title,description,folder(id,name),model(id),updated_at,query_id,query"


class Opener(Protocol):
    """What a Look uses of the session it came from."""

    def explore(self, model: str, explore: str) -> Explore: ...

    def run_look(self, *args: Any, **kwargs: Any) -> Any: ...


def read_look(look_id: str | int) -> Flow[Mapping[str, Any]]:
    """The ``LookWithQuery`` of Look ``look_id``; an unknown one is `QueryNotFound`."""
    shown = str(look_id).strip()
    response = yield Call("GET", f"looks/{shown}", params={"fields": _FIELDS})
    check(response, f"Look {shown}", missing=f"Look {shown!r}")
    found = response.json()
    if not isinstance(found, Mapping) or not isinstance(found.get("query"), Mapping):
        raise QueryError(f"Look {shown} has no query to run; open it in Looker to fix it.")
    return found


def _strings(values: object) -> tuple[str, ...]:
    return tuple(str(v) for v in values) if isinstance(values, Iterable) and values else ()


@dataclass(frozen=True)
class Look:
    """A saved Look and the query it runs; ``url`` opens it in Looker."""

    id: str
    title: str
    description: str
    folder: str
    updated_at: str
    model: str
    explore: str
    fields: tuple[str, ...]
    filters: Mapping[str, str]
    sorts: tuple[str, ...]
    pivots: tuple[str, ...]
    limit: int | None
    dynamic_fields: Any
    url: str
    query_id: str
    _query: Mapping[str, Any] = field(repr=False, compare=False)
    _session: Opener = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any], looker_url: str, session: Opener) -> Look:
        query: Mapping[str, Any] = data["query"]
        filters = query.get("filters")
        limit = query.get("limit")
        look_id = str(data.get("id") or "")
        return cls(
            id=look_id,
            title=str(data.get("title") or ""),
            description=str(data.get("description") or ""),
            folder=folder_name(data),
            updated_at=when(data.get("updated_at")),
            model=str(query.get("model") or ""),
            explore=str(query.get("view") or ""),
            fields=_strings(query.get("fields")),
            filters={str(k): str(v) for k, v in filters.items()}
            if isinstance(filters, Mapping)
            else {},
            sorts=_strings(query.get("sorts")),
            pivots=_strings(query.get("pivots")),
            limit=int(str(limit)) if str(limit or "").lstrip("-").isdigit() else None,
            dynamic_fields=query.get("dynamic_fields"),
            url=f"{looker_url}/looks/{look_id}",
            query_id=str(data.get("query_id") or query.get("id") or ""),
            _query=query,
            _session=session,
        )

    @property
    def view(self) -> str:
        """The explore, by the name Looker's query gives it (``view``)."""
        return self.explore

    def run(self, **options: Any) -> Any:
        """Run the Look as it is saved: ``session.run_look(id, **options)`` (``limit``,
        ``labels``, ``backend``, ``to``, ``timeout``, ``pivot_shape``...)."""
        return self._session.run_look(self.id, **options)

    def query(self) -> LookQuery:
        """The Look's query as a `LookQuery` to run or vary (reads the explore's fields once
        per session, to check it)."""
        found = self._session.explore(self.model, self.explore)
        return LookQuery.of_look(found, self.id, self._query)

    def with_filters(self, filters: Mapping[Any, str | None]) -> LookQuery:
        """The Look's query with ``filters`` over the Look's own (``None`` removes one), as a
        new query to run; the saved Look is not changed."""
        return self.query().with_filters(filters)

    def with_sorts(self, sorts: Iterable[str] | str) -> LookQuery:
        """The Look's query sorted by ``sorts`` instead; the saved Look is not changed."""
        return self.query().with_sorts(sorts)

    def with_limit(self, limit: int | None) -> LookQuery:
        """The Look's query with another row limit (``-1``: every row); the saved Look is not
        changed."""
        return self.query().with_limit(limit)

    def __repr__(self) -> str:
        lines = [f"<Look {self.id}: {self.title!r} ({self.model}::{self.explore})"]
        if self.folder:
            lines.append(f"  folder:  {self.folder}")
        if self.description:
            lines.append(f"  about:   {self.description}")
        lines.append(f"  fields:  {', '.join(self.fields)}")
        lines += [f"  filter:  {name} = {value!r}" for name, value in self.filters.items()]
        if self.sorts:
            lines.append(f"  sorts:   {', '.join(self.sorts)}")
        if self.pivots:
            lines.append(f"  pivots:  {', '.join(self.pivots)}")
        if self.dynamic_fields:
            lines.append("  + table calculations / custom fields (dynamic_fields)")
        lines.append(f"  limit:   {self.limit if self.limit is not None else 'Looker default'}")
        lines.append(f"  open:    {self.url}>")
        return "\n".join(lines)
