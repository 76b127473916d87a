"""Looks, queries and SQL into DataFrames, through Looker's async query tasks.

A query runs as Looker's UI runs it: ``POST /queries`` (or the saved query or Look), then
``POST /query_tasks`` and ``GET /query_tasks/{id}/results`` until it answers 200 (202 or 204
while Looker runs it). The result is CSV streamed into the parser (``frames.py``), typed by the
explore's field metadata (``GET /lookml_models/{model}/explores/{explore}``, once per explore);
a pivoted query comes as json_detail. Ctrl-C, Kernel > Interrupt or the ``timeout`` stops the
task at Looker (``DELETE /running_queries/{id}``) and raises `QueryCancelled`.

Honest results: Looker's refusals and in-band database errors raise `QueryError` with Looker's
message, an unknown Look, query, model, explore or connection `QueryNotFound` naming it, and a
result as long as its row limit warns (`ResultTruncated`) that there may be more.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import io
import threading
import time
import warnings
from collections.abc import Callable, Coroutine, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import httpx

from .._errors import (
    LoginRequired,
    LookerAuthError,
    LookerServerError,
    QueryCancelled,
    QueryError,
    QueryNotFound,
    QueryTimeout,
    ResultTruncated,
    UnexpectedResponse,
)
from .._settings import Settings
from ..notebook.progress import Progress
from ..oauth.token import looker_error, rate_limited, unreachable
from .frames import (
    Backend,
    Column,
    Stream,
    columns_from_metadata,
    csv_frame,
    looker_json,
    pivot_frame,
    records_frame,
    require_backend,
)

__all__ = ["CANCEL", "DEFAULT_ROW_LIMIT", "QueryRunner", "Run", "async_twin", "in_thread"]

T = TypeVar("T")
S = TypeVar("S")
P = ParamSpec("P")
#: Set by `in_thread` for the run it starts: the asyncio side sets it to stop the run.
CANCEL: contextvars.ContextVar[threading.Event | None] = contextvars.ContextVar(
    "looker_nb_auth_cancel", default=None
)

#: Looker's row limit for a query that sets none.
DEFAULT_ROW_LIMIT = 500
_RUNNING = (202, 204)  # a query task's results while it runs
_FIRST_POLL = 0.05
_MAX_POLL = 1.0
_SOURCE = "looker-nb-auth"
_FIELD = "name,label,label_short,type,category,is_numeric,measure"
#: Only what typing the columns needs of the explore's (possibly large) metadata.
_FIELD_METADATA = f"fields(dimensions({_FIELD}),measures({_FIELD}))"


@dataclass
class Run:
    """How to run one query: what to call it in the progress line, its limits, its cancel."""

    what: str
    limit: int | None = None
    labels: bool = False
    backend: Backend = "pandas"
    to: Path | None = None
    timeout: float | None = None
    progress: bool = True
    cancel: threading.Event = field(default_factory=threading.Event)
    look_id: str | None = None
    started: float = field(default_factory=time.monotonic)  # when the call began


@dataclass(frozen=True)
class _Query:
    """A saved query as ``GET /queries/{id}`` describes it."""

    id: str
    model: str
    view: str
    fields: list[str]
    pivots: list[str]
    limit: int | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> _Query:
        limit = data.get("limit")
        try:
            row_limit = int(str(limit)) if limit not in (None, "") else None
        except ValueError:
            row_limit = None
        return cls(
            id=str(data.get("id") or ""),
            model=str(data.get("model") or ""),
            view=str(data.get("view") or ""),
            fields=[str(f) for f in data.get("fields") or ()],
            pivots=[str(p) for p in data.get("pivots") or ()],
            limit=row_limit,
        )


def _said(response: httpx.Response) -> str | None:
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
    """``response`` if it is a 2xx, else the typed error a user can act on."""
    if response.is_success:
        return response
    response.read()
    status = response.status_code
    said = _said(response)
    quoted = f" (Looker said: {said})" if said else ""
    if status == 404:
        raise QueryNotFound(
            f"Looker has no {missing or what}, or you may not see it (HTTP 404){quoted}; check "
            "the name and your access.",
            looker_message=said,
            status_code=status,
        )
    if status in (400, 422):
        raise QueryError(
            f"Looker refused {what}{quoted}; fix it and run it again.",
            looker_message=said,
            status_code=status,
        )
    if status == 401:
        raise LoginRequired(f"Looker refused the login for {what} (HTTP 401); log in again.")
    if status == 403:
        raise QueryError(
            f"Looker does not let you run {what} (HTTP 403){quoted}; ask your Looker admin for "
            "access.",
            looker_message=said,
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


def _in_band_error(rows: object) -> str | None:
    """Looker's in-band failure: ``[{"looker_error": ...}]`` (json) instead of rows."""
    if isinstance(rows, list) and rows and isinstance(rows[0], Mapping):
        message = rows[0].get("looker_error")
        if isinstance(message, str):
            return message
    return None


