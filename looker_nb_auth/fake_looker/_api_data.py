"""Data endpoints: explores, looks, saved queries and inline queries over the built-in dataset.

Errors come as on Looker: an unknown look, query, model or explore is a 404 ``Not found``; a query
Looker refuses to build is a 400; a query whose SQL fails in the database is HTTP 200 with the
error in-band (``[{"looker_error": ...}]`` in json). ``FakeLookerConfig.fail_queries_with``
makes every query fail that way; so does the broken dimension ``orders.sql_error``.

Pivoted queries (``demo::orders`` only) run in json and json_detail; other formats are a 400.
Answers on ``demo::events`` go through the result cache (`ResultCache`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from typing import Any

from tornado.iostream import StreamClosedError

from ._api import Api40Handler
from ._cache import SLICE_BYTES, CachedResult, result_key
from ._data import LOOKS, MODEL, QUERIES, QueryError, QueryNotFound, SqlError
from ._detail_extras import with_extras
from ._execute import execute, is_pivoted, query_error_body, run_meta
from ._formats import (
    PIVOT_FORMATS,
    RESULT_FORMATS,
    ResultMeta,
    content_type,
    csv_shaped,
    render_head,
    render_parts,
)
from ._malformed import malformed
from ._shapes import (
    created_query_json,
    error_json,
    explore_json,
    json_detail_error,
    look_json,
    query_json,
    query_slug,
)
from ._sql import query_sql
from ._trickle import paced

__all__ = [
    "ExploreHandler",
    "InlineQueryRunHandler",
    "LookHandler",
    "LookRunHandler",
    "LooksHandler",
    "QueriesHandler",
    "QueryBySlugHandler",
    "QueryHandler",
    "QueryRunHandler",
]

RUN_FORMATS = (*RESULT_FORMATS, "sql")


class _Results(Api40Handler):
    def limit_argument(self) -> str | None:
        """``?limit=``: overrides the query's own limit (``-1``: all rows)."""
        value = self.get_query_argument("limit", None)
        return None if value in (None, "") else value

    def server_table_calcs(self) -> bool | None:
        """``?server_table_calcs=``: whether to compute table calculations (None: unset)."""
        value = self.get_query_argument("server_table_calcs", None)
        if value in (None, ""):
            return None
        return value.lower() == "true"

    async def send_results(self, body: dict[str, Any], result_format: str) -> None:
        if result_format not in RUN_FORMATS:
            sentence = f"Unsupported result format; use one of {', '.join(RUN_FORMATS)}."
            self.abort(400, error_json(sentence))
        limit = self.limit_argument()
        if result_format == "sql":
            self.send_generated_sql(body, limit)
            return
        key = self.result_key(body, result_format, limit)
        cached = self.cached(key)
        if cached is not None:
            meta = run_meta(body, limit, cached.ran_at, from_cache=True)
            await self.send_cached(cached, result_format, meta)
            return
        try:
            fields, rows, pivot = execute(
                self.ctx, body, limit, table_calcs=self.server_table_calcs()
            )
        except QueryNotFound:
            self.not_found()
        except SqlError as error:
            self.send_sql_error(error.message, result_format, body)
            return
        except QueryError as error:
            self.abort(400, query_error_body(error))
        self.check_pivot_format(body, result_format)
        meta = run_meta(body, limit, self.ctx.store.clock(), pivot=pivot)
        await self.send_rendered(key, result_format, fields, rows, meta)

    def check_pivot_format(self, body: dict[str, Any], result_format: str) -> None:
        """A checked pivoted query in a format the stand-in does not pivot: 400."""
        if is_pivoted(body) and result_format not in PIVOT_FORMATS:
            sentence = (
                f"The Looker stand-in does not pivot {result_format} results; "
                f"run the pivoted query as {' or '.join(PIVOT_FORMATS)}."
            )
            self.abort(400, error_json(sentence))

    def result_key(self, body: dict[str, Any], result_format: str, limit: str | None) -> str | None:
        """The result cache's key of this run: None unless it runs on ``demo::events`` (and
        while results are malformed or ignore their limit, so none is cached)."""
        config = self.ctx.config
        shaped = config.null_prefix_rows or config.multiline_text
        if config.malformed_results is not None or config.ignore_limit or shaped:
            return None
        csv_knobs = (config.csv_header, config.csv_order) != ("label", "query")
        if config.unlimited_row_cap is not None or csv_knobs:
            return None  # -1's rows depend on the cap, the csv's text on its knobs
        return result_key(body, result_format, limit, config.big_rows)

    def cached(self, key: str | None) -> CachedResult | None:
        """The cached answer of a repeat run; None when the cache is off, or every query fails
        (``fail_queries_with``), or the run is new."""
        config = self.ctx.config
        if key is None or not config.result_cache or config.fail_queries_with is not None:
            return None
        return self.ctx.data.results.get(key)

    async def send_cached(self, cached: CachedResult, result_format: str, meta: ResultMeta) -> None:
        """A fresh head, then the cached rest in `SLICE_BYTES` slices, flushing each."""
        head = render_head(result_format, list(cached.fields), csv_shaped(meta, self.ctx.config))
        if result_format == "json_detail":
            head = with_extras(head, meta.pivot, self.ctx.config.development_mode_note)
        body = cached.body
        slices = (body[i : i + SLICE_BYTES] for i in range(0, len(body), SLICE_BYTES))
        await self.stream(chain([head.encode()], slices), content_type(result_format))

    async def send_rendered(
        self,
        key: str | None,
        result_format: str,
        fields: list[str],
        rows: Iterator[dict[str, object]],
        meta: ResultMeta,
    ) -> None:
        """Render and stream the rows; an events answer (``key``) that is sent whole becomes
        the cache's entry, encoded once as it streams."""
        head, rest = render_parts(result_format, fields, rows, csv_shaped(meta, self.ctx.config))
        if result_format == "json_detail":
            head = with_extras(head, meta.pivot, self.ctx.config.development_mode_note)
        media_type = content_type(result_format)
        shape = self.ctx.config.malformed_results
        if shape is not None:
            await self.stream(malformed(shape, result_format == "csv", head, rest), media_type)
            return
        if key is None:
            await self.stream(chain([head], rest), media_type)
            return
        self.ctx.data.results.count_render()
        if not self.ctx.config.result_cache:
            await self.stream(chain([head], rest), media_type)
            return
        kept: list[bytes] = []

        def keep() -> None:
            entry = CachedResult(tuple(fields), meta.ran_at, b"".join(kept))
            self.ctx.data.results.put(key, entry)

        await self.stream(chain([head.encode()], _keeping(rest, kept)), media_type, keep)

    async def stream(
        self,
        chunks: Iterable[str | bytes],
        media_type: str,
        written: Callable[[], None] | None = None,
    ) -> None:
        """Write the chunks as they come, flushing each, so a big result never sits in memory.
        ``written`` runs once every chunk is out, before the answer ends (so a client that has
        the whole answer sees its effects), and not at all if the client goes away first.
        ``body_trickle`` and ``body_endless`` pace it as a slow network would (``_trickle.py``)."""
        self.set_header("Content-Type", media_type)
        try:
            for chunk, pause in paced(chunks, self.ctx.config):
                self.write(chunk)
                if not self._drop_answer:
                    await self.flush()
                if pause > 0 and await self._stopped_during(pause):
                    return  # the stand-in stops
        except StreamClosedError:
            return  # the client went away mid-answer
        if written is not None:
            written()
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


