"""The small page the login popup lands on after Looker (internal to the server extension).

Self-contained: one inline style and one inline script, both allowed by a per-response nonce in
the Content-Security-Policy, nothing else. The script strips the query (the code) from the address
bar and history, tells the notebook's widget on a ``BroadcastChannel`` (only for a known state),
and closes the window when the browser lets it. Every reflected value is html-escaped; the code is
never part of the page.
"""

from __future__ import annotations

import json
from html import escape

__all__ = ["CHANNEL", "content_security_policy", "render_page"]

#: The BroadcastChannel the widget listens on (same name in js/widget.js).
CHANNEL = "looker-nb-auth"

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


def content_security_policy(nonce: str) -> str:
    """Nothing but this page's own inline style and script; no framing, no forms, no base."""
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src 'nonce-{nonce}'",
            f"style-src 'nonce-{nonce}'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )


def _script_json(value: object) -> str:
    """JSON that is also safe inside a ``<script>`` element."""
    text = json.dumps(value)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_page(
    *,
    nonce: str,
    ok: bool,
    title: str,
    detail: str | None = None,
    state: str | None = None,
) -> str:
    """The whole page. Given a ``state`` (already validated), the page posts the outcome to the
    widget and closes itself; without one, it stays open, the only place that says what happened.
    """
    script = _SCRIPT
    if state is not None:
        message = {"type": CHANNEL, "state": state, "ok": ok}
        script = _SCRIPT_TELL_AND_CLOSE % (_script_json(CHANNEL), _script_json(message))
    detail_html = f"\n<p>{escape(detail)}</p>" if detail else ""
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
<main class="{"ok" if ok else "bad"}" role="status">
<div class="mark" aria-hidden="true">{"&#10003;" if ok else "&#9888;"}</div>
<h1>{escape(title)}</h1>{detail_html}
</main>
<script nonce="{nonce}">{script}</script>
</body>
</html>
"""
