"""The HTML pages of the UI host: login form, consent page, error page. Every value is escaped."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from ._config import DemoUser, OAuthApp

__all__ = ["consent_page", "error_page", "login_page"]

_STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; background: #f4f6fa; color: #1f2937; margin: 0; }
main { max-width: 24rem; margin: 4rem auto; background: #fff; padding: 2rem;
       border-radius: 8px; box-shadow: 0 1px 4px rgba(0, 0, 0, .12); }
h1 { font-size: 1.25rem; margin-top: 0; }
label { display: block; margin: .75rem 0 .25rem; }
input[type=email], input[type=password] { width: 100%; box-sizing: border-box; padding: .5rem; }
button { margin-top: 1rem; padding: .5rem 1.25rem; font-size: 1rem; cursor: pointer; }
.error { color: #b91c1c; }
.note { color: #6b7280; font-size: .85rem; }
.brand { color: #4285f4; font-weight: 600; }
"""


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} - Looker</title><style>{_STYLE}</style></head>"
        f'<body><main><p class="brand">Looker <span class="note">(stand-in)</span></p>'
        f"{body}</main></body></html>\n"
    )


def _error(sentence: str | None) -> str:
    return f'<p class="error" role="alert">{escape(sentence)}</p>' if sentence else ""


def login_page(
    *,
    pending_id: str,
    xsrf_html: str,
    email: str,
    password: str,
    users: Sequence[DemoUser],
    error: str | None = None,
) -> str:
    """The login form, prefilled so a person only has to click "Log in"."""
    demo = ", ".join(f"{escape(u.email)} / {escape(u.password)}" for u in users)
    body = (
        "<h1>Log in to Looker</h1>"
        f"{_error(error)}"
        '<form method="post" action="/login">'
        f"{xsrf_html}"
        f'<input type="hidden" name="pending" value="{escape(pending_id)}">'
        '<label for="email">Email</label>'
        f'<input id="email" type="email" name="email" value="{escape(email)}" '
        'autocomplete="username" required>'
        '<label for="password">Password</label>'
        f'<input id="password" type="password" name="password" value="{escape(password)}" '
        'autocomplete="current-password" required>'
        '<button type="submit">Log in</button>'
        "</form>"
        f'<p class="note">Demo users (email / password): {demo}</p>'
    )
    return _page("Log in", body)


def consent_page(*, app: OAuthApp, user: DemoUser, pending_id: str, xsrf_html: str) -> str:
    """The first-login disclosure: the app's name and description, Allow or Deny."""
    description = f"<p>{escape(app.description)}</p>" if app.description else ""
    body = (
        f"<h1>Allow {escape(app.display_name)} to use Looker as you?</h1>"
        f"{description}"
        f'<p class="note">Signed in as {escape(user.display_name)} ({escape(user.email)}). '
        "The app will be able to call the Looker API with your permissions.</p>"
        '<form method="post" action="/auth/consent">'
        f"{xsrf_html}"
        f'<input type="hidden" name="pending" value="{escape(pending_id)}">'
        '<button type="submit" name="decision" value="allow">Allow</button> '
        '<button type="submit" name="decision" value="deny">Deny</button>'
        "</form>"
    )
    return _page("Allow access", body)


def error_page(title: str, sentence: str) -> str:
    """An error shown to the person instead of redirecting anywhere."""
    return _page(title, f"<h1>{escape(title)}</h1>{_error(sentence)}")
