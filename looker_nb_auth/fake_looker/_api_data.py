"""Data endpoints: looks, saved queries and inline queries over the built-in dataset.

Errors come as on Looker: an unknown look, query, model or explore is a 404 ``Not found``; a query
Looker refuses to build is a 400; a query whose SQL fails in the database is HTTP 200 with the
error in-band (``[{"looker_error": ...}]`` in json). ``FakeLookerConfig.fail_queries_with``
makes every query fail that way; so does the broken dimension ``orders.sql_error``.
"""

from __future__ import annotations

from typing import Any

from ._api import Api40Handler
from ._data import LOOKS, QUERIES, QueryError, QueryNotFound, SqlError, run_query, to_csv
from ._shapes import DOCS_URL, error_json, look_json, query_json

__all__ = [
    "InlineQueryRunHandler",
    "LookHandler",
    "LookRunHandler",
    "LooksHandler",
    "QueryHandler",
    "QueryRunHandler",
]

RESULT_FORMATS = ("json", "csv")


class _Results(Api40Handler):
    def send_results(self, body: dict[str, Any], result_format: str) -> None:
        if result_format not in RESULT_FORMATS:
            sentence = f"Unsupported result format; use one of {', '.join(RESULT_FORMATS)}."
            self.abort(400, error_json(sentence))
        try:
            fields, rows = run_query(body, fail_with=self.ctx.config.fail_queries_with)
        except QueryNotFound:
            self.not_found()
        except SqlError as error:
            self.send_sql_error(error.message, result_format)
            return
        except QueryError as error:
            detail = {
                "field": error.field,
                "code": "invalid",
                "message": error.message,
                "documentation_url": DOCS_URL,
            }
            self.abort(400, error_json(error.message, errors=[detail]))
        if result_format == "json":
            self.send_json(rows)
        else:
            self.set_header("Content-Type", "text/csv; charset=utf-8")
            self.finish(to_csv(fields, rows))

    def send_sql_error(self, message: str, result_format: str) -> None:
        """Looker's in-band failure: HTTP 200, the database's message as the only row."""
        if result_format == "json":
            self.send_json([{"looker_error": message}])
        else:
            self.set_header("Content-Type", "text/csv; charset=utf-8")
            self.finish(message + "\n")


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

    def get(self, look_id: str, result_format: str) -> None:
        if look_id not in LOOKS:
            self.not_found()
        self.send_results(QUERIES[LOOKS[look_id]["query_id"]].body(), result_format)


class QueryHandler(Api40Handler):
    """``GET /api/4.0/queries/{query_id}``."""

    def get(self, query_id: str) -> None:
        if query_id not in QUERIES:
            self.not_found()
        self.send_model(query_json(query_id), "Query")


class QueryRunHandler(_Results):
    """``GET /api/4.0/queries/{query_id}/run/{result_format}``."""

    def get(self, query_id: str, result_format: str) -> None:
        if query_id not in QUERIES:
            self.not_found()
        self.send_results(QUERIES[query_id].body(), result_format)


class InlineQueryRunHandler(_Results):
    """``POST /api/4.0/queries/run/{result_format}`` with a WriteQuery body."""

    def post(self, result_format: str) -> None:
        body = self.json_body()
        if not isinstance(body, dict):
            self.abort(400, error_json("The request body must be a JSON object (a WriteQuery)."))
        self.send_results(body, result_format)
