"""The callback page: what any server that receives Looker's redirect answers, and how.

Shared by the two receivers of the redirect, which run in different processes: the server
extension's ``GET callback`` (``server/handlers.py``, tornado, in the Jupyter server) and the
kernel's loopback listener (``client/loopback.py``, no web framework). ``answer()`` parses the
query with the one parser (``oauth/callback.py``), hands ``{code}`` or ``{error,
error_description}`` to a store and chooses the ``Page``; ``Page.headers()`` and ``Page.html()``
are the response, security headers included.

The page is self-contained: one inline style and one inline script, both allowed by a
per-response nonce in the Content-Security-Policy, nothing else. Both are built from the top-level
``js/`` (``js/callback.css``, ``js/callback.ts``) into ``static/`` and read once. The script
strips the query (the code) from the address bar and history and, only for a known state, tells
the notebook's widget on a ``BroadcastChannel`` and closes the window when the browser lets it:
the channel and the message are data on the page's ``<main>`` (``data-channel``,
``data-message``), which the script reads. Every reflected value is html-escaped; the code is never
part of the page.

The page sends the person back to where the login started: the notebook, or for a login of
``looker-nb-auth login`` the terminal. Only a loopback listener serves a terminal's login (its own
or, when a kernel holds the port, that kernel's), and it knows which of its logins are the
terminal's: it answers with ``started_in_terminal``. A login whose kernel
restarted or stopped before the answer came cannot finish (``kernel_gone``): the page says so and
stays open.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from html import escape
from typing import NamedTuple

from ._errors import AlreadyAnswered, CallbackError, UnknownState
from ._protocol import CHANNEL, ChannelKey
from ._static import built_text
from .oauth.callback import START_AGAIN, UNKNOWN, CallbackResult, looker_said, parse_callback

__all__ = [
    "ANSWERED",
    "DENIED",
    "KERNEL_GONE",
    "LOGGED_IN",
    "PRIVATE",
    "InTerminal",
    "Page",
    "Store",
    "answer",
    "bad_callback",
    "error_page",
    "kernel_gone",
    "stored",
]

LOGGED_IN = "You are logged in to Looker. You can close this window and return to your notebook."
ANSWERED = f"This login link has already been used; {START_AGAIN}"
DENIED = "You did not allow access in Looker; click Log in to Looker in the notebook to try again."
KERNEL_GONE = (
    "The notebook kernel that started this login restarted or stopped, so this login cannot "
    "finish; run the login cell again."
)


class _Words(NamedTuple):
    """What the page says, by where the login started."""

    logged_in: str
    denied: str
    start_again: str


_NOTEBOOK = _Words(LOGGED_IN, DENIED, START_AGAIN)
_TERMINAL = _Words(
    "You are logged in to Looker. You can close this window and return to your terminal.",
    "You did not allow access in Looker; run looker-nb-auth login in your terminal to try again.",
    "run looker-nb-auth login in your terminal again.",
)
#: ``started_in_terminal(state)``: whether ``looker-nb-auth login`` started the login ``state``.
InTerminal = Callable[[str], bool]


def _in_a_notebook(state: str) -> bool:
    """Where the server extension's logins start: a kernel."""
    return False


#: On every response that may carry the code in its URL: not cached, no referrer.
PRIVATE: Mapping[str, str] = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}

#: ``store(state, answer)``: keeps the answer for the kernel, or raises ``UnknownState`` or
#: ``AlreadyAnswered``.
Store = Callable[[str, Mapping[str, str]], None]


def _inline(name: str, tag: str) -> str:
    """A built file's text, to go inside its ``<tag>`` element on the page."""
    text = built_text(name)
    if f"</{tag}" in text.lower():  # it would end the element early
        raise ValueError(f"static/{name} contains </{tag}")
    return text


