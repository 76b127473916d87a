"""Test helpers: requests as a kernel / a Jupyter user / a browser, and an observable store."""

from __future__ import annotations

import asyncio
import json
import secrets
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any, Literal
from urllib.parse import urlencode

from jupyter_server.utils import url_path_join
from tornado.httpclient import HTTPResponse

from looker_nb_auth._protocol import SECRET_HEADER, Route, route
from looker_nb_auth.server.extension import Extension
from looker_nb_auth.server.pending import ResultStore

LOOKER_API = "https://looker.example:19999"
LOOKER_CLIENT = "nb-tests"
#: The extension's name for jupyter_server (its package).
EXTENSION = "looker_nb_auth"

Auth = Literal["kernel", "user", "browser", "anonymous"]


class ManualClock:
    """The store's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class ObservedStore(ResultStore):
    """A store that tells the test when a pickup has parked and when one was abandoned."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.parked = asyncio.Event()
        self.abandoned = asyncio.Event()

    async def wait(
        self, state: str, timeout: float, owner: str | None = None
    ) -> dict[str, str] | None:
        self.parked.set()  # the caller is suspended inside wait() before anyone sees this
        try:
            return await super().wait(state, timeout, owner)
        except asyncio.CancelledError:
            self.abandoned.set()
            raise


async def start_extension(serverapp: Any) -> None:
    """What ``ServerApp._post_start`` does for this extension once the port is bound: find its
    ``_start_jupyter_server_extension`` and await it. pytest-jupyter's ``jp_serverapp`` never runs
    ``_post_start`` (it never starts the server's event loop), so the fixtures call this."""
    await serverapp.extension_manager.start_extension(EXTENSION)


def body_json(response: HTTPResponse) -> Any:
    return json.loads(response.body)


@dataclass
class Routes:
    """The extension's routes on one test server."""

    client: Any
    base_url: str
    token: str
    extension: Extension
    _browser: dict[str, str] | None = None

    @property
    def store(self) -> ResultStore:
        return self.extension.context.store

    def use_store(self, store: ResultStore) -> None:
        self.extension.context.store = store

    @property
    def secret(self) -> str:
        return self.extension.context.secret

    def path(self, name: str, query: str | dict[str, Any] | None = None) -> str:
        path = url_path_join(self.base_url, route(Route(name)))
        if isinstance(query, dict):
            query = urlencode(query)
        return f"{path}?{query}" if query else path

    async def fetch(
        self,
        method: str,
        route: str,
        *,
        query: str | dict[str, Any] | None = None,
        body: Any = None,
        auth: Auth = "kernel",
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> HTTPResponse:
        sent = await self._auth_headers(auth)
        sent.update(headers or {})
        if body is not None and not isinstance(body, bytes | str):
            body = json.dumps(body)
        response: HTTPResponse = await self.client.fetch(
            self.path(route, query),
            method=method,
            headers=sent,
            body=body,
            raise_error=False,
            follow_redirects=False,
            **kwargs,
        )
        return response

    async def _auth_headers(self, auth: Auth) -> dict[str, str]:
        if auth == "kernel":
            return {SECRET_HEADER: self.secret}
        if auth == "user":
            return {"Authorization": f"token {self.token}"}
        if auth == "browser":
            return dict(await self.browser_headers())
        return {}

    async def browser_headers(self) -> dict[str, str]:
        """A logged-in browser: the login cookie, the ``_xsrf`` cookie, and the widget's header."""
        if self._browser is None:
            response = await self.client.fetch(
                url_path_join(self.base_url, "api/status"),
                headers={"Authorization": f"token {self.token}"},
            )
            cookies = SimpleCookie()
            for header in response.headers.get_list("Set-Cookie"):
                cookies.load(header)
            assert len(cookies) == 1, "expected the login cookie"
            xsrf = secrets.token_hex(16)
            jar = "; ".join(f"{name}={morsel.value}" for name, morsel in cookies.items())
            self._browser = {"Cookie": f"{jar}; _xsrf={xsrf}", "X-XSRFToken": xsrf}
        return self._browser

    # The routes, as the kernel / the browser call them.

    async def register(self, state: str, *, auth: Auth = "kernel") -> HTTPResponse:
        return await self.fetch("POST", "pending", body={"state": state}, auth=auth)

    async def pickup(
        self, state: str, wait: float | str | None = 0, *, auth: Auth = "kernel"
    ) -> HTTPResponse:
        body: dict[str, Any] = {"state": state}
        if wait is not None:
            body["wait"] = wait
        return await self.fetch("POST", "pickup", body=body, auth=auth)

    async def forget(self, state: str, *, auth: Auth = "kernel") -> HTTPResponse:
        return await self.fetch(
            "DELETE", "pending", body={"state": state}, auth=auth, allow_nonstandard_methods=True
        )

    async def callback(
        self, query: str | dict[str, Any], *, auth: Auth = "user", **kwargs: Any
    ) -> HTTPResponse:
        return await self.fetch("GET", "callback", query=query, auth=auth, **kwargs)

    async def cancel(self, state: str, *, auth: Auth = "browser", **kwargs: Any) -> HTTPResponse:
        return await self.fetch("POST", "cancel", body={"state": state}, auth=auth, **kwargs)