def _keeping(chunks: Iterator[str], kept: list[bytes]) -> Iterator[bytes]:
    """The chunks encoded, each also appended to ``kept``."""
    for chunk in chunks:
        data = chunk.encode()
        kept.append(data)
        yield data


class ExploreHandler(Api40Handler):
    """``GET /api/4.0/lookml_models/{model}/explores/{explore}`` (``lookml_model_explore``):
    ``demo::orders``, and ``demo::events`` while ``big_rows`` is above 0."""

    def get(self, model: str, explore: str) -> None:
        explores = ("orders", "events") if self.ctx.config.big_rows > 0 else ("orders",)
        if model != MODEL or explore not in explores:
            self.not_found()
        self.send_model(explore_json(explore, self.ctx.config), "LookmlModelExplore")


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
        self.send_query(query_id)

    def send_query(self, query_id: str) -> None:
        if query_id in QUERIES:
            self.send_model(query_json(query_id), "Query")
            return
        self.send_model(created_query_json(query_id, self.saved_query(query_id)), "Query")


class QueryBySlugHandler(QueryHandler):
    """``GET /api/4.0/queries/slug/{slug}``: a query by its slug (404 when none has it)."""

    def get(self, slug: str) -> None:
        for query_id in [*QUERIES, *self.ctx.data.queries]:
            if query_slug(query_id) == slug:
                self.send_query(query_id)
                return
        self.not_found()


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
            # Looker saves what it is given and fails it when it runs (``query_errors``); a
            # body without its model or view is no query at all
            at_run = error.field not in ("body", "model", "view")
            if self.ctx.config.query_errors == "create" or not at_run:
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
