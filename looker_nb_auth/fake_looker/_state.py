"""Server-side state: users, apps, approvals, browser sessions, pending authorizations.

One lock guards it all, tokens included (`TokenStore` shares it): the server thread serves
requests while tests flip knobs and read state from another thread. Secrets are random
(``secrets``) and only ever compared, never logged.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from ._config import DemoUser, FakeLookerConfig, OAuthApp
from ._tokens import TokenStore

__all__ = ["Pending", "Store"]

PENDING_TTL = 600.0  # an unfinished login form stays usable for ten minutes
SESSION_TTL = 12 * 3600.0  # browser login session
MAX_PENDING = 1000  # bound the store against floods of /auth requests
MAX_SESSIONS = 1000


@dataclass
class Pending:
    """An authorization request waiting for the user to log in or to answer the consent page."""

    id: str
    client_guid: str
    redirect_uri: str
    state: str | None
    code_challenge: str
    created_at: float


class Store:
    """All mutable state of one stand-in, behind one lock."""

    def __init__(self, config: FakeLookerConfig, clock: Callable[[], float]) -> None:
        self.config = config
        self.clock = clock
        self._lock = threading.RLock()
        self._approvals: set[tuple[str, str]] = set()  # (user id, client guid)
        self._sessions: dict[str, tuple[str, float]] = {}  # sid -> (user id, expires at)
        self._pending: dict[str, Pending] = {}
        self.tokens = TokenStore(config, clock, self._lock)

    # -- users and apps ---------------------------------------------------------------------

    def user(self, user_id: str) -> DemoUser | None:
        return next((u for u in self.config.users if u.id == user_id), None)

    def check_password(self, email: str, password: str) -> DemoUser | None:
        for user in self.config.users:
            if user.email.lower() == email.strip().lower():
                ok = secrets.compare_digest(user.password.encode(), password.encode())
                return user if ok else None
        return None

    def admin(self) -> DemoUser | None:
        return next((u for u in self.config.users if u.is_admin), None)

    def app(self, client_guid: str) -> OAuthApp | None:
        with self._lock:
            return next((a for a in self.config.apps if a.client_guid == client_guid), None)

    def apps(self) -> list[OAuthApp]:
        with self._lock:
            return list(self.config.apps)

    def add_app(self, app: OAuthApp) -> bool:
        with self._lock:
            if self.app(app.client_guid) is not None:
                return False
            self.config.apps.append(app)
            return True

    def update_app(self, client_guid: str, changes: dict[str, Any]) -> OAuthApp | None:
        """Apply a partial update; disabling an app invalidates its tokens, as in Looker."""
        with self._lock:
            app = self.app(client_guid)
            if app is None:
                return None
            was_enabled = app.enabled
            for name, value in changes.items():
                setattr(app, name, value)
            if was_enabled and not app.enabled:
                self.tokens.invalidate_app(client_guid)
            return app

    def delete_app(self, client_guid: str) -> bool:
        with self._lock:
            app = self.app(client_guid)
            if app is None:
                return False
            self.config.apps.remove(app)
            self.tokens.invalidate_app(client_guid)
            self._approvals = {a for a in self._approvals if a[1] != client_guid}
            return True

    def activated_users(self, client_guid: str) -> list[DemoUser]:
        with self._lock:
            ids = {user_id for user_id, guid in self._approvals if guid == client_guid}
        return [u for u in self.config.users if u.id in ids]

    # -- approvals (the consent page) -------------------------------------------------------

    def approve(self, user_id: str, client_guid: str) -> None:
        with self._lock:
            self._approvals.add((user_id, client_guid))

    def is_approved(self, user_id: str, client_guid: str) -> bool:
        with self._lock:
            return (user_id, client_guid) in self._approvals

    def deactivate_app_user(self, client_guid: str, user_id: str) -> None:
        """Forget the approval and kill that user's tokens for the app."""
        with self._lock:
            self._approvals.discard((user_id, client_guid))
            self.tokens.revoke_user(user_id, client_guid)

    # -- browser sessions and pending authorizations ----------------------------------------

    def create_session(self, user_id: str) -> str:
        sid = secrets.token_urlsafe(32)
        with self._lock:
            _evict(self._sessions, MAX_SESSIONS)
            self._sessions[sid] = (user_id, self.clock() + SESSION_TTL)
        return sid

    def session_user(self, sid: str | None) -> DemoUser | None:
        if not sid:
            return None
        with self._lock:
            entry = self._sessions.get(sid)
            if entry is None or self.clock() >= entry[1]:
                return None
            return self.user(entry[0])

    def create_pending(
        self, client_guid: str, redirect_uri: str, state: str | None, code_challenge: str
    ) -> Pending:
        now = self.clock()
        pending = Pending(
            secrets.token_urlsafe(24), client_guid, redirect_uri, state, code_challenge, now
        )
        with self._lock:
            for key in [k for k, p in self._pending.items() if now - p.created_at >= PENDING_TTL]:
                del self._pending[key]
            _evict(self._pending, MAX_PENDING)
            self._pending[pending.id] = pending
        return pending

    def pending(self, pending_id: str) -> Pending | None:
        with self._lock:
            pending = self._pending.get(pending_id)
            if pending is None or self.clock() - pending.created_at >= PENDING_TTL:
                return None
            return pending

    def finish_pending(self, pending_id: str) -> Pending | None:
        """Take a pending authorization out of the store (each is answered once)."""
        with self._lock:
            pending = self.pending(pending_id)
            self._pending.pop(pending_id, None)
            return pending

    # -- tokens ------------------------------------------------------------------------------

    def issue_code(self, pending: Pending, user_id: str) -> str:
        return self.tokens.issue_code(
            pending.client_guid, pending.redirect_uri, pending.code_challenge, user_id
        )

    def authenticate(self, access_token: str) -> DemoUser | None:
        """The user behind a live access token."""
        user_id = self.tokens.user_id(access_token)
        return None if user_id is None else self.user(user_id)


_V = TypeVar("_V")


def _evict(table: dict[str, _V], limit: int) -> None:
    """Drop the oldest entries (dicts keep insertion order) until one more fits."""
    while len(table) >= limit:
        del table[next(iter(table))]