@dataclass(frozen=True)
class Page:
    """The page to answer with. ``state``: tell that login's widget (only once it is stored)."""

    status: int
    ok: bool
    title: str
    detail: str | None = None
    state: str | None = None
    nonce: str = field(default_factory=lambda: secrets.token_urlsafe(18), repr=False)

    def headers(self) -> dict[str, str]:
        """Every header the page needs: nothing cached, no referrer, nothing but its own
        inline style and script, no framing, no forms, no base."""
        policy = "; ".join(
            [
                "default-src 'none'",
                f"script-src 'nonce-{self.nonce}'",
                f"style-src 'nonce-{self.nonce}'",
                "base-uri 'none'",
                "form-action 'none'",
                "frame-ancestors 'none'",
            ]
        )
        return {
            "Content-Type": "text/html; charset=UTF-8",
            **PRIVATE,
            "Content-Security-Policy": policy,
        }

    def html(self) -> str:
        """The whole page. Given a ``state`` (already validated), the page posts the outcome to
        the widget and closes itself; without one, it stays open, the only place that says what
        happened."""
        tell = ""  # read by the script: tell the widget, then close
        if self.state is not None:
            message = json.dumps(
                {ChannelKey.TYPE: CHANNEL, ChannelKey.STATE: self.state, ChannelKey.OK: self.ok}
            )
            tell = f' data-channel="{escape(CHANNEL)}" data-message="{escape(message)}"'
        detail_html = f"\n<p>{escape(self.detail)}</p>" if self.detail else ""
        nonce = self.nonce
        return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<title>Looker login</title>
<style nonce="{nonce}">{_inline("callback.css", "style")}</style>
</head>
<body>
<main class="{"ok" if self.ok else "bad"}" role="status"{tell}>
<div class="mark" aria-hidden="true">{"&#10003;" if self.ok else "&#9888;"}</div>
<h1>{escape(self.title)}</h1>{detail_html}
</main>
<script nonce="{nonce}">{_inline("callback.js", "script")}</script>
</body>
</html>
"""


def error_page(status: int, sentence: str) -> Page:
    """A page that only explains (no state: the widget is not told)."""
    return Page(status, ok=False, title=sentence)


def stored(
    result: CallbackResult, store: Store, started_in_terminal: InTerminal = _in_a_notebook
) -> Page:
    """Store a parsed result; the page for it (raises ``CallbackError`` if it cannot be)."""
    said = looker_said(result.error, result.error_description)
    # Before storing: once stored, the login may be picked up and gone at once.
    words = _TERMINAL if started_in_terminal(result.state) else _NOTEBOOK
    try:
        store(result.state, result.answer)
    except UnknownState:
        raise CallbackError(UNKNOWN, looker_said=said) from None
    except AlreadyAnswered:
        used = f"This login link has already been used; {words.start_again}"
        raise CallbackError(used, looker_said=said) from None
    detail = result.error_description or ""
    if result.code:
        return Page(200, ok=True, title=words.logged_in, state=result.state)
    if result.error == "access_denied":
        return Page(200, ok=False, title=words.denied, detail=detail, state=result.state)
    title = f"Looker did not log you in ({result.error}); {words.start_again}"
    return Page(200, ok=False, title=title, detail=detail, state=result.state)


def kernel_gone(result: CallbackResult) -> Page:
    """The page for a login whose kernel restarted or stopped before Looker's answer came: it
    cannot finish (the verifier died with the kernel), so nothing is stored and no widget is told;
    the page stays open to say so."""
    said = looker_said(result.error, result.error_description)
    return Page(410, ok=False, title=KERNEL_GONE, detail=said)


def bad_callback(exc: CallbackError) -> Page:
    """The 400 page for a callback that stores nothing, with Looker's error if it sent one."""
    return Page(400, ok=False, title=exc.page, detail=exc.looker_said)


def answer(query: str, store: Store, started_in_terminal: InTerminal = _in_a_notebook) -> Page:
    """The whole callback: parse the query, ``store(state, answer)``, and the page."""
    try:
        return stored(parse_callback(query), store, started_in_terminal)
    except CallbackError as exc:
        return bad_callback(exc)
