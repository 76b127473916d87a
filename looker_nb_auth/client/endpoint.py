"""The plain client (no auth) for what is sent without a bearer token of the session's own: the
token endpoint (redeem, refresh), logout and ``/versions``."""

from __future__ import annotations

import threading

import httpx

from .._answers import unreachable
from .._settings import Settings

__all__ = ["Endpoint"]


class Endpoint:
    """One pooled ``httpx.Client`` made on first use; connection failures as typed errors."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._http: httpx.Client | None = None

    @property
    def http(self) -> httpx.Client:
        if self._http is None:
            with self._lock:
                if self._http is None:
                    self._http = httpx.Client(
                        verify=self._settings.verify_ssl, timeout=self._settings.timeout
                    )
        return self._http

    def send(self, request: httpx.Request) -> httpx.Response:
        """Send ``request``, a connection failure raised as `LookerUnreachable`."""
        try:
            return self.http.send(request)
        except httpx.TransportError as exc:
            raise unreachable(self._settings, exc) from exc

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None
