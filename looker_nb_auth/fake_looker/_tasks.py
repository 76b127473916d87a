"""Per-server data state: queries created through the API, async query tasks, SQL Runner queries
and the result cache of the events explore.

A query task runs for ``FakeLookerConfig.query_task_seconds`` on the stand-in's clock: it is
``running`` until then and ``complete`` (or ``error``, when its SQL fails) after; a killed task
is ``killed`` and has no results.
"""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

from ._cache import ResultCache

__all__ = ["DataState", "QueryTask", "SqlRunnerQuery"]

FIRST_CREATED_QUERY_ID = 1001


@dataclass
class QueryTask:
    """One ``POST /api/4.0/query_tasks``: which query, which format, whose, since when."""

    id: str
    query_id: str
    result_format: str
    user_id: str
    created_at: float
    seconds: float
    limit: str | None = None
    source: str | None = None
    look_id: str | None = None
    dashboard_id: str | None = None
    server_table_calcs: bool | None = None  # the task's ``?server_table_calcs=``
    killed: bool = False

    def running(self, now: float) -> bool:
        return not self.killed and now < self.created_at + self.seconds


@dataclass
class SqlRunnerQuery:
    """One ``POST /api/4.0/sql_queries``."""

    slug: str
    sql: str
    connection_name: str
    model_name: str | None
    creator_id: str
    vis_config: object = None
    run_count: int = 0
    last_run_at: float | None = None


@dataclass
class DataState:
    """What the data endpoints remember between requests (guarded by one lock)."""

    queries: dict[str, dict[str, Any]] = field(default_factory=dict)
    tasks: dict[str, QueryTask] = field(default_factory=dict)
    sql_queries: dict[str, SqlRunnerQuery] = field(default_factory=dict)
    results: ResultCache = field(default_factory=ResultCache)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def create_query(self, body: dict[str, Any]) -> str:
        """The id of a new query for ``body``, or of the identical one created before."""
        key = json.dumps(body, sort_keys=True)
        with self.lock:
            for query_id, known in self.queries.items():
                if json.dumps(known, sort_keys=True) == key:
                    return query_id
            query_id = str(FIRST_CREATED_QUERY_ID + len(self.queries))
            self.queries[query_id] = body
            return query_id

    def add_task(self, task: QueryTask) -> None:
        with self.lock:
            self.tasks[task.id] = task

    def add_sql_query(self, query: SqlRunnerQuery) -> None:
        with self.lock:
            self.sql_queries[query.slug] = query

    @staticmethod
    def new_task_id() -> str:
        return secrets.token_hex(16)

    @staticmethod
    def new_slug() -> str:
        return secrets.token_urlsafe(5)[:7]
