"""Step 3: the kernel picks the callback's result up from the server extension (long-poll).

The Jupyter server that started this kernel exported ``LOOKER_NB_AUTH_SERVER_URL`` and a per-run
``LOOKER_NB_AUTH_SECRET``; the kernel registers its ``state`` there before the popup opens and
then parks a ``POST pickup`` (the state in its body, never in a URL a log records) until the
callback arrives, so the code reaches the kernel within
milliseconds even while a cell is running.
"""

from __future__ import annotations

import contextlib
import os
import ssl
import threading
import time
from collections.abc import Mapping

import httpx

from .._errors import (
    ConfigurationError,
    JupyterServerUnreachable,
    LoginExpired,
    ReceiverUnavailable,
)
from .._protocol import (
    CERT_ENV,
    PENDING_TTL,
    PICKUP_POLL,
    ROUTE_PREFIX,
    SECRET_ENV,
    SECRET_HEADER,
    SERVER_URL_ENV,
    Route,
)
from ..oauth.callback import CallbackResult

__all__ = ["ExtensionClient"]


def _pinned(cert_file: str) -> ssl.SSLContext:
    """Trust exactly the server's own certificate, whatever names it carries.

    The kernel reaches its server over loopback (``https://127.0.0.1:PORT``), a name a
    certificate for the server's public host name does not have. Trusting that certificate
    itself (a partial chain) and not the name is the stronger check here. (JupyterHub's
    ``internal_ssl`` also wants a client certificate, which kernels do not have: unsupported.)
    """
    try:
        context = ssl.create_default_context(cafile=cert_file)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigurationError(
            f"This kernel cannot read its Jupyter server's certificate {cert_file} "
            f"({type(exc).__name__}); check LOOKER_NB_AUTH_SERVER_CERT, or restart the server."
        ) from exc
    context.check_hostname = False
    context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    return context


def _sentence(response: httpx.Response) -> str:
    """The sentence of the extension's 4xx (``{"message": ...}``), or "" if it sent none."""
    try:
        message = response.json().get("message")
    except (ValueError, AttributeError):
        return ""
    return message if isinstance(message, str) and len(message) < 500 else ""


class ExtensionClient:
    """Talks to ``{server}looker-nb-auth/`` on behalf of one kernel."""

    def __init__(self, server_url: str, secret: str, *, server_cert: str | None = None) -> None:
        """``server_cert``: the certificate file of a server with TLS, pinned (see ``_pinned``)."""
        self.server_url = server_url.rstrip("/") + "/"
        self._http = httpx.Client(
            base_url=f"{self.server_url}{ROUTE_PREFIX}/",
            headers={SECRET_HEADER: secret},
            timeout=httpx.Timeout(10.0, read=PICKUP_POLL + 10.0),
            trust_env=False,  # loopback to our own server: never through a proxy
            verify=_pinned(server_cert) if server_cert else True,
        )

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> ExtensionClient | None:
        """The client for the server that started this kernel, or ``None`` outside one."""
        env = os.environ if environ is None else environ
        url, secret = env.get(SERVER_URL_ENV), env.get(SECRET_ENV)
        return cls(url, secret, server_cert=env.get(CERT_ENV)) if url and secret else None

    def _call(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, str | float] | None = None,
    ) -> httpx.Response:
        try:
            return self._http.request(method, path, json=json)
        except httpx.TransportError as exc:
            raise JupyterServerUnreachable(
                f"This kernel could not reach its Jupyter server at {self.server_url} "
                f"({type(exc).__name__}); restart the kernel, or check that the looker-nb-auth "
                "server extension is enabled."
            ) from exc

    def register(self, state: str) -> float:
        """Tell the server a login with this ``state`` is starting; the seconds it stays pending
        (the server's ``c.LookerNbAuth.pending_ttl``)."""
        response = self._call("POST", Route.PENDING.value, json={"state": state})
        if response.status_code == 429 and (sentence := _sentence(response)):
            # too many pending (this kernel or the server): the server says which, for how long
            raise ReceiverUnavailable(sentence, status_code=429)
        if response.status_code != 201:
            raise ReceiverUnavailable(
                f"The Jupyter server refused to start a Looker login (HTTP "
                f"{response.status_code}); restart the kernel and try again.",
                status_code=response.status_code,
            )
        try:
            ttl = float(response.json()["expires_in"])
        except (ValueError, KeyError, TypeError):
            ttl = PENDING_TTL  # a server from before the answer said it
        return ttl if ttl > 0 else PENDING_TTL

    def forget(self, state: str) -> None:
        """Drop a pending login; a parked pickup for it returns ``cancelled``."""
        with contextlib.suppress(httpx.TransportError):  # nothing to clean up if unreachable
            self._http.request("DELETE", Route.PENDING.value, json={"state": state})

    def wait(
        self, state: str, *, timeout: float, stop: threading.Event | None = None
    ) -> CallbackResult | None:
        """Park until the callback for ``state`` arrives; ``None`` on timeout or ``stop``."""
        deadline = time.monotonic() + timeout
        while stop is None or not stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            response = self._call(
                "POST",
                Route.PICKUP.value,
                json={"state": state, "wait": round(min(remaining, PICKUP_POLL), 3)},
            )
            if response.status_code == 204:
                continue
            if response.status_code == 404:
                raise LoginExpired(
                    "This login expired before Looker answered; click Log in to Looker again."
                )
            if response.status_code != 200:
                raise ReceiverUnavailable(
                    f"The Jupyter server answered {response.status_code} while waiting for "
                    "Looker; try logging in again.",
                    status_code=response.status_code,
                )
            return CallbackResult.from_answer(state, response.json())
        return None

    def close(self) -> None:
        self._http.close()
