"""Data endpoints: looks, saved queries and inline queries over the built-in dataset.

Errors come as on Looker: an unknown look, query, model or explore is a 404 ``Not found``; a query
Looker refuses to build is a 400; a query whose SQL fails in the database is HTTP 200 with the
error in-band (``[{"looker_error": ...}]`` in json). ``FakeLookerConfig.fail_queries_with``
makes every query fail that way; so does the broken dimension ``orders.sql_error``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tornado.iostream import StreamClosedError

from ._api import Api40Handler
from ._data import LOOKS, MODEL, QUERIES, QueryError, QueryNotFound, SqlError, run_query
from ._events import run_events
from ._formats import RESULT_FORMATS, ResultMeta, content_type, render
from ._shapes import (
    DOCS_URL,
    created_query_json,
    error_json,
    json_detail_error,
    look_json,
    query_json,
)
from ._sql import query_sql
from ._web import Context

__all__ = [
    "InlineQueryRunHandler",
    "LookHandler",
    "LookRunHandler",
    "LooksHandler",
    "QueriesHandler",
    "QueryHandler",
    "QueryRunHandler",
]

RUN_FORMATS = (*RESULT_FORMATS, "sql")


def execute(
    ctx: Context, body: object, limit: str | None, *, fail: bool = True
) -> tuple[list[str], Iterator[dict[str, object]]]:
    """Check and run a WriteQuery body on ``demo::orders`` or ``demo::events``, lazily."""
    fail_with = ctx.config.fail_queries_with if fail else None
    if isinstance(body, dict) and body.get("model") == MODEL and body.get("view") == "events":
        return run_events(body, big_rows=ctx.config.big_rows, fail_with=fail_with, limit=limit)
    fields, rows = run_query(body, fail_with=fail_with, limit=limit)
    return fields, iter(rows)


def query_error_body(error: QueryError) -> dict[str, object]:
    detail = {
        "field": error.field,
        "code": "invalid",
        "message": error.message,
        "documentation_url": DOCS_URL,
    }
    return error_json(error.message, errors=[detail])


class _Results(Api40Handler):
    def limit_argument(self) -> str | None:
        """``?limit=``: overrides the query's own limit (``-1``: all rows)."""
        value = self.get_query_argument("limit", None)
        return None if value in (None, "") else value

    async def send_results(self, body: dict[str, Any], result_format: str) -> None:
        if result_format not in RUN_FORMATS:
            sentence = f"Unsupported result format; use one of {', '.join(RUN_FORMATS)}."
            self.abort(400, error_json(sentence))
        limit = self.limit_argument()
        if result_format == "sql":
            self.send_generated_sql(body, limit)
            return
        try:
            fields, rows = execute(self.ctx, body, limit)
        except QueryNotFound:
            self.not_found()
        except SqlError as error:
            self.send_sql_error(error.message, result_format, body)
            return
        except QueryError as error:
            self.abort(400, query_error_body(error))
        meta = ResultMeta(
            sql=query_sql(body, limit),
            filters=dict(body.get("filters") or {}),
            sorts=[str(s) for s in body.get("sorts") or []],
            ran_at=self.ctx.store.clock(),
        )
        await self.stream(render(result_format, fields, rows, meta), content_type(result_format))

    async def stream(self, chunks: Iterator[str], media_type: str) -> None:
        """Write the chunks as they come, flushing each, so a big result never sits in memory."""
        self.set_header("Content-Type", media_type)
        try:
            for chunk in chunks:
                self.write(chunk)
                if not self._drop_answer:
                    await self.flush()
        except StreamClosedError:
            return  # the client went away mid-answer
        self.finish()

    def send_generated_sql(self, body: dict[str, Any], limit: str | None) -> None:
        """Result format ``sql``: the query's SQL as text, without running it."""
        try:
            execute(self.ctx, body, limit, fail=False)
        except QueryNotFound:
            self.not_found()
        except SqlError:
            pass  # the SQL is generated all the same; only running it would fail
        except QueryError as error:
            self.abort(400, query_error_body(error))
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(query_sql(body, limit) + "\n")

    def send_sql_error(self, message: str, result_format: str, body: dict[str, Any]) -> None:
        """Looker's in-band failure: HTTP 200, the database's message as the only row (json,
        csv); json_detail carries it in ``errors`` with no data; json_bi gets a 400."""
        if result_format == "json":
            self.send_json([{"looker_error": message}])
        elif result_format == "json_detail":
            self.send_json(json_detail_error(message, query_sql(body, self.limit_argument())))
        elif result_format == "json_bi":
            self.abort(400, error_json(message))
        else:
            self.set_header("Content-Type", "text/csv; charset=utf-8")
            self.finish(message + "\n")

    def saved_query(self, query_id: str) -> dict[str, Any]:
        """A saved query's body: built in, or created with ``POST /api/4.0/queries``."""
        if query_id in QUERIES:
            return QUERIES[query_id].body()
        created = self.ctx.data.queries.get(query_id)
        if created is None:
            self.not_found()
        return dict(created)


class LooksHandler(Api40Handler):
    """``GET /api/4.0/looks``."""

    def get(self) -> None:
        self.send_model([look_json(i, self.ctx.web_url) for i in LOOKS], "Look")


class LookHandler(Api40Handler):
    """``GET /api/4.0/looks/{look_id}``."""

    def get(self, look_id: str) -> None:
        if look_id not in LOOKS:
            self.not_found()
        self.send_model(look_json(look_id, self.ctx.web_url), "Look")


class LookRunHandler(_Results):
    """``GET /api/4.0/looks/{look_id}/run/{result_format}``."""

    async def get(self, look_id: str, result_format: str) -> None:
        if look_id not in LOOKS:
            self.not_found()
        await self.send_results(QUERIES[LOOKS[look_id]["query_id"]].body(), result_format)


class QueryHandler(_Results):
    """``GET /api/4.0/queries/{query_id}``."""

    def get(self, query_id: str) -> None:
        if query_id in QUERIES:
            self.send_model(query_json(query_id), "Query")
            return
        self.send_model(created_query_json(query_id, self.saved_query(query_id)), "Query")


class QueriesHandler(_Results):
    """``POST /api/4.0/queries``: create a query (an identical one comes back as it was)."""

    def post(self) -> None:
        body = self.json_body()
        if not isinstance(body, dict):
            self.abort(400, error_json("The request body must be a JSON object (a WriteQuery)."))
        try:
            execute(self.ctx, body, None, fail=False)
        except QueryNotFound:
            self.not_found()
        except SqlError:
            pass  # a query on the broken dimension is created; running it fails
        except QueryError as error:
            self.abort(422, query_error_body(error))
        query_id = self.ctx.data.create_query(body)
        self.send_model(created_query_json(query_id, body), "Query")


class QueryRunHandler(_Results):
    """``GET /api/4.0/queries/{query_id}/run/{result_format}``."""

    async def get(self, query_id: str, result_format: str) -> None:
        await self.send_results(self.saved_query(query_id), result_format)


class InlineQueryRunHandler(_Results):
    """``POST /api/4.0/queries/run/{result_format}`` with a WriteQuery body."""

    async def post(self, result_format: str) -> None:
        body = self.json_body()
        if not isinstance(body, dict):
            self.abort(400, error_json("The request body must be a JSON object (a WriteQuery)."))
        await self.send_results(body, result_format)
