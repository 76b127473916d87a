"""The hub service's HTML: a user's own login page, the admin page, the callback's answer.

Plain escaped HTML with no script: every value (a Looker name, Looker's error text) is
``html.escape``d, and the forms post back with the XSRF field the handler gives.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from html import escape

from .store import LoginSummary, StoredLogin

__all__ = ["admin_page", "message_page", "user_page"]

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:48rem;margin:3rem auto;padding:0 1rem}"
    "table{border-collapse:collapse}td,th{padding:.3rem .8rem;border-bottom:1px solid #ccc;"
    "text-align:left}.error{color:#b00020}"
)


def _when(at: float | None) -> str:
    if at is None:
        return "never"
    moment = datetime.datetime.fromtimestamp(at, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        "<meta name='referrer' content='no-referrer'>"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>"
    )


def message_page(title: str, sentence: str, *, error: bool = False) -> str:
    """One sentence (the callback's answer, an error)."""
    css = " class='error'" if error else ""
    return _page(title, f"<p{css} id='message'>{escape(sentence)}</p>")


def user_page(user: str, login: StoredLogin | None, *, prefix: str, xsrf_form: str) -> str:
    """Hub user ``user``'s Looker login on this hub, and Log in / Log out."""
    if login is None:
        body = (
            f"<p id='status'>{escape(user)}, you are not logged in to Looker on this hub.</p>"
            f"<p><a id='login' href='{escape(prefix)}login'>Log in to Looker</a></p>"
        )
    else:
        who = str(login.looker_user) if login.looker_user is not None else "a Looker user"
        body = (
            f"<p id='status'>{escape(user)}, you are logged in to Looker as {escape(who)} since "
            f"{_when(login.logged_in_at)}; last used {_when(login.last_used_at)}. Every "
            "notebook of yours on this hub uses this login.</p>"
            f"<form method='post' action='{escape(prefix)}logout'>{xsrf_form}"
            "<button id='logout' type='submit'>Log out of Looker</button></form>"
        )
    return _page("Looker login", body)


def admin_page(logins: Sequence[LoginSummary], *, prefix: str, xsrf_form: str) -> str:
    """Every hub user's Looker login, with a button that ends it."""
    rows = "".join(
        f"<tr><td>{escape(s.user)}</td>"
        f"<td>{escape(str(s.looker_user) if s.looker_user else '')}</td>"
        f"<td>{_when(s.logged_in_at)}</td><td>{_when(s.last_used_at)}</td>"
        f"<td><form method='post' action='{escape(prefix)}admin/logout'>{xsrf_form}"
        f"<input type='hidden' name='user' value='{escape(s.user)}'>"
        "<button type='submit'>End login</button></form></td></tr>"
        for s in logins
    )
    if not rows:
        return _page("Looker logins on this hub", "<p id='status'>Nobody is logged in.</p>")
    table = (
        "<table id='logins'><tr><th>Hub user</th><th>Looker user</th><th>Logged in</th>"
        f"<th>Last used</th><th></th></tr>{rows}</table>"
    )
    return _page("Looker logins on this hub", table)
