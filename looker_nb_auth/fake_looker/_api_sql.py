"""SQL Runner: ``/api/4.0/sql_queries`` over the built-in data (sqlite, connection ``demo``).

Create with ``{connection_name, sql}`` (or ``model_name`` ``demo``), read back by ``slug``, run
in json or csv, at most ``sql_runner_row_cap`` rows (5,000, as Looker's SQL Runner). An unknown
connection or model is a 404; SQL the database rejects fails in-band (HTTP 200) as query runs
do: ``[{"looker_error": ...}]`` in json, the message in csv.
"""

from __future__ import annotations

import csv
import datetime
import io
import json

from ._api import Api40Handler
from ._data import DEFAULT_LIMIT, MODEL, SqlError
from ._malformed import malformed
from ._shapes import error_json, user_public_json
from ._sql import CONNECTION, run_sql
from ._tasks import SqlRunnerQuery

__all__ = ["SqlQueriesHandler", "SqlQueryHandler", "SqlQueryRunHandler"]

SQL_RUN_FORMATS = ("json", "csv")


def _iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    moment = datetime.datetime.fromtimestamp(timestamp, tz=datetime.timezone.utc)
    return moment.isoformat(timespec="milliseconds")


class _Sql(Api40Handler):
    def sql_query(self, slug: str) -> SqlRunnerQuery:
        query = self.ctx.data.sql_queries.get(slug)
        if query is None:
            self.not_found()
        return query

    def sql_query_json(self, query: SqlRunnerQuery) -> dict[str, object]:
        creator = self.ctx.store.user(query.creator_id)
        return {
            "can": {"run": True, "show": True},
            "slug": query.slug,
            "last_runtime": 0.004 if query.run_count else None,
            "run_count": query.run_count,
            "browser_limit": DEFAULT_LIMIT,
            "sql": query.sql,
            "last_run_at": _iso(query.last_run_at),
            "connection": {"name": query.connection_name, "dialect": None},
            "model_name": query.model_name,
            "creator": user_public_json(creator, self.ctx.api_url) if creator else None,
            "explore_url": None,
            "plaintext": False,
            "vis_config": query.vis_config,
            "result_maker_id": None,
        }


class SqlQueriesHandler(_Sql):
    """``POST /api/4.0/sql_queries`` (``SqlQueryCreate``)."""

    def post(self) -> None:
        body = self.json_body()
        if not isinstance(body, dict):
            self.abort(400, error_json("The request body must be a JSON object."))
        connection = body.get("connection_name") or body.get("connection_id")
        model_name = body.get("model_name")
        sql = body.get("sql")
        if not connection and not model_name:
            self.abort(400, error_json("Either connection_name or model_name must be provided."))
        if not isinstance(sql, str) or not sql.strip():
            details = [{"field": "sql", "code": "missing", "message": "sql is required."}]
            self.abort(422, error_json("Validation Failed", errors=details))
        if connection not in (None, CONNECTION) or model_name not in (None, MODEL):
            self.not_found()
        query = SqlRunnerQuery(
            slug=self.ctx.data.new_slug(),
            sql=sql,
            connection_name=CONNECTION,
            model_name=model_name if isinstance(model_name, str) else None,
            creator_id=self.user.id,
            vis_config=body.get("vis_config"),
        )
        self.ctx.data.add_sql_query(query)
        self.send_json(self.sql_query_json(query))


class SqlQueryHandler(_Sql):
    """``GET /api/4.0/sql_queries/{slug}``."""

    def get(self, slug: str) -> None:
        self.send_json(self.sql_query_json(self.sql_query(slug)))


class SqlQueryRunHandler(_Sql):
    """``POST /api/4.0/sql_queries/{slug}/run/{result_format}``: json or csv."""

    def post(self, slug: str, result_format: str) -> None:
        query = self.sql_query(slug)
        if result_format not in SQL_RUN_FORMATS:
            sentence = f"Unsupported result format; use one of {', '.join(SQL_RUN_FORMATS)}."
            self.abort(400, error_json(sentence))
        query.run_count += 1
        query.last_run_at = self.ctx.store.clock()
        try:
            columns, rows = run_sql(query.sql, max_rows=self.ctx.config.sql_runner_row_cap)
        except SqlError as error:
            if result_format == "json":
                self.send_json([{"looker_error": error.message}])
            else:
                self.set_header("Content-Type", "text/csv; charset=utf-8")
                self.finish(error.message + "\n")
            return
        if result_format == "json":
            self.set_header("Content-Type", "application/json; charset=utf-8")
            self.send_body("", [json.dumps(rows)], is_csv=False)
            return
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(columns)
        head = out.getvalue()
        out.seek(0)
        out.truncate()
        for row in rows:
            writer.writerow(["" if row[c] is None else row[c] for c in columns])
        self.set_header("Content-Type", "text/csv; charset=utf-8")
        self.send_body(head, [out.getvalue()], is_csv=True)

    def send_body(self, head: str, rest: list[str], *, is_csv: bool) -> None:
        """The result, malformed when ``malformed_results`` says so (``_malformed.py``)."""
        shape = self.ctx.config.malformed_results
        if shape is None:
            self.finish(head + "".join(rest))
            return
        if not is_csv:  # the closing bracket apart, as a rendered json result ends
            rest = [part for text in rest for part in (text[:-1], text[-1:])]
        parts = malformed(shape, is_csv, head, rest)
        self.finish(b"".join(p.encode() if isinstance(p, str) else p for p in parts))
