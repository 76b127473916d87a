"""Async query tasks: ``/api/4.0/query_tasks`` and killing one (``/api/4.0/running_queries``).

A task runs a saved query (built in, or created with ``POST /api/4.0/queries``) for
``FakeLookerConfig.query_task_seconds`` on the stand-in's clock. Its results are 202 while it
runs; a killed, unknown or someone else's task is 404. A task whose SQL fails has the status
``error``; its results say so in-band for json_detail (200, ``errors``) and as a 400 otherwise,
as the spec describes. Results on ``demo::events`` go through the result cache, as synchronous
runs do; a pivoted query's task must ask for json or json_detail.
"""

from __future__ import annotations

import json
from typing import Any

from ._api_data import _Results
from ._data import QUERIES, QueryError, QueryNotFound, SqlError
from ._execute import execute, query_error_body, run_meta
from ._formats import RESULT_FORMATS, ResultMeta, content_type, render
from ._pivots import PivotColumns
from ._shapes import created_query_json, error_json, json_detail_error, query_json
from ._sql import query_sql
from ._tasks import QueryTask

__all__ = [
    "KillQueryHandler",
    "QueryTaskHandler",
    "QueryTaskMultiResultsHandler",
    "QueryTaskResultsHandler",
    "QueryTasksHandler",
]


class _Tasks(_Results):
    def task(self, task_id: str) -> QueryTask:
        """The caller's task, or 404 (unknown, or another user's)."""
        task = self.ctx.data.tasks.get(task_id)
        if task is None or task.user_id != self.user.id:
            self.not_found()
        return task

    def status(self, task: QueryTask) -> str:
        if task.killed:
            return "killed"
        if task.running(self.ctx.store.clock()):
            return "running"
        try:
            execute(
                self.ctx,
                self.saved_query(task.query_id),
                task.limit,
                table_calcs=task.server_table_calcs,
            )
        except (SqlError, QueryError):  # the database refused it, or Looker could not build it
            return "error"
        return "complete"

    def task_json(self, task: QueryTask) -> dict[str, Any]:
        status = self.status(task)
        body = self.saved_query(task.query_id)
        if task.query_id in QUERIES:
            query = query_json(task.query_id)
        else:
            query = created_query_json(task.query_id, body)
        return {
            "can": {},
            "id": task.id,
            "query_id": task.query_id,
            "query": query,
            "generate_links": False,
            "force_production": False,
            "path_prefix": None,
            "cache": True,
            "server_table_calcs": bool(task.server_table_calcs),
            "cache_only": False,
            "cache_key": None,
            "status": status,
            "source": task.source,
            "runtime": None if status in ("running", "killed") else task.seconds,
            "rebuild_pdts": False,
            "result_source": "query" if status == "complete" else None,
            "look_id": task.look_id,
            "dashboard_id": task.dashboard_id,
            "result_format": task.result_format,
        }

    def result_text(self, task: QueryTask) -> tuple[int, str, str]:
        """A finished task's (status, media type, body); for multi_results and small answers."""
        body = self.saved_query(task.query_id)
        try:
            fields, rows, pivot = execute(
                self.ctx, body, task.limit, table_calcs=task.server_table_calcs
            )
        except SqlError as error:
            if task.result_format == "json_detail":
                detail = json_detail_error(error.message, query_sql(body, task.limit))
                return 200, content_type("json"), json.dumps(detail)
            return 400, content_type("json"), json.dumps(error_json(error.message))
        except QueryError as error:  # Looker could not build it: as the spec's SQL errors
            if task.result_format == "json_detail":
                detail = json_detail_error(error.message, "", field=error.field)
                return 200, content_type("json"), json.dumps(detail)
            return 400, content_type("json"), json.dumps(query_error_body(error))
        meta = _meta(task, body, pivot)
        text = "".join(render(task.result_format, fields, rows, meta))
        return 200, content_type(task.result_format), text


