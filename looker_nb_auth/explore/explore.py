"""An explore to browse and query: `Explore`, and `FieldList` (what ``search`` finds).

An `Explore` is built once per explore per session from Looker's ``LookmlModelExplore`` and
holds no connection of its own: it reaches Looker only through the session it came from, when a
query built on it runs (``query.py``). Everything else (listing, looking up, searching,
completing field names) is answered from the metadata, without a request.

Hidden fields (``hidden: yes`` in LookML) are left out of the lists, reprs and completions, as
Looker's field picker leaves them out, but ``explore["view.hidden_field"]`` and queries still
take them, as Looker's API does.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .._errors import QueryInvalid
from . import render
from .fields import CATEGORIES, Field
from .names import namespace, suggest

if TYPE_CHECKING:
    from .query import ExploreQuery, Runner

__all__ = ["Explore", "FieldList"]

#: ``LookmlModelExploreFieldset`` group → a field's category.
_CATEGORY = {
    "dimensions": "dimension",
    "measures": "measure",
    "filters": "filter",
    "parameters": "parameter",
}


class FieldList(list[Field]):
    """Fields (``explore.search``'s answer, ``explore.dimensions``...): a list with a readable
    repr, and a table in a notebook."""

    def __init__(self, fields: Iterable[Field] = (), title: str = "fields") -> None:
        super().__init__(fields)
        self.title = title

    @property
    def names(self) -> list[str]:
        return [field.name for field in self]

    def __repr__(self) -> str:
        count = f"{len(self)} field{'s' if len(self) != 1 else ''}"
        lines = [f"<{self.title}: {count}>", *render.fields_text(self)]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return render.fields_html(self, f"<b>{html.escape(self.title)}</b>")


class Explore:
    """A LookML explore: its fields to browse (``dimensions``, ``measures``, ``filters``: the
    filter-only fields, ``parameters``), to look up (``explore["orders.created_month"]``), to
    complete (``explore.fields.orders.<TAB>``) and to search (``explore.search("revenue")``),
    and ``query(...)`` to build a query checked against them before it runs."""

    def __init__(self, model: str, data: Mapping[str, Any], runner: Runner | None = None) -> None:
        self.model = model
        self.name = str(data.get("name") or "")
        self.label = str(data.get("label") or self.name.replace("_", " ").title())
        self.description = str(data.get("description") or "")
        self._runner = runner
        groups = data.get("fields") or {}
        self._all: dict[str, Field] = {}
        for group in CATEGORIES:
            for item in groups.get(group) or ():
                if isinstance(item, Mapping) and item.get("name"):
                    field = Field.from_json(item, _CATEGORY[group])
                    self._all.setdefault(field.name, field)
        title = f"{self.model}::{self.name}"
        self.fields = namespace(f"{title} fields", self.visible())

    # -- listing ---------------------------------------------------------------------------

    def _listed(self, category: str, title: str) -> FieldList:
        found = (f for f in self._all.values() if f.category == category and not f.hidden)
        return FieldList(found, f"{self.model}::{self.name} {title}")

    @property
    def dimensions(self) -> FieldList:
        return self._listed("dimension", "dimensions")

    @property
    def measures(self) -> FieldList:
        return self._listed("measure", "measures")

    @property
    def filters(self) -> FieldList:
        """The filter-only fields (LookML ``filter:``): a query filters by them, never
        selects them."""
        return self._listed("filter", "filter-only fields")

    @property
    def parameters(self) -> FieldList:
        return self._listed("parameter", "parameters")

    @property
    def hidden(self) -> FieldList:
        """The fields LookML hides from the field picker; queries may still name them."""
        return FieldList((f for f in self._all.values() if f.hidden), "hidden fields")

    def visible(self) -> FieldList:
        """Every field the field picker shows, in the explore's order."""
        return FieldList(f for f in self._all.values() if not f.hidden)

    def groups(self) -> dict[str, FieldList]:
        """The lists by what they are called in a summary."""
        return {
            "dimensions": self.dimensions,
            "measures": self.measures,
            "filter-only fields": self.filters,
            "parameters": self.parameters,
        }

    # -- looking up ------------------------------------------------------------------------

    def __contains__(self, name: object) -> bool:
        return name in self._all

    def __iter__(self) -> Iterator[Field]:
        return iter(self.visible())

    def __len__(self) -> int:
        return len(self.visible())

    def __getitem__(self, name: str) -> Field:
        """The field a query names ``name`` (``"view.field"``); `QueryInvalid` names the close
        ones when there is none."""
        field = self._all.get(name)
        if field is None:
            raise QueryInvalid(self.unknown(name, "field"))
        return field

    def unknown(self, name: object, what: str, among: Sequence[Field] | None = None) -> str:
        """The sentence for a ``what`` named ``name`` that is none of ``among`` (default: every
        field), with "did you mean" when some are close."""
        pool = list(self._all.values()) if among is None else list(among)
        close = suggest(str(name), [f.name for f in pool], {f.label: f.name for f in pool})
        hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
        return (
            f"The explore {self.model}::{self.name} has no {what} {str(name)!r}; {hint}"
            f'list them with explore.search("...") or explore.fields.<TAB>.'
        )

    def _ipython_key_completions_(self) -> list[str]:
        return [f.name for f in self.visible()]

    def search(self, text: str) -> FieldList:
        """The fields whose name, label or description contains ``text`` (any case)."""
        wanted = text.strip().lower()
        found = (
            f
            for f in self.visible()
            if wanted in f.name.lower()
            or wanted in f.label.lower()
            or wanted in f.description.lower()
        )
        return FieldList(found, f"fields of {self.model}::{self.name} matching {text!r}")

    # -- querying --------------------------------------------------------------------------

    def query(
        self,
        fields: Iterable[str | Field] = (),
        filters: Mapping[str | Field, object] | None = None,
        sorts: Iterable[str] = (),
        pivots: Iterable[str | Field] = (),
        limit: int | None = None,
    ) -> ExploreQuery:
        """A query on this explore, checked now against its fields (`QueryInvalid` says what
        is wrong, before any request); run it with ``.to_pandas()``, see it with ``.sql`` and
        ``.url``. ``fields``, ``pivots`` and the filters' keys take names or `Field` objects."""
        from .query import ExploreQuery

        return ExploreQuery.build(self, fields, filters or {}, sorts, pivots, limit)

    @property
    def runner(self) -> Runner:
        if self._runner is None:
            raise TypeError("this explore was built without a session, so it cannot run queries")
        return self._runner

    def __repr__(self) -> str:
        return render.explore_text(self)

    def _repr_html_(self) -> str:
        return render.explore_html(self)
