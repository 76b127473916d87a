"""The callback page: what any server that receives Looker's redirect answers, and how.

Shared by the two receivers of the redirect, which run in different processes: the server
extension's ``GET callback`` (``server/handlers.py``, tornado, in the Jupyter server) and the
kernel's loopback listener (``client/loopback.py``, no web framework). ``answer()`` parses the
query with the one parser (``oauth/callback.py``), hands ``{code}`` or ``{error,
error_description}`` to a store and chooses the ``Page``; ``Page.headers()`` and ``Page.html()``
are the response, security headers included.

The page is self-contained: one inline style and one inline script, both allowed by a
per-response nonce in the Content-Security-Policy, nothing else. The script strips the query (the
code) from the address bar and history, tells the notebook's widget on a ``BroadcastChannel``
(only for a known state), and closes the window when the browser lets it. Every reflected value
is html-escaped; the code is never part of the page.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from html import escape

from ._errors import CallbackError
from ._protocol import CHANNEL
from .oauth.callback import START_AGAIN, UNKNOWN, CallbackResult, looker_said, parse_callback

__all__ = [
    "ANSWERED",
    "DENIED",
    "LOGGED_IN",
    "PRIVATE",
    "AlreadyAnswered",
    "Page",
    "Store",
    "UnknownState",
    "answer",
    "bad_callback",
    "error_page",
    "stored",
]

LOGGED_IN = "You are logged in to Looker. You can close this window and return to your notebook."
ANSWERED = f"This login link has already been used; {START_AGAIN}"
DENIED = "You did not allow access in Looker; click Log in to Looker in the notebook to try again."


class UnknownState(LookupError):
    """Raised by a store: no login is pending under this state (never registered, expired,
    forgotten or already picked up). Never carries the state."""


class AlreadyAnswered(LookupError):
    """Raised by a store: the login under this state already has its answer."""


#: On every response that may carry the code in its URL: not cached, no referrer.
PRIVATE: Mapping[str, str] = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}

#: ``store(state, answer)``: keeps the answer for the kernel, or raises one of the two above.
Store = Callable[[str, Mapping[str, str]], None]

_STYLE = """
:root { color-scheme: light dark; --bg: #f4f5f7; --card: #fff; --fg: #1f2328; --muted: #59636e;
  --ok: #1a7f37; --bad: #cf222e; --border: #d1d9e0; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0d1117; --card: #161b22; --fg: #e6edf3; --muted: #9198a1;
    --ok: #3fb950; --bad: #f85149; --border: #30363d; }
}
* { box-sizing: border-box; }
body { margin: 0; min-height: 100vh; display: flex; align-items: center; justify-content: center;
  background: var(--bg); color: var(--fg); font: 16px/1.5 system-ui, -apple-system, "Segoe UI",
  Roboto, "Helvetica Neue", Arial, sans-serif; padding: 1.5rem; }
main { max-width: 28rem; width: 100%; background: var(--card); border: 1px solid var(--border);
  border-radius: 12px; padding: 2rem 1.75rem; text-align: center;
  box-shadow: 0 8px 24px rgb(0 0 0 / 8%); }
.mark { font-size: 2.25rem; line-height: 1; margin: 0 0 .75rem; }
.ok .mark { color: var(--ok); } .bad .mark { color: var(--bad); }
h1 { font-size: 1.15rem; font-weight: 600; margin: 0 0 .5rem; }
p { margin: .5rem 0 0; color: var(--muted); overflow-wrap: anywhere; }
"""

_SCRIPT = """
(function () {
  try { history.replaceState(null, "", location.pathname); } catch (e) {}
})();
"""
# Only when the widget is told the outcome: otherwise this page is the only place that says it.
_SCRIPT_TELL_AND_CLOSE = """
(function () {
  try { history.replaceState(null, "", location.pathname); } catch (e) {}
  if ("BroadcastChannel" in window) {
    try { var ch = new BroadcastChannel(%s); ch.postMessage(%s); ch.close(); } catch (e) {}
  }
  try { window.close(); } catch (e) {}
})();
"""


def _script_json(value: object) -> str:
    """JSON that is also safe inside a ``<script>`` element."""
    text = json.dumps(value)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


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
        script = _SCRIPT
        if self.state is not None:
            message = {"type": CHANNEL, "state": self.state, "ok": self.ok}
            script = _SCRIPT_TELL_AND_CLOSE % (_script_json(CHANNEL), _script_json(message))
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
<style nonce="{nonce}">{_STYLE}</style>
</head>
<body>
<main class="{"ok" if self.ok else "bad"}" role="status">
<div class="mark" aria-hidden="true">{"&#10003;" if self.ok else "&#9888;"}</div>
<h1>{escape(self.title)}</h1>{detail_html}
</main>
<script nonce="{nonce}">{script}</script>
</body>
</html>
"""


def error_page(status: int, sentence: str) -> Page:
    """A page that only explains (no state: the widget is not told)."""
    return Page(status, ok=False, title=sentence)


def stored(result: CallbackResult, store: Store) -> Page:
    """Store a parsed result; the page for it (raises ``CallbackError`` if it cannot be)."""
    said = looker_said(result.error, result.error_description)
    try:
        store(result.state, result.answer)
    except UnknownState:
        raise CallbackError(UNKNOWN, looker_said=said) from None
    except AlreadyAnswered:
        raise CallbackError(ANSWERED, looker_said=said) from None
    detail = result.error_description or ""
    if result.code:
        return Page(200, ok=True, title=LOGGED_IN, state=result.state)
    if result.error == "access_denied":
        return Page(200, ok=False, title=DENIED, detail=detail, state=result.state)
    title = f"Looker did not log you in ({result.error}); {START_AGAIN}"
    return Page(200, ok=False, title=title, detail=detail, state=result.state)


def bad_callback(exc: CallbackError) -> Page:
    """The 400 page for a callback that stores nothing, with Looker's error if it sent one."""
    return Page(400, ok=False, title=exc.page, detail=exc.looker_said)


def answer(query: str, store: Store) -> Page:
    """The whole callback: parse the query, ``store(state, answer)``, and the page."""
    try:
        return stored(parse_callback(query), store)
    except CallbackError as exc:
        return bad_callback(exc)