def _detail_error(body: Mapping[str, Any]) -> str | None:
    """json_detail's in-band failure: no data, the database's message in ``errors``."""
    for error in body.get("errors") or ():
        if isinstance(error, Mapping) and error.get("level", "error") == "error":
            return str(error.get("message") or "the query failed")
    return None


def _failed(message: str) -> QueryError:
    said = " ".join(message.split()) or "the query failed"
    if len(said) > 300:
        said = said[:299] + "…"
    return QueryError(
        f"The query failed in the database (Looker said: {said}); fix the query and run it again.",
        looker_message=message,
    )


class QueryRunner:
    """The data calls of one `LookerSession`: sync on ``session.client``."""

    def __init__(self, client: Callable[[], httpx.Client], settings: Settings) -> None:
        self._client = client
        self._settings = settings
        self._explores: dict[tuple[str, str], dict[str, Column]] = {}
        self._lock = threading.Lock()

    @contextmanager
    def reachable(self) -> Iterator[None]:
        """A connection failure or timeout as `LookerUnreachable`, naming Looker's host."""
        try:
            yield
        except httpx.TransportError as exc:
            raise unreachable(self._settings, exc) from None

    # -- the query -----------------------------------------------------------------------------

    def create_query(self, body: Mapping[str, Any]) -> _Query:
        model, view = body.get("model"), body.get("view")
        response = self._client().post("queries", json=dict(body))
        check(response, "the query", missing=f"model or explore {model}::{view}")
        return _Query.from_json(response.json())

    def saved_query(self, query: str | int) -> _Query:
        text = str(query).strip()
        if text.isdigit():
            response = self._client().get(f"queries/{text}")
        else:
            response = self._client().get(f"queries/slug/{text}")
        check(response, f"query {text}", missing=f"query {text!r}")
        return _Query.from_json(response.json())

    def look_query(self, look_id: str | int) -> _Query:
        look = str(look_id).strip()
        response = self._client().get(f"looks/{look}", params={"fields": "id,query_id,query"})
        check(response, f"Look {look}", missing=f"Look {look!r}")
        found = response.json()
        query_id = found.get("query_id")
        if not query_id:
            raise QueryError(f"Look {look} has no query to run; open it in Looker to fix it.")
        embedded = found.get("query")  # a LookWithQuery carries its query: one round trip less
        if isinstance(embedded, Mapping) and embedded.get("id") and embedded.get("fields"):
            return _Query.from_json(embedded)
        return self.saved_query(str(query_id))

    def columns(self, query: _Query) -> dict[str, Column]:
        """The explore's field metadata (one call per explore per session); without it (no
        access to the explore's metadata) the columns keep the types the parser infers."""
        key = (query.model, query.view)
        with self._lock:
            known = self._explores.get(key)
        if known is not None:
            return known
        response = self._client().get(
            f"lookml_models/{query.model}/explores/{query.view}",
            params={"fields": _FIELD_METADATA},
        )
        if response.status_code != 200:
            return {}
        columns = columns_from_metadata(response.json().get("fields") or {})
        with self._lock:
            self._explores[key] = columns
        return columns

    def generated_sql(self, query: _Query) -> str:
        response = self._client().get(f"queries/{query.id}/run/sql")
        return check(response, "the query's SQL").text

    def resolve(self, query: object, keywords: Mapping[str, Any]) -> tuple[_Query, str]:
        """The saved query to run, and what to call it: ``query`` is a WriteQuery dict, a query
        id or slug, or None (then ``keywords`` are the query)."""
        given = {k: v for k, v in keywords.items() if v is not None}
        if query is None or isinstance(query, Mapping):
            body: dict[str, Any] = {**(query or {}), **given}
            missing = [k for k in ("model", "view", "fields") if not body.get(k)]
            if missing:
                raise TypeError(
                    "run_query needs a query: a dict, a query id or slug, or model=, view= and "
                    f"fields= (missing: {', '.join(missing)})"
                )
            if isinstance(body["fields"], str):
                body["fields"] = [body["fields"]]
            for name in ("sorts", "pivots"):
                if isinstance(body.get(name), str):
                    body[name] = [body[name]]
            if "limit" in body:
                body["limit"] = str(body["limit"])
            saved = self.create_query(body)
            return saved, f"{saved.model}::{saved.view} query"
        if isinstance(query, (str, int)) and not isinstance(query, bool):
            extra = sorted(set(given) - {"limit"})
            if extra:
                raise TypeError(
                    f"a saved query cannot take {', '.join(extra)}; pass a dict or keywords to "
                    "build a new query"
                )
            saved = self.saved_query(query)
            return saved, f"query {saved.id}"
        raise TypeError(f"query must be a dict, a query id or a slug, not {type(query).__name__}")

    # -- running -------------------------------------------------------------------------------

    def run(self, query: _Query, run: Run) -> Any:
        """Run ``query`` as a task and return its DataFrame (or the written path, for ``to=``)."""
        if run.to is None:
            require_backend(run.backend)
        columns = self.columns(query)
        result_format = "json_detail" if query.pivots and run.to is None else "csv"
        limit = run.limit if run.limit is not None else query.limit
        progress = Progress(run.what, enabled=run.progress, started=run.started)
        task_id = self._create_task(query, result_format, run)
        try:
            with self._results(task_id, run, progress) as response:
                if run.to is not None:
                    rows = self._write(self._body(response, run), run.to, progress)
                    result: Any = run.to
                elif result_format == "json_detail":
                    body = looker_json(response.read())
                    message = _detail_error(body)
                    if message is not None:
                        raise _failed(message)
                    result, rows = pivot_frame(body, columns, run.backend)
                else:
                    result, rows = self._parse_csv(response, query, columns, run, progress)
        except LookerAuthError as error:  # the line ends with what went wrong
            progress.failed(str(error))
            raise
        except httpx.TransportError as exc:
            lost = unreachable(self._settings, exc)
            progress.failed(str(lost))
            raise lost from None
        progress.finished(rows)
        if run.to is None:
            _annotate(result, columns, query, run)
        _warn_if_truncated(rows, limit)
        return result

    def _create_task(self, query: _Query, result_format: str, run: Run) -> str:
        body: dict[str, Any] = {
            "query_id": query.id,
            "result_format": result_format,
            "source": _SOURCE,
        }
        if run.look_id is not None:
            body["look_id"] = run.look_id
        params = {"limit": str(run.limit)} if run.limit is not None else None
        response = self._client().post("query_tasks", json=body, params=params)
        check(response, "the query task", missing=f"query {query.id}")
        task_id = response.json().get("id")
        if not isinstance(task_id, str) or not task_id:
            raise UnexpectedResponse("Looker's query task has no id; run the query again.")
        return task_id

    def _kill(self, task_id: str) -> None:
        """Stop the task at Looker; a task that already finished has nothing to stop."""
        # best effort: the user asked to stop, and nothing of the result is kept
        with contextlib.suppress(httpx.HTTPError, LookerAuthError):
            self._client().delete(f"running_queries/{task_id}")

    def _stop(self, task_id: str, run: Run, progress: Progress, *, timed_out: bool) -> None:
        self._kill(task_id)
        if timed_out:
            raise QueryTimeout(
                f"The query ran longer than its timeout of {run.timeout:g} s, so it was stopped "
                "at Looker; run it again with a longer timeout (or timeout=None)."
            )
        raise QueryCancelled(
            f"The query was cancelled after {progress.elapsed:.1f} s and stopped at Looker; "
            "nothing of its result was kept."
        )

    @contextmanager
    def _results(self, task_id: str, run: Run, progress: Progress) -> Iterator[httpx.Response]:
        """The task's results response once Looker has finished running it (streamed)."""
        wait = _FIRST_POLL
        deadline = None if run.timeout is None else time.monotonic() + run.timeout
        try:
            while True:
                with self._client().stream("GET", f"query_tasks/{task_id}/results") as response:
                    if response.status_code not in _RUNNING:
                        if response.status_code in (400, 422):
                            response.read()
                            raise _failed(_said(response) or "the query failed")
                        if response.status_code == 404:
                            raise QueryNotFound(
                                f"Looker no longer has the results of query task {task_id} "
                                "(they expired, or the task was stopped at Looker); run the "
                                "query again.",
                                status_code=404,
                            )
                        check(response, "the query's results", missing=f"query task {task_id}")
                        progress.receiving(0)
                        yield response
                        return
                progress.running()
                pause = wait
                if deadline is not None:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        self._stop(task_id, run, progress, timed_out=True)
                    pause = min(wait, left)
                if run.cancel.wait(pause):
                    self._stop(task_id, run, progress, timed_out=False)
                wait = min(wait * 2, _MAX_POLL)
        except KeyboardInterrupt:
            self._stop(task_id, run, progress, timed_out=False)

    def _body(self, response: httpx.Response, run: Run) -> Iterator[bytes]:
        for chunk in response.iter_bytes():
            if run.cancel.is_set():
                raise QueryCancelled(
                    "The query was cancelled while its result arrived; nothing of it was kept."
                )
            yield chunk

    def _parse_csv(
        self,
        response: httpx.Response,
        query: _Query,
        columns: dict[str, Column],
        run: Run,
        progress: Progress,
    ) -> tuple[Any, int]:
        stream = io.BufferedReader(Stream(self._body(response, run), progress.receiving), 1 << 20)
        try:
            frame = csv_frame(
                stream,
                columns=columns,
                fields=query.fields,
                backend=run.backend,
                on_rows=progress.counted,
            )
        except KeyboardInterrupt:
            raise QueryCancelled(
                "The query was cancelled while its result arrived; nothing of it was kept."
            ) from None
        return frame, len(frame)

    def _write(self, body: Iterator[bytes], path: Path, progress: Progress) -> int:
        """Write the raw CSV to ``path`` as it arrives (a partial file is removed)."""
        lines = 0
        written = 0
        partial = path.with_name(path.name + ".part")
        try:
            with partial.open("wb") as out:
                for chunk in body:
                    out.write(chunk)
                    written += len(chunk)
                    lines += chunk.count(b"\n")
                    progress.receiving(written)
            partial.replace(path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return max(lines - 1, 0)  # the header is not a row

    # -- SQL Runner ----------------------------------------------------------------------------

    def run_sql(self, sql: str, connection: str | None, model: str | None, run: Run) -> Any:
        require_backend(run.backend)
        body: dict[str, Any] = {"sql": sql}
        if connection is not None:
            body["connection_name"] = connection
        if model is not None:
            body["model_name"] = model
        where = f"connection {connection!r}" if connection is not None else f"model {model!r}"
        response = self._client().post("sql_queries", json=body)
        check(response, "the SQL query", missing=where)
        slug = response.json().get("slug")
        if not isinstance(slug, str) or not slug:
            raise UnexpectedResponse("Looker's SQL Runner query has no slug; run it again.")
        progress = Progress(run.what, enabled=run.progress, started=run.started)
        try:
            response = self._client().post(f"sql_queries/{slug}/run/json")
        except KeyboardInterrupt:
            raise QueryCancelled("The SQL query was cancelled; nothing of it was kept.") from None
        check(response, "the SQL query")
        rows = looker_json(response.content)
        message = _in_band_error(rows)
        if message is not None:
            progress.failed(message.splitlines()[0])
            raise _failed(message)
        if not isinstance(rows, list):
            raise UnexpectedResponse("Looker's SQL Runner result is not a list of rows.")
        frame = records_frame(rows, run.backend)
        progress.finished(len(rows))
        return frame


def _annotate(frame: Any, columns: Mapping[str, Column], query: _Query, run: Run) -> None:
    """``df.attrs``: the field labels, the query id; ``labels=True`` shows the labels."""
    import pandas as pd

    labels = {name: column.label for name, column in columns.items() if name in query.fields}
    if run.backend == "polars":
        if run.labels:
            frame.columns = [labels.get(c, c) for c in frame.columns]
        return
    frame.attrs["labels"] = labels
    frame.attrs["query_id"] = query.id
    if run.labels:
        if isinstance(frame.columns, pd.MultiIndex):  # pivots: (field, pivot values...)
            frame.columns = frame.columns.set_levels(
                [labels.get(n, n) for n in frame.columns.levels[0]], level=0
            )
        else:
            frame.columns = [labels.get(c, c) for c in frame.columns]
        frame.index.names = [labels.get(n, n) if n else n for n in frame.index.names]


def _warn_if_truncated(rows: int, limit: int | None) -> None:
    """Warn when a result is as long as its row limit (Looker's default when it has none)."""
    if limit is None:
        limit = DEFAULT_ROW_LIMIT
    if limit >= 0 and rows >= limit:
        warnings.warn(
            f"Looker returned {rows:,} rows, the query's row limit, so the result may be cut "
            "short; pass limit=-1 for every row (or a higher limit).",
            ResultTruncated,
            stacklevel=4,
        )


async def in_thread(call: Callable[[], T]) -> T:
    """Run ``call`` in a worker thread; cancelling the awaiting task sets its `CANCEL` event,
    so a running query is stopped at Looker before the cancellation goes on."""
    cancel = threading.Event()
    context = contextvars.copy_context()
    context.run(CANCEL.set, cancel)
    future = asyncio.get_running_loop().run_in_executor(None, context.run, call)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        cancel.set()
        with contextlib.suppress(BaseException):
            await future  # it stops the task at Looker, then raises QueryCancelled
        raise


def async_twin(
    method: Callable[Concatenate[S, P], T],
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, T]]:
    """The ``a``-prefixed twin of a session method, with its signature: it runs the method in a
    worker thread (`in_thread`), so the event loop goes on."""

    @functools.wraps(method)
    async def twin(self: S, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return await in_thread(lambda: method(self, *args, **kwargs))

    twin.__name__ = f"a{method.__name__}"
    twin.__qualname__ = f"{method.__qualname__.rpartition('.')[0]}.a{method.__name__}".lstrip(".")
    twin.__doc__ = (
        f"`{method.__name__}` without blocking the event loop: the download and the parse run "
        "in a worker thread, and cancelling the awaiting task stops the query at Looker."
    )
    return twin
