"""The UI host: ``GET /auth``, the login form (``POST /login``) and the consent page.

Client and redirect_uri are checked first and, when wrong, answered with an error page and never
a redirect (that would be an open redirect). The redirect_uri must be one of the app's
registered ``redirect_uris``, character for character. Every later problem goes back to that
redirect_uri as ``error=...``, except a user outside the app's group: Looker answers the consent
step with a 403 page. The pending authorization lives server-side under a random id; only that id
travels through the forms.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode, urlsplit, urlunsplit

from ._config import DemoUser, OAuthApp
from ._pages import consent_page, login_page
from ._state import Pending
from ._web import PageHandler

__all__ = ["AuthorizeHandler", "ConsentHandler", "LoginHandler"]

SESSION_COOKIE = "looker_session"
SCOPES = ("cors_api", "api")  # what Looker's /auth accepts; anything else is invalid_scope
NOT_ALLOWED = "User not allowed to authorize app!"  # a group_id app, a user outside the group
_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")
_EXPIRED = "This login page has expired; start the login again from the app."


def with_query(url: str, params: dict[str, str]) -> str:
    """``url`` with ``params`` appended to its query (after ``&`` when it already has one)."""
    parts = urlsplit(url)
    extra = urlencode(params)
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


class _AuthorizationPage(PageHandler):
    """Shared steps: who is logged in, and what happens next for a pending authorization."""

    def session_user(self) -> DemoUser | None:
        return self.ctx.store.session_user(self.get_cookie(SESSION_COOKIE))

    def redirect_back(self, redirect_uri: str, params: dict[str, str]) -> None:
        self.redirect(with_query(redirect_uri, params))

    def redirect_error(self, pending: Pending, error: str, description: str) -> None:
        self.ctx.store.finish_pending(pending.id)
        params = {"error": error, "error_description": description}
        if pending.state is not None:
            params["state"] = pending.state
        self.redirect_back(pending.redirect_uri, params)

    def live_app(self, pending: Pending) -> OAuthApp | None:
        """The app, if it is still registered, enabled and still has the redirect_uri."""
        app = self.ctx.store.app(pending.client_guid)
        if app is None or not app.enabled or pending.redirect_uri not in app.redirect_uris:
            self.error(400, "App changed", "This app's registration changed; start again.")
            return None
        return app

    def login_form(self, pending: Pending, *, failed_email: str | None = None) -> None:
        """The form, prefilled with the first user; after a failed try, with the email tried."""
        users = self.ctx.config.users
        if failed_email is not None:
            email, password, error = failed_email, "", "The email or password is incorrect."
        elif users:
            email, password, error = users[0].email, users[0].password, None
        else:
            email, password, error = "", "", None
        html = login_page(
            pending_id=pending.id,
            xsrf_html=self.xsrf_form_html(),
            email=email,
            password=password,
            users=users,
            error=error,
        )
        self.page(html, 401 if error else 200)

    def not_allowed(self, pending: Pending) -> None:
        """Looker's answer when a user outside the app's group tries to authorize it: a 403
        page, no redirect back to the app."""
        self.ctx.store.finish_pending(pending.id)
        self.error(403, "Not allowed", NOT_ALLOWED)

    def proceed(self, pending: Pending, user: DemoUser | None) -> None:
        """Login form, consent page, or straight back to the app with a code."""
        if user is None:
            self.login_form(pending)
            return
        app = self.live_app(pending)
        if app is None:
            return
        approved = self.ctx.store.is_approved(user.id, app.client_guid)
        if approved and not app.allows(user):
            self.not_allowed(pending)
        elif approved:
            self.ctx.store.finish_pending(pending.id)
            code = self.ctx.store.issue_code(pending, user.id)
            params = {"code": code}
            if pending.state is not None:
                params["state"] = pending.state
            self.redirect_back(pending.redirect_uri, params)
        else:
            html = consent_page(
                app=app, user=user, pending_id=pending.id, xsrf_html=self.xsrf_form_html()
            )
            self.page(html)


class AuthorizeHandler(_AuthorizationPage):
    """``GET /auth``: the authorization endpoint."""

    def query_value(self, name: str) -> tuple[str | None, bool]:
        """The parameter's value (exactly as sent) and whether it was sent more than once."""
        raw = self.request.query_arguments.get(name, [])
        try:
            values = [value.decode("utf-8") for value in raw]
        except UnicodeDecodeError:
            return None, True
        return (values[0] if values else None), len(values) > 1

    def get(self) -> None:
        client_id, client_repeated = self.query_value("client_id")
        redirect_uri, redirect_repeated = self.query_value("redirect_uri")
        app = self.ctx.store.app(client_id) if client_id else None
        if client_repeated or redirect_repeated:
            problem = "The client_id or redirect_uri parameter is malformed or repeated."
        elif not client_id:
            problem = "The request has no client_id."
        elif app is None:
            problem = "No OAuth client app is registered with this client_id."
        elif not app.enabled:
            problem = "This OAuth client app is disabled."
        elif redirect_uri not in app.redirect_uris:
            problem = "The redirect_uri does not match any registered for this app."
        else:
            problem = ""
        if problem or app is None or redirect_uri is None:
            self.error(400, "Invalid login request", problem)
            return
        values = {
            name: self.query_value(name)
            for name in ("response_type", "scope", "state", "code_challenge_method")
        }
        challenge, challenge_repeated = self.query_value("code_challenge")
        state, state_repeated = values["state"]
        error, invalid = self.problem(values, challenge, challenge_repeated)
        if invalid or state is None or challenge is None:
            params = {"error": error, "error_description": invalid}
            if state is not None and not state_repeated:
                params["state"] = state
            self.redirect_back(redirect_uri, params)
            return
        pending = self.ctx.store.create_pending(app.client_guid, redirect_uri, state, challenge)
        self.proceed(pending, self.session_user())

    @staticmethod
    def problem(
        values: dict[str, tuple[str | None, bool]], challenge: str | None, repeated: bool
    ) -> tuple[str, str]:
        """The RFC 6749 error code and sentence for the request's first problem ("" if none)."""
        for name, (_, name_repeated) in values.items():
            if name_repeated:
                return "invalid_request", f"The {name} parameter is malformed or repeated."
        if repeated:
            return "invalid_request", "The code_challenge parameter is malformed or repeated."
        scope = values["scope"][0]
        sentence = ""
        if values["response_type"][0] != "code":
            sentence = "response_type must be code."
        elif scope is None:
            sentence = "The scope parameter is required (cors_api)."
        elif scope not in SCOPES:
            return "invalid_scope", "scope must be cors_api (or api)."
        elif not values["state"][0]:
            sentence = "The state parameter is required."
        elif values["code_challenge_method"][0] != "S256":
            sentence = "code_challenge_method must be S256."
        elif challenge is None or not _CHALLENGE.fullmatch(challenge):
            sentence = "code_challenge must be 43 base64url characters (S256 of the verifier)."
        return "invalid_request", sentence