def _optional_string(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    return value if isinstance(value, str) and value else None


class QueryTasksHandler(_Tasks):
    """``POST /api/4.0/query_tasks`` (``CreateQueryTask``: ``query_id``, ``result_format``)."""

    def task_seconds(self, query: dict[str, Any]) -> float:
        """How long the task runs: ``query_task_seconds``, plus ``big_query_seconds`` on the big
        explore."""
        config = self.ctx.config
        seconds = config.query_task_seconds
        if query.get("model") == "demo" and query.get("view") == "events":
            seconds += config.big_query_seconds
        return max(0.0, seconds)

    def post(self) -> None:
        body = self.json_body()
        if not isinstance(body, dict):
            self.abort(400, error_json("The request body must be a JSON object."))
        errors = []
        query_id = body.get("query_id")
        if not isinstance(query_id, str) or not query_id:
            errors.append(("query_id", "query_id is required."))
        result_format = body.get("result_format")
        if result_format not in RESULT_FORMATS:
            sentence = f"result_format must be one of {', '.join(RESULT_FORMATS)}."
            errors.append(("result_format", sentence))
        if errors:
            details = [
                {"field": f, "code": "missing", "message": m, "documentation_url": ""}
                for f, m in errors
            ]
            self.abort(422, error_json("Validation Failed", errors=details))
        assert isinstance(query_id, str) and isinstance(result_format, str)
        limit = self.limit_argument()
        query = self.saved_query(query_id)
        try:
            execute(self.ctx, query, limit, fail=False)
        except QueryNotFound:
            pass  # the task fails when it runs
        except (SqlError, QueryError):  # the task fails when it runs, with status error
            self.check_pivot_format(query, result_format)
        else:
            self.check_pivot_format(query, result_format)
        task = QueryTask(
            id=self.ctx.data.new_task_id(),
            query_id=query_id,
            result_format=result_format,
            user_id=self.user.id,
            created_at=self.ctx.store.clock(),
            seconds=self.task_seconds(query),
            limit=limit,
            server_table_calcs=self.server_table_calcs(),
            source=_optional_string(body, "source"),
            look_id=_optional_string(body, "look_id"),
            dashboard_id=_optional_string(body, "dashboard_id"),
        )
        self.ctx.data.add_task(task)
        self.send_model(self.task_json(task), "QueryTask")


class QueryTaskHandler(_Tasks):
    """``GET /api/4.0/query_tasks/{query_task_id}``: the task and its ``status``."""

    def get(self, task_id: str) -> None:
        self.send_model(self.task_json(self.task(task_id)), "QueryTask")


class QueryTaskResultsHandler(_Tasks):
    """``GET /api/4.0/query_tasks/{query_task_id}/results``: 202 while running, then 200."""

    async def get(self, task_id: str) -> None:
        task = self.task(task_id)
        if task.killed:
            self.not_found()
        if task.running(self.ctx.store.clock()):
            self.set_status(202)
            self.finish()
            return
        body = self.saved_query(task.query_id)
        key = self.result_key(body, task.result_format, task.limit)
        cached = self.cached(key)
        if cached is not None:
            meta = run_meta(body, task.limit, cached.ran_at, id=task.id, from_cache=True)
            await self.send_cached(cached, task.result_format, meta)
            return
        try:
            fields, rows, pivot = execute(
                self.ctx, body, task.limit, table_calcs=task.server_table_calcs
            )
        except (SqlError, QueryError):
            status, media_type, text = self.result_text(task)
            self.set_status(status)
            self.set_header("Content-Type", media_type)
            self.finish(text)
            return
        await self.send_rendered(key, task.result_format, fields, rows, _meta(task, body, pivot))


class QueryTaskMultiResultsHandler(_Tasks):
    """``GET /api/4.0/query_tasks/multi_results?query_task_ids=a,b``: an object by task id."""

    def get(self) -> None:
        ids = [
            part.strip()
            for value in self.get_query_arguments("query_task_ids")
            for part in value.split(",")
            if part.strip()
        ]
        if not ids:
            self.abort(400, error_json("query_task_ids is required."))
        answer: dict[str, object] = {}
        for task_id in ids:
            task = self.ctx.data.tasks.get(task_id)
            if task is None or task.user_id != self.user.id:
                answer[task_id] = {"status": "missing"}
                continue
            status = self.status(task)
            if status in ("running", "killed"):
                answer[task_id] = {"status": status}
                continue
            _status, _media_type, text = self.result_text(task)
            data: object = text if task.result_format == "csv" else json.loads(text)
            answer[task_id] = {"status": status, "data": data}
        self.send_json(answer)


class KillQueryHandler(_Tasks):
    """``DELETE /api/4.0/running_queries/{query_task_id}``: kill a running task (204)."""

    def delete(self, task_id: str) -> None:
        task = self.task(task_id)
        if not task.running(self.ctx.store.clock()):
            self.not_found()  # finished or killed already: nothing is running
        task.killed = True
        self.set_status(204)
        self.finish()


def _meta(task: QueryTask, body: dict[str, Any], pivot: PivotColumns | None) -> ResultMeta:
    """What a finished task's result says about its run: its SQL, filters, sorts, when."""
    return run_meta(body, task.limit, task.created_at + task.seconds, id=task.id, pivot=pivot)
