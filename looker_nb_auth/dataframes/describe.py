"""Step 1, describe: what to run, as a saved query, and what its fields hold.

A query to run comes as a WriteQuery dict or keywords (``POST /queries`` saves it), a saved
query's id or slug (``GET /queries/{id}``, ``GET /queries/slug/{slug}``) or a Look
(``GET /looks/{id}``, which carries its query). Each becomes a `Query`: what `task.py` runs.

The explore's field metadata (``GET /lookml_models/{model}/explores/{explore}``, once per
explore per session: `Explores`) says what each field holds, a `Column`: its LookML ``type``
read as a `Kind`. ``yesno`` is a boolean; numbers and measures are numbers; dates and timestamps
are points in time (with the format Looker writes them in); quarters are quarters; strings (zip
codes too) are strings. A query's table calculations and custom fields (its ``dynamic_fields``)
are columns of their own, with their own labels and declared types (``dynamic.py``). A field
nothing describes (SQL Runner) keeps what the parser infers. ``parse.py`` reads the CSV by
these kinds, ``dtypes.py`` types it.

Each of these is a flow (``drive.py``): it yields its requests and is sent the answers.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

from .._errors import QueryError
from .answers import check
from .drive import Call, Flow

__all__ = [
    "Check",
    "Column",
    "Explores",
    "Kind",
    "Query",
    "QueryFields",
    "SavedQueries",
    "columns",
    "columns_from_metadata",
    "look",
    "query",
    "save",
]


class QueryFields(TypedDict, total=False):
    """A new query described by keywords (``run_query`` and ``query_sql`` take them; ``None``:
    not given): the LookML ``model``, the explore (``view``), and the WriteQuery's lists."""

    model: str | None
    view: str | None
    fields: list[str] | None
    filters: Mapping[str, str] | None
    sorts: list[str] | None
    pivots: list[str] | None


#: What a new query's WriteQuery passes before it is sent (`query`'s ``first``).
Check = Callable[[Mapping[str, Any]], Flow[None]]

Kind = Literal["string", "number", "boolean", "datetime", "quarter", "inferred"]

_FIELD = "name,label,label_short,type,category,is_numeric,measure"
#: Only what typing the columns needs of the explore's (possibly large) metadata.
_FIELD_METADATA = f"fields(dimensions({_FIELD}),measures({_FIELD}))"


@dataclass(frozen=True)
class Query:
    """A saved query as ``GET /queries/{id}`` describes it, with what to call it in the
    progress line (``name``), the Look it belongs to, if any, and whether its ``limit`` is the
    caller's own (``limit_asked``: a WriteQuery the caller wrote with one). ``dynamic``: its
    table calculations and custom fields, as columns by field name."""

    id: str
    model: str
    view: str
    fields: list[str]
    pivots: list[str]
    limit: int | None
    name: str = "query"
    look_id: str | None = None
    limit_asked: bool = False
    dynamic: Mapping[str, Column] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_json(
        cls, data: Mapping[str, Any], *, name: str | None = None, look_id: str | None = None
    ) -> Query:
        limit = data.get("limit")
        try:
            row_limit = int(str(limit)) if limit not in (None, "") else None
        except ValueError:
            row_limit = None
        from .dynamic import dynamic_columns  # it imports this module's Column

        model, view = str(data.get("model") or ""), str(data.get("view") or "")
        return cls(
            id=str(data.get("id") or ""),
            model=model,
            view=view,
            fields=[str(f) for f in data.get("fields") or ()],
            pivots=[str(p) for p in data.get("pivots") or ()],
            limit=row_limit,
            name=name or f"{model}::{view} query",
            look_id=look_id,
            dynamic=dynamic_columns(data.get("dynamic_fields")),
        )


def look(look_id: str | int) -> Flow[Query]:
    """A Look's query: the Look carries it (a LookWithQuery), else ``GET /queries/{id}``."""
    shown = str(look_id).strip()
    response = yield Call("GET", f"looks/{shown}", params={"fields": "id,query_id,query"})
    check(response, f"Look {shown}", missing=f"Look {shown!r}")
    found = response.json()
    query_id = found.get("query_id")
    if not query_id:
        raise QueryError(f"Look {shown} has no query to run; open it in Looker to fix it.")
    embedded = found.get("query")  # a LookWithQuery carries its query: one round trip less
    if isinstance(embedded, Mapping) and embedded.get("id") and embedded.get("fields"):
        return Query.from_json(embedded, name=f"Look {look_id}", look_id=str(look_id))
    saved = yield from _saved(str(query_id))
    return Query.from_json(saved, name=f"Look {look_id}", look_id=str(look_id))


