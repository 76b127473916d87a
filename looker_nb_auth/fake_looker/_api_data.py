"""Data endpoints: looks, saved queries and inline queries over the built-in dataset."""

from __future__ import annotations

from typing import Any

from ._api import Api40Handler
from ._data import LOOKS, QUERIES, QueryError, run_query, to_csv
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
            fields, rows = run_query(body)
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


class LooksHandler(Api40Handler):
    """``GET /api/4.0/looks``."""

    def get(self) -> None:
        self.send_json([look_json(i, self.ctx.web_url) for i in LOOKS])


class LookHandler(Api40Handler):
    """``GET /api/4.0/looks/{look_id}``."""

    def get(self, look_id: str) -> None:
        if look_id not in LOOKS:
            self.not_found()
        self.send_json(look_json(look_id, self.ctx.web_url))


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
        self.send_json(query_json(query_id))


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