class LoginHandler(_AuthorizationPage):
    """``POST /login``: check the credentials, start a browser session, carry on."""

    def post(self) -> None:
        pending = self.ctx.store.pending(self.get_body_argument("pending", ""))
        if pending is None:
            self.error(400, "Login expired", _EXPIRED)
            return
        email = self.get_body_argument("email", "", strip=False)
        user = self.ctx.store.check_password(email, self.get_body_argument("password", "", False))
        if user is None:
            self.login_form(pending, failed_email=email)
            return
        sid = self.ctx.store.create_session(user.id)
        self.set_cookie(SESSION_COOKIE, sid, httponly=True, samesite="Lax")
        self.proceed(pending, user)


class ConsentHandler(_AuthorizationPage):
    """``POST /auth/consent``: Allow remembers the approval; Deny sends access_denied."""

    def post(self) -> None:
        pending = self.ctx.store.pending(self.get_body_argument("pending", ""))
        if pending is None:
            self.error(400, "Login expired", _EXPIRED)
            return
        user = self.session_user()
        decision = self.get_body_argument("decision", "")
        if user is None:
            self.login_form(pending)
        elif decision not in ("allow", "deny"):
            self.error(400, "Choose", "Choose Allow or Deny.")
        elif (app := self.live_app(pending)) is None:
            return
        elif decision == "deny":
            self.redirect_error(pending, "access_denied", "The user denied access.")
        elif not app.allows(user):
            self.not_allowed(pending)
        else:
            self.ctx.store.approve(user.id, pending.client_guid)
            self.proceed(pending, user)