class SavedQueries:
    """The queries one session has saved (``POST /queries``), by their WriteQuery: the most
    recent `SIZE`.

    Looker's queries never change, and ``POST /queries`` with a query exactly like an existing
    one answers the existing query (the spec's ``create_query``), so a WriteQuery saved before
    in the session is that query again without asking: a repeated ``run_query`` makes two
    round trips instead of three. Only what Looker accepted is kept, after the explore check
    it passed (the same body passes it again), and a session's own memory is all it is."""

    SIZE = 256

    def __init__(self) -> None:
        self._known: OrderedDict[str, tuple[Mapping[str, Any], Query]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(body: Mapping[str, Any]) -> str:
        return json.dumps(body, sort_keys=True, default=str)

    def get(self, key: str) -> Query | None:
        with self._lock:
            found = self._known.get(key)
            if found is None:
                return None
            self._known.move_to_end(key)
            return found[1]

    def keep(self, body: Mapping[str, Any], saved: Query) -> None:
        key = self.key(body)
        with self._lock:
            self._known[key] = (body, saved)
            self._known.move_to_end(key)
            while len(self._known) > self.SIZE:
                self._known.popitem(last=False)

    def forget(self, saved: Query) -> Mapping[str, Any] | None:
        """Forget ``saved`` (Looker no longer has it); its WriteQuery, or None: not one kept."""
        with self._lock:
            for key, (body, known) in self._known.items():
                if known is saved:
                    del self._known[key]
                    return body
        return None


def query(
    given: object,
    keywords: QueryFields,
    first: Check | None = None,
    saved_before: SavedQueries | None = None,
) -> Flow[Query]:
    """The saved query to run: ``given`` is a WriteQuery dict, a query id or slug, or None
    (then ``keywords`` are the query). A new query (a dict, keywords) passes ``first`` before
    it is sent (the session's check against its explore: ``explore/calls.py``), unless the
    session saved the same WriteQuery before (``saved_before``): then it is that query."""
    chosen = {k: v for k, v in keywords.items() if v is not None}
    if given is None or isinstance(given, Mapping):
        body: dict[str, Any] = {**(given or {}), **chosen}
        missing = [k for k in ("model", "view", "fields") if not body.get(k)]
        if missing:
            raise TypeError(
                "run_query needs a query: a dict, a query id or slug, or model=, view= and "
                f"fields= (missing: {', '.join(missing)})"
            )
        for name in ("fields", "sorts", "pivots"):
            if isinstance(body.get(name), str):
                body[name] = [body[name]]
        if "limit" in body:
            body["limit"] = str(body["limit"])
        if isinstance(body.get("dynamic_fields"), list):  # Looker takes them as a JSON string
            body["dynamic_fields"] = json.dumps(body["dynamic_fields"])
        key = SavedQueries.key(body)
        known = None if saved_before is None else saved_before.get(key)
        if known is not None:
            return known
        if first is not None:
            yield from first(body)
        return (yield from save(body, saved_before))
    if isinstance(given, (str, int)) and not isinstance(given, bool):
        extra = sorted(set(chosen) - {"limit"})
        if extra:
            raise TypeError(
                f"a saved query cannot take {', '.join(extra)}; pass a dict or keywords to "
                "build a new query"
            )
        found = Query.from_json((yield from _saved(given)))
        return dataclasses.replace(found, name=f"query {found.id}")
    raise TypeError(f"query must be a dict, a query id or a slug, not {type(given).__name__}")


def save(body: Mapping[str, Any], saved_before: SavedQueries | None = None) -> Flow[Query]:
    """``POST /queries``: the query Looker saves ``body`` (a WriteQuery) as, kept in
    ``saved_before``."""
    response = yield Call("POST", "queries", json=body)
    where = f"model or explore {body.get('model')}::{body.get('view')}"
    check(response, "the query", missing=where)
    asked = body.get("limit") not in (None, "")
    saved = dataclasses.replace(Query.from_json(response.json()), limit_asked=asked)
    if saved_before is not None and saved.id:
        saved_before.keep(body, saved)
    return saved


def _saved(given: str | int) -> Flow[Mapping[str, Any]]:
    text = str(given).strip()
    path = f"queries/{text}" if text.isdigit() else f"queries/slug/{text}"
    response = yield Call("GET", path)
    check(response, f"query {text}", missing=f"query {text!r}")
    found: Mapping[str, Any] = response.json()
    return found


# -- what each field holds ------------------------------------------------------------------------


class Explores:
    """The field metadata of the explores one session has run queries on."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, str], dict[str, Column]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> dict[str, Column] | None:
        with self._lock:
            return self._known.get(key)

    def keep(self, key: tuple[str, str], columns: dict[str, Column]) -> None:
        with self._lock:
            self._known[key] = columns


def columns(saved: Query, explores: Explores) -> Flow[dict[str, Column]]:
    """The explore's fields as columns (one call per explore per session), and the query's
    dynamic fields; without access to the explore's metadata, the dynamic fields alone: the
    other columns keep the types the parser infers."""
    key = (saved.model, saved.view)
    known = explores.get(key)
    if known is not None:
        return {**known, **saved.dynamic}
    response = yield Call(
        "GET", f"lookml_models/{saved.model}/explores/{saved.view}", {"fields": _FIELD_METADATA}
    )
    if response.status_code != 200:
        return dict(saved.dynamic)
    found = columns_from_metadata(response.json().get("fields") or {})
    explores.keep(key, found)
    return {**found, **saved.dynamic}


# LookML types (as query results and explore metadata name them) by what they hold.
_STRING_TYPES = {
    "string",
    "zipcode",
    "tier",
    "location",
    "list",
    "date_day_of_week",
    "date_month_name",
    "date_fiscal_quarter_of_year",
    "date_quarter_of_year",
}
_NUMBER_PREFIXES = ("duration", "date_day_of_month", "date_day_of_year", "date_hour_of_day")
_NUMBER_TYPES = {
    "number",
    "count",
    "count_distinct",
    "sum",
    "sum_distinct",
    "average",
    "average_distinct",
    "min",
    "max",
    "median",
    "median_distinct",
    "percentile",
    "percentile_distinct",
    "percent_of_total",
    "percent_of_previous",
    "running_total",
    "date_year",
    "date_fiscal_year",
    "date_month_num",
    "date_fiscal_month_num",
    "date_week_of_year",
    "date_day_of_week_index",
    "date_minute_of_hour",
}
# Timeframes whose values are a point in time, and how Looker writes them.
_TIME_FORMATS = {
    "date_time": "%Y-%m-%d %H:%M:%S",
    "date_second": "%Y-%m-%d %H:%M:%S",
    "date_minute": "%Y-%m-%d %H:%M",
    "date_hour": "%Y-%m-%d %H",
    "date_date": "%Y-%m-%d",
    "date_week": "%Y-%m-%d",
    "date_month": "%Y-%m",
    "date": "%Y-%m-%d",
}
_QUARTER_TYPES = {"date_quarter", "date_fiscal_quarter"}
_CATEGORIES = ("dimension", "measure", "table_calculation")


@dataclass(frozen=True)
class Column:
    """One result column: Looker's field ``name``, its ``label`` (and ``label_short``), its
    ``category`` (``dimension``, ``measure``, ``table_calculation``) and what its values are."""

    name: str
    label: str = ""
    kind: Kind = "inferred"
    time_format: str | None = None
    label_short: str = ""
    category: str = "dimension"

    @classmethod
    def from_field(cls, field: Mapping[str, Any]) -> Column:
        """From a ``LookmlModelExploreField`` / json_detail field description."""
        name = str(field.get("name") or "")
        label = str(field.get("label") or field.get("label_short") or name)
        lookml_type = str(field.get("type") or "")
        kind: Kind
        time_format = None
        if lookml_type == "yesno":
            kind = "boolean"
        elif lookml_type in _TIME_FORMATS:
            kind, time_format = "datetime", _TIME_FORMATS[lookml_type]
        elif lookml_type.startswith(("date_minute", "date_millisecond", "date_microsecond")):
            kind = "datetime"  # date_minute15 and finer: let the ISO parser read them
        elif lookml_type in _QUARTER_TYPES:
            kind = "quarter"
        elif lookml_type in _STRING_TYPES:
            kind = "string"
        elif (
            lookml_type in _NUMBER_TYPES
            or lookml_type.startswith(_NUMBER_PREFIXES)
            or field.get("measure") is True
            or field.get("category") == "measure"
            or field.get("is_numeric") is True
        ):
            kind = "number"
        else:
            kind = "inferred"
        measure = field.get("measure") is True or field.get("category") == "measure"
        category = str(field.get("category") or "") if not measure else "measure"
        return cls(
            name=name,
            label=label,
            kind=kind,
            time_format=time_format,
            label_short=str(field.get("label_short") or ""),
            category=category if category in _CATEGORIES else "dimension",
        )


def columns_from_metadata(fields: Mapping[str, Any]) -> dict[str, Column]:
    """``{"dimensions": [...], "measures": [...], ...}`` → the columns by field name."""
    found: dict[str, Column] = {}
    for group in ("dimensions", "measures", "pivots", "table_calculations", "filters"):
        for field in fields.get(group) or ():
            if isinstance(field, Mapping) and field.get("name"):
                found.setdefault(str(field["name"]), Column.from_field(field))
    return found
