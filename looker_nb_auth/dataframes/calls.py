"""The DataFrame calls of a `LookerSession`: ``run_look``, ``run_query``, ``run_sql``,
``query_sql`` and their async twins.

A mixin on the session's public surface only (``client``, ``settings``): the session inherits it,
and nothing here knows how the session logs in or refreshes.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .frames import Backend
from .queries import CANCEL, QueryRunner, Run, async_twin

if TYPE_CHECKING:
    import httpx

    from .._settings import Settings

__all__ = ["DataFrameCalls"]


class DataFrameCalls:
    """``run_*`` on whatever has an authenticated ``client`` and its ``settings``."""

    settings: Settings

    @property
    def client(self) -> httpx.Client:
        raise NotImplementedError

    _query_runner: QueryRunner | None = None  # one per session: it keeps explores' metadata

    @property
    def _queries(self) -> QueryRunner:
        if self._query_runner is None:
            self._query_runner = QueryRunner(lambda: self.client, self.settings)
        return self._query_runner

    def run_look(
        self,
        look_id: str | int,
        *,
        limit: int | None = None,
        labels: bool = False,
        backend: Backend = "pandas",
        to: str | os.PathLike[str] | None = None,
        timeout: float | None = None,
        progress: bool = True,
    ) -> Any:
        """Run a saved Look into a DataFrame (needs [pandas]; ``backend="polars"``: [polars]).

        Columns are the Look's field names, typed from Looker's field metadata; ``df.attrs``
        holds their labels (``labels=True`` names the columns by them). ``limit`` overrides the
        Look's row limit (``-1``: every row); a result as long as its limit warns
        `ResultTruncated`. ``to=path`` writes Looker's CSV there instead, as it arrives, and
        returns the path. ``timeout`` stops the query at Looker after that many seconds
        (`QueryTimeout`); Ctrl-C or Kernel > Interrupt stops it too (`QueryCancelled`).
        """
        run = self._run(
            f"Look {look_id}",
            limit=limit,
            labels=labels,
            backend=backend,
            to=to,
            timeout=timeout,
            progress=progress,
            look_id=str(look_id),
        )
        with self._queries.reachable():
            return self._queries.run(self._queries.look_query(look_id), run)

    def run_query(
        self,
        query: Mapping[str, Any] | str | int | None = None,
        *,
        model: str | None = None,
        view: str | None = None,
        fields: list[str] | None = None,
        filters: Mapping[str, str] | None = None,
        sorts: list[str] | None = None,
        pivots: list[str] | None = None,
        limit: int | None = None,
        labels: bool = False,
        backend: Backend = "pandas",
        to: str | os.PathLike[str] | None = None,
        timeout: float | None = None,
        progress: bool = True,
    ) -> Any:
        """Run a query into a DataFrame: ``query`` is a WriteQuery dict, a saved query's id or
        slug, or None with ``model=``, ``view=`` (the explore) and ``fields=``.

        Pivoted fields become a column MultiIndex (field, pivot values), the other dimensions
        the row index. Everything else is as in `run_look`.
        """
        keywords = {
            "model": model,
            "view": view,
            "fields": fields,
            "filters": filters,
            "sorts": sorts,
            "pivots": pivots,
        }
        run = self._run(
            "query",
            limit=limit,
            labels=labels,
            backend=backend,
            to=to,
            timeout=timeout,
            progress=progress,
        )
        with self._queries.reachable():
            saved, run.what = self._queries.resolve(query, keywords)
            return self._queries.run(saved, run)

    def run_sql(
        self,
        sql: str,
        *,
        connection: str | None = None,
        model: str | None = None,
        backend: Backend = "pandas",
        progress: bool = True,
    ) -> Any:
        """Run SQL through Looker's SQL Runner on a database ``connection`` (or the connection
        of a LookML ``model``) into a DataFrame; values keep the types JSON gives them."""
        if (connection is None) == (model is None):
            raise TypeError("run_sql needs exactly one of connection= or model=")
        run = self._run("SQL Runner", backend=backend, progress=progress)
        with self._queries.reachable():
            return self._queries.run_sql(sql, connection, model, run)

    def query_sql(
        self,
        query: Mapping[str, Any] | str | int | None = None,
        *,
        model: str | None = None,
        view: str | None = None,
        fields: list[str] | None = None,
        filters: Mapping[str, str] | None = None,
        sorts: list[str] | None = None,
        pivots: list[str] | None = None,
    ) -> str:
        """The SQL Looker generates for a query (the arguments of `run_query`), without running
        it: for learning LookML and debugging a query."""
        keywords = {
            "model": model,
            "view": view,
            "fields": fields,
            "filters": filters,
            "sorts": sorts,
            "pivots": pivots,
        }
        with self._queries.reachable():
            saved, _what = self._queries.resolve(query, keywords)
            return self._queries.generated_sql(saved)

    arun_look = async_twin(run_look)
    arun_query = async_twin(run_query)
    arun_sql = async_twin(run_sql)

    def _run(self, what: str, **options: Any) -> Run:
        to = options.pop("to", None)
        cancel = CANCEL.get()
        return Run(
            what=what,
            to=Path(to) if to is not None else None,
            cancel=cancel if cancel is not None else threading.Event(),
            **options,
        )
