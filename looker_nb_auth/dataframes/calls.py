"""The DataFrame calls of a `LookerSession`: ``run_look``, ``run_query``, ``run_sql``,
``query_sql`` and the async twins ``arun_look``, ``arun_query``, ``arun_sql``.

A mixin on the session's public surface only (``client``, ``async_client``, ``settings``): the
session inherits it, and nothing here knows how the session logs in or refreshes. Each call is
one method that builds its flow (``pipeline.py``); `blocking` makes it the ``run_*`` method,
which drives the flow on ``session.client``, and `awaitable` its ``arun_*`` twin, which drives
the same flow on ``session.async_client`` (``drive.py``). A Look or query is run `_bounded`:
``timeout=`` is a deadline for the whole call, and a stop is `QueryCancelled` wherever it comes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .._errors import QueryCancelled
from .._keywords import spelled_out
from . import describe, pipeline
from .backends import Backend
from .describe import Explores, QueryFields, SavedQueries
from .drive import STOPS, Flow, Within, awaitable, blocking
from .pipeline import Run
from .tidy import PivotShape

if TYPE_CHECKING:
    import httpx
    from typing_extensions import Unpack  # typing.Unpack from Python 3.11

    from .._settings import Settings

__all__ = ["DataFrameCalls"]

T = TypeVar("T")


class DataFrameCalls:
    """``run_*`` on whatever has an authenticated ``client``, its ``async_client`` and its
    ``settings``."""

    settings: Settings

    @property
    def client(self) -> httpx.Client:
        raise NotImplementedError

    @property
    def async_client(self) -> httpx.AsyncClient:
        raise NotImplementedError

    _explores_seen: Explores | None = None  # one per session: explores' field metadata

    @property
    def _explores(self) -> Explores:
        if self._explores_seen is None:
            self._explores_seen = Explores()
        return self._explores_seen

    _queries_seen: SavedQueries | None = None  # one per session: the WriteQueries it saved

    @property
    def _saved_queries(self) -> SavedQueries:
        if self._queries_seen is None:
            self._queries_seen = SavedQueries()
        return self._queries_seen

    def _checked(self, body: Mapping[str, Any]) -> Flow[None]:
        """What a new query (a WriteQuery) passes before it is sent: nothing here; the
        session's browsing calls check it against its explore (``explore/calls.py``)."""
        yield from ()

    def _run_look(
        self,
        look_id: str | int,
        *,
        limit: int | None = None,
        labels: bool = False,
        backend: Backend = "pandas",
        to: str | os.PathLike[str] | None = None,
        timeout: float | None = None,
        progress: bool = True,
        max_bytes: int | None = None,
        pivot_shape: PivotShape = "wide",
    ) -> Flow[Any]:
        """Run a saved Look into a DataFrame (needs [pandas]; ``backend="polars"``: [polars]).

        Columns are the Look's field names, typed from Looker's field metadata; ``df.attrs``
        holds their labels (``labels=True`` names the columns by them). ``limit`` overrides the
        Look's row limit (``-1``: every row); a result as long as its limit warns
        `ResultTruncated`. ``to=path`` writes Looker's CSV there instead, as it arrives, and
        returns the path. ``timeout`` (seconds) bounds the whole call, the download and a
        rate limit's wait included: past it the query is stopped (at Looker too, while it runs
        there) with `QueryTimeout`. Ctrl-C or Kernel > Interrupt stops it within a second, at
        any step (`QueryCancelled`).

        Bounds: rows past the limit are not read (Looker sent more: `ResultTruncated` says so),
        and only a limit not given here warns when the result is as long as it; ``max_bytes``
        stops a result that grows past it (`ResultTooLarge`).

        A pivoted Look is a column MultiIndex, or with ``pivot_shape="long"`` a tidy frame, as
        in `run_query`; a Look without pivots is the same either way.
        """
        run = Run(limit, labels, backend, _path(to), timeout, progress, max_bytes, pivot_shape)
        return _bounded(pipeline.query(describe.look(look_id), run, self._explores), timeout)

    @spelled_out(QueryFields)
    def _run_query(
        self,
        query: Mapping[str, Any] | str | int | None = None,
        *,
        limit: int | None = None,
        labels: bool = False,
        backend: Backend = "pandas",
        to: str | os.PathLike[str] | None = None,
        timeout: float | None = None,
        progress: bool = True,
        max_bytes: int | None = None,
        pivot_shape: PivotShape = "wide",
        **keywords: Unpack[QueryFields],
    ) -> Flow[Any]:
        """Run a query into a DataFrame: ``query`` is a WriteQuery dict, a saved query's id or
        slug, or None with ``model=``, ``view=`` (the explore) and ``fields=``.

        Pivoted fields become a column MultiIndex (field, pivot values), the other dimensions
        the row index; ``pivot_shape="long"`` gives one row per (dimension values, pivot
        values) instead, the pivot fields as columns and a column per measure (combinations
        without any value left out). Everything else is as in `run_look`.
        """
        run = Run(limit, labels, backend, _path(to), timeout, progress, max_bytes, pivot_shape)
        return _bounded(
            pipeline.query(
                describe.query(query, keywords, self._checked, self._saved_queries),
                run,
                self._explores,
                self._saved_queries,
            ),
            timeout,
        )

    def _run_sql(
        self,
        sql: str,
        *,
        connection: str | None = None,
        model: str | None = None,
        backend: Backend = "pandas",
        progress: bool = True,
        max_bytes: int | None = None,
    ) -> Flow[Any]:
        """Run SQL through Looker's SQL Runner on a database ``connection`` (or the connection
        of a LookML ``model``) into a DataFrame; values keep the types JSON gives them.
        ``max_bytes`` stops a result that grows past it (`ResultTooLarge`)."""
        if (connection is None) == (model is None):
            raise TypeError("run_sql needs exactly one of connection= or model=")
        run = Run(backend=backend, progress=progress, max_bytes=max_bytes)
        return pipeline.sql_runner(sql, connection, model, run)

    @spelled_out(QueryFields)
    def _query_sql(
        self,
        query: Mapping[str, Any] | str | int | None = None,
        **keywords: Unpack[QueryFields],
    ) -> Flow[str]:
        """The SQL Looker generates for a query (the arguments of `run_query`), without running
        it: for learning LookML and debugging a query."""
        return pipeline.query_sql(
            describe.query(query, keywords, self._checked, self._saved_queries),
            self._saved_queries,
        )

    run_look = blocking(_run_look)
    run_query = blocking(_run_query)
    run_sql = blocking(_run_sql)
    query_sql = blocking(_query_sql)
    arun_look = awaitable(_run_look)
    arun_query = awaitable(_run_query)
    arun_sql = awaitable(_run_sql)


def _bounded(flow: Flow[T], timeout: float | None) -> Flow[T]:
    """``flow`` as a Look or query call: done within ``timeout`` seconds (`Within`), and a stop
    that reaches a step that does not answer it itself (while the query is described and
    created) is `QueryCancelled` too."""
    if timeout is not None:
        yield Within(timeout)
    try:
        return (yield from flow)
    except STOPS:
        raise QueryCancelled(
            "The query was cancelled while it was sent to Looker; nothing of its result was kept."
        ) from None


def _path(to: str | os.PathLike[str] | None) -> Path | None:
    return Path(to) if to is not None else None
