"""Handler bases shared by the UI host and the API host: context, logging, errors, faults."""

from __future__ import annotations

import asyncio
import json
import logging
from asyncio import Future
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import Any, NoReturn, cast

from tornado import web
from tornado.http1connection import HTTP1Connection

from ._config import FakeLookerConfig
from ._pages import error_page
from ._shapes import FieldsError, error_json, select_fields
from ._state import Store
from ._tasks import DataState
from ._traffic import Drop, Fail, RequestKind, Traffic

__all__ = [
    "INVALID",
    "ApiHandler",
    "ApiNotFound",
    "Context",
    "PageHandler",
    "PageNotFound",
    "log_request",
    "logger",
    "parse_json",
]

logger = logging.getLogger("looker_nb_auth.fake_looker")


@dataclass
class Context:
    """What every handler needs: the state, the traffic log and the public URLs."""

    store: Store
    traffic: Traffic
    api_url: str = ""
    web_url: str = ""
    stopping: asyncio.Event | None = None  # set when the server shuts down
    data: DataState = field(default_factory=DataState)  # created queries, tasks, SQL Runner

    @property
    def config(self) -> FakeLookerConfig:
        return self.store.config


def log_request(handler: web.RequestHandler) -> None:
    """Access log without query strings: /auth carries state and challenge, so never log them."""
    request = handler.request
    logger.info(
        "%d %s %s %.1fms",
        handler.get_status(),
        request.method,
        request.path,
        1000.0 * request.request_time(),
    )


INVALID = object()


def parse_json(data: bytes) -> object:
    """``data`` parsed as JSON, or `INVALID` (bad syntax, bad UTF-8, absurd nesting)."""
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return INVALID


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class BaseHandler(web.RequestHandler):
    """Records every request and logs failures without headers, bodies or query strings."""

    def initialize(self, ctx: Context) -> None:
        self.ctx = ctx
        ctx.traffic.record(self.request.method or "", self.request.path)

    def compute_etag(self) -> None:
        return None  # Looker sends no ETags, so no 304s either

    def log_exception(
        self,
        typ: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if isinstance(value, web.HTTPError):
            return  # answered with a proper error body; the access log has the status
        logger.error(
            "Unexpected error in %s %s",
            self.request.method,
            self.request.path,
            exc_info=(typ, value, tb) if typ and value else None,
        )


class PageHandler(BaseHandler):
    """A UI-host page: HTML, never cached, never framed, no referrer, its own browsing group."""

    def set_default_headers(self) -> None:
        self.set_header("Cross-Origin-Opener-Policy", "same-origin")
        self.set_header("Cache-Control", "no-store")
        self.set_header("Referrer-Policy", "no-referrer")
        self.set_header("X-Frame-Options", "DENY")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header(
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        )

    def page(self, html: str, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.finish(html)

    def error(self, status: int, title: str, sentence: str) -> None:
        self.page(error_page(title, sentence), status)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        sentence = {
            403: "The form expired or came from another site; start the login again from the app.",
            404: "There is no such page on this Looker instance.",
            405: "This page does not accept that kind of request.",
        }.get(status_code, "Looker could not handle this request.")
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.finish(error_page(_reason(status_code), sentence))


class ApiHandler(BaseHandler):
    """An API-host endpoint: JSON answers, Looker's error model, latency and injected faults."""

    _drop_answer = False  # a `Drop` fault with ``after``: handle the request, lose the answer

    @property
    def kind(self) -> RequestKind:
        """Which faults may hit this request: those for ``"token"`` or those for ``"api"``."""
        request = self.request
        return "token" if (request.method, request.path) == ("POST", "/api/token") else "api"

    async def prepare(self) -> None:
        config = self.ctx.config
        if config.latency > 0 and await self._stopped_during(config.latency):
            self._finished = True  # shutting down: the connection is gone, answer nothing
            return
        fault = self.ctx.traffic.draw(config, self.kind, self.ctx.store.clock())
        if isinstance(fault, Drop) and fault.after:
            self._drop_answer = True
        elif isinstance(fault, Drop):
            logger.info("dropped %s %s (injected fault)", self.request.method, self.request.path)
            self._drop_connection()
        elif isinstance(fault, Fail):
            if fault.retry_after is not None:
                self.set_header("Retry-After", str(fault.retry_after))
            self.abort(fault.status, error_json(_reason(fault.status)))

    def finish(self, chunk: str | bytes | dict[str, Any] | None = None) -> Future[None]:
        """Send the answer, or (a `Drop` fault with ``after``) close the connection instead,
        once the request has had its effects. Every answer, errors included, ends here."""
        if not self._drop_answer or self._finished:
            return super().finish(chunk)
        logger.info(
            "dropped the %d answer to %s %s (injected fault)",
            self.get_status(),
            self.request.method,
            self.request.path,
        )
        self._drop_connection()
        done: Future[None] = Future()
        done.set_result(None)
        return done

    async def _stopped_during(self, seconds: float) -> bool:
        """Sleep without blocking the loop; wake early (True) if the server stops meanwhile."""
        stopping = self.ctx.stopping
        if stopping is None:
            await asyncio.sleep(seconds)
            return False
        try:
            await asyncio.wait_for(stopping.wait(), seconds)
        except asyncio.TimeoutError:
            return False
        return True

    def _drop_connection(self) -> None:
        """Close the socket without a byte of response, like a crashed load balancer."""
        connection = cast(HTTP1Connection, self.request.connection)
        connection.detach().close()
        self._finished = True  # tornado must not try to answer on the closed stream

    def send_json(self, body: object, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(body))

    def send_model(self, body: object, model: str) -> None:
        """Answer with an API model (or a list of them), trimmed to ``?fields=`` when given:
        comma-separated names, ``name(sub,names)`` for a nested object, as Looker reads it."""
        spec = self.get_query_argument("fields", "")
        if spec:
            try:
                body = select_fields(body, spec, model)
            except FieldsError as error:
                self.abort(400, error_json(str(error)))
        self.send_json(body)

    def abort(self, status: int, body: object) -> NoReturn:
        """Answer now with a JSON body and stop handling the request."""
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        raise web.Finish(json.dumps(body))

    def not_found(self) -> NoReturn:
        self.abort(404, error_json("Not found"))

    def json_body(self) -> object:
        """The request body parsed as JSON, or a Looker-style 400."""
        body = parse_json(self.request.body)
        if body is INVALID:
            self.abort(400, error_json("The request body is not valid JSON."))
        return body

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.set_header("Content-Type", "application/json; charset=utf-8")
        message = "Not found" if status_code == 404 else _reason(status_code)
        self.finish(json.dumps(error_json(message)))


class ApiNotFound(ApiHandler):
    """Any unknown path on the API host."""

    async def prepare(self) -> None:
        await super().prepare()
        if not self._finished:
            self.not_found()


class PageNotFound(PageHandler):
    """Any unknown path on the UI host (JSON for API paths, as a client expects)."""

    def check_xsrf_cookie(self) -> None:
        pass  # nothing here to protect; answer 404, not 403

    def prepare(self) -> None:
        if self.request.path.startswith("/api/") or self.request.path == "/versions":
            self.clear_header("Content-Security-Policy")
            self.set_status(404)
            self.set_header("Content-Type", "application/json; charset=utf-8")
            raise web.Finish(json.dumps(error_json("Not found")))
        raise web.HTTPError(404)
