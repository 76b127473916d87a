"""A robot user: completes Looker's login and consent pages the way a person in a browser would."""

from __future__ import annotations

import functools
import logging
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx

__all__ = ["RobotError", "authorize_in_browser"]

MAX_STEPS = 10
# The robot's own HTTP client would log the redirect carrying the code (httpcore logs response
# headers at DEBUG) and the /auth URL carrying state and challenge (httpx logs URLs at INFO).
_CLIENT_LOGGERS = (
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
)


class _OtherThreadsOnly(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self._thread = threading.get_ident()

    def filter(self, record: logging.LogRecord) -> bool:
        return record.thread != self._thread


@contextmanager
def _client_logs_muted() -> Iterator[None]:
    """Drop the HTTP client's log records from this thread (other threads log as usual)."""
    muted = _OtherThreadsOnly()
    loggers = [logging.getLogger(name) for name in _CLIENT_LOGGERS]
    for logger in loggers:
        logger.addFilter(muted)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(muted)


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """Loaded once: building a fresh one for every robot login costs ~40 ms."""
    return httpx.create_ssl_context()


class RobotError(RuntimeError):
    """Looker showed an error (or a page a person could not get past) instead of redirecting.

    The message is the page's own error sentence; ``status_code`` is the page's HTTP status.
    """

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


@dataclass
class _Form:
    action: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: dict[str, tuple[str, str]] = field(default_factory=dict)  # label -> (name, value)
    has_password: bool = False


class _Page(HTMLParser):
    """The forms on a page and its error sentence (the element with class ``error``)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.forms: list[_Form] = []
        self.error = ""
        self._in_error = 0
        self._button: tuple[str, str] | None = None
        self._button_text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {name: value or "" for name, value in attrs}
        if self._in_error:
            self._in_error += 1
        elif "error" in attr.get("class", "").split():
            self._in_error = 1
        if tag == "form":
            self.forms.append(_Form(attr.get("action", "")))
        elif tag == "input" and self.forms and attr.get("name"):
            kind = attr.get("type", "text").lower()
            if kind in ("submit", "button", "image"):
                value = attr.get("value", "")
                self.forms[-1].buttons[value] = (attr["name"], value)
            else:
                self.forms[-1].fields[attr["name"]] = attr.get("value", "")
                self.forms[-1].has_password |= kind == "password"
        elif tag == "button" and self.forms:
            self._button, self._button_text = (attr.get("name", ""), attr.get("value", "")), []

    def handle_endtag(self, tag: str) -> None:
        if self._in_error:
            self._in_error -= 1
        if tag == "button" and self._button is not None and self.forms:
            self.forms[-1].buttons["".join(self._button_text).strip()] = self._button
            self._button = None

    def handle_data(self, data: str) -> None:
        if self._in_error:
            self.error += data
        if self._button is not None:
            self._button_text.append(data)


def _leaves_looker(location: str, looker_page: httpx.URL, redirect_uri: str | None) -> bool:
    target = urlsplit(location)
    if (target.scheme, target.netloc) != (looker_page.scheme, looker_page.netloc.decode()):
        return True
    if redirect_uri is None:
        return False
    registered = urlsplit(redirect_uri)
    return (target.netloc, target.path) == (registered.netloc, registered.path)


def _error_sentence(response: httpx.Response, page: _Page | None) -> str:
    if page is not None and page.error.strip():
        return " ".join(page.error.split())
    try:
        message = response.json().get("message")
    except (ValueError, AttributeError):
        message = None
    return str(message or f"Looker answered HTTP {response.status_code} with no form to fill in.")


def authorize_in_browser(
    authorize_url: str,
    *,
    email: str | None = None,
    password: str | None = None,
    approve: bool = True,
    client: httpx.Client | None = None,
) -> str:
    """Open ``authorize_url``, log in, press Allow (or Deny), return the redirect to the app.

    Uses the given credentials or the login form's prefilled ones. Pass ``client`` to keep its
    cookies (a logged-in browser) between calls. The final URL is returned, not fetched. Raises
    `RobotError` with Looker's sentence when Looker shows an error instead.
    """
    redirect_uri = parse_qs(urlsplit(authorize_url).query).get("redirect_uri", [None])[0]
    with _client_logs_muted():
        if client is not None:
            return _walk(client, authorize_url, redirect_uri, email, password, approve)
        with httpx.Client(timeout=10.0, verify=_ssl_context()) as browser:
            return _walk(browser, authorize_url, redirect_uri, email, password, approve)


def _walk(
    browser: httpx.Client,
    authorize_url: str,
    redirect_uri: str | None,
    email: str | None,
    password: str | None,
    approve: bool,
) -> str:
    """Follow Looker's pages, filling in forms, until a redirect leaves Looker."""
    response = browser.get(authorize_url, follow_redirects=False)
    logged_in = False
    for _ in range(MAX_STEPS):
        if response.is_redirect:
            location = urljoin(str(response.url), response.headers["location"])
            if _leaves_looker(location, response.url, redirect_uri):
                return location
            response = browser.get(location, follow_redirects=False)
            continue
        is_html = response.headers.get("content-type", "").startswith("text/html")
        page = _Page(response.text) if is_html else None
        if response.is_error or page is None or not page.forms:
            raise RobotError(_error_sentence(response, page), response.status_code)
        form = page.forms[0]
        data = dict(form.fields)
        if form.has_password:
            if logged_in:
                raise RobotError(_error_sentence(response, page), response.status_code)
            data["email"] = email if email is not None else data.get("email", "")
            data["password"] = password if password is not None else data.get("password", "")
            logged_in = True
        else:
            label = "Allow" if approve else "Deny"
            if label not in form.buttons:
                raise RobotError(f"The page has no {label} button.", response.status_code)
            name, value = form.buttons[label]
            data[name] = value
        action = urljoin(str(response.url), form.action)
        response = browser.post(action, data=data, follow_redirects=False)
    raise RobotError("Looker kept showing pages without redirecting back to the app.")
