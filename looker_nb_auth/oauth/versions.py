"""Where Looker's login page is: ``GET {base_url}/versions`` (no authentication).

Step 1 needs the UI host that serves ``/auth``, which may differ from the API host; when
``looker_url`` is not configured, Looker's ``web_server_url`` says it. ``looker-nb-auth doctor``
reads the same answer for its checks (API 4.0, the release, the clock in ``Date``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from .._errors import ConfigurationError, LookerUnreachable
from .._settings import Settings

__all__ = ["LookerVersions", "fetch_versions", "login_page_url"]


@dataclass(frozen=True)
class LookerVersions:
    """What ``GET {base_url}/versions`` said, and when (``received_at``: local UTC seconds).

    ``error`` is set (and ``status_code`` is 0) when no answer came at all."""

    status_code: int
    body: Any
    date: str | None
    received_at: float
    error: str | None = None
    timed_out: bool = False

    @property
    def reachable(self) -> bool:
        return self.error is None

    @property
    def web_server_url(self) -> str | None:
        """Looker's UI host (no trailing slash), when the answer names an http(s) one."""
        url = self.body.get("web_server_url") if isinstance(self.body, dict) else None
        if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
            return None
        return url.rstrip("/")


def fetch_versions(
    settings: Settings, client: httpx.Client | None = None, *, timeout: float | None = None
) -> LookerVersions:
    """Ask Looker; never raises (a failed connection is ``error``, with ``timed_out``)."""
    request = httpx.Request(
        "GET",
        f"{settings.base_url}/versions",
        headers={"Accept": "application/json"},
        extensions={"timeout": httpx.Timeout(timeout or settings.timeout).as_dict()},
    )
    try:
        if client is not None:
            response = client.send(request)
        else:
            with httpx.Client(verify=settings.verify_ssl) as own:
                response = own.send(request)
    except httpx.TimeoutException:
        waited = timeout or settings.timeout
        return LookerVersions(
            0, None, None, time.time(), f"no answer within {waited:g} s", timed_out=True
        )
    except httpx.HTTPError as exc:
        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return LookerVersions(0, None, None, time.time(), reason[:200])
    received = time.time()
    try:
        body = response.json()
    except ValueError:
        body = None
    return LookerVersions(response.status_code, body, response.headers.get("Date"), received)


def login_page_url(settings: Settings, http: httpx.Client) -> str:
    """Where Looker's login page (``/auth``) is, when ``looker_url`` is not configured: the
    ``web_server_url`` of ``GET {base_url}/versions``."""
    base = settings.base_url
    versions = fetch_versions(settings, http)
    if not versions.reachable:
        kind = "timed out" if versions.timed_out else "failed"
        raise LookerUnreachable(
            f"The connection to Looker at {base} {kind} ({versions.error}); check base_url "
            "and your network, then try again."
        )
    url = versions.web_server_url
    if url is None:
        raise ConfigurationError(
            f"{base}/versions did not say where Looker's login page is "
            f"(HTTP {versions.status_code}); set looker_url (LOOKERSDK_LOOKER_URL).",
            status_code=versions.status_code,
        )
    return url
