"""Authorization codes and tokens: issued, checked, rotated and revoked under the store's lock.

Every token descends from a grant (one authorization code, or one API3 login). Revoking the grant
kills the whole family at once: its access tokens, its refresh token, and the code's future use.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from ._config import FakeLookerConfig

__all__ = ["CodeStatus", "Grant", "Issued", "IssuedCode", "RefreshRefusal", "TokenStore"]

SWEEP_AT = 10_000  # prune expired and revoked tokens when this many are stored
USED_CODE_MEMORY = 3600.0  # remember used and expired codes this long, to spot reuse


@dataclass
class Grant:
    """One login: the family of tokens that descend from one code (or one API3 login)."""

    id: str
    user_id: str
    client_guid: str | None
    revoked: bool = False
    redirect_uri: str | None = None  # the one the code was issued for (None: API3 login)


@dataclass
class IssuedCode:
    """An authorization code and everything it is bound to."""

    client_guid: str
    redirect_uri: str
    user_id: str
    code_challenge: str
    expires_at: float
    grant: Grant
    used: bool = False


class CodeStatus(Enum):
    OK = "ok"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "already used"


class RefreshRefusal(Enum):
    INVALID = "invalid, expired or revoked"
    OTHER_CLIENT = "issued to another client"


@dataclass(frozen=True)
class Issued:
    """What a token request hands out (``refresh_token`` is None when it is withheld)."""

    access_token: str
    expires_in: int
    refresh_token: str | None


@dataclass
class _Token:
    grant: Grant
    expires_at: float


class TokenStore:
    """Codes, access tokens and refresh tokens of one stand-in."""

    def __init__(
        self, config: FakeLookerConfig, clock: Callable[[], float], lock: threading.RLock
    ) -> None:
        self._config = config
        self._clock = clock
        self._lock = lock
        self._codes: dict[str, IssuedCode] = {}
        self._access: dict[str, _Token] = {}
        self._refresh: dict[str, _Token] = {}
        self._invalid_before: dict[str, float] = {}
        self._sweep_at = SWEEP_AT
        self._seen: list[str] = []  # every code, token and verifier issued or received

    def remember(self, *values: object) -> None:
        """Note secrets a client sent (verifiers, codes, refresh tokens) for ``seen()``."""
        with self._lock:
            self._seen.extend(v for v in values if isinstance(v, str) and v)

    def seen(self) -> list[str]:
        with self._lock:
            return list(self._seen)

    # -- codes ------------------------------------------------------------------------------

    def issue_code(
        self, client_guid: str, redirect_uri: str, code_challenge: str, user_id: str
    ) -> str:
        code = secrets.token_urlsafe(32)
        grant = Grant(secrets.token_hex(8), user_id, client_guid, redirect_uri=redirect_uri)
        with self._lock:
            now = self._clock()
            forgotten = [
                k for k, c in self._codes.items() if now >= c.expires_at + USED_CODE_MEMORY
            ]
            for key in forgotten:
                del self._codes[key]
            expires_at = now + self._config.code_ttl
            self._seen.append(code)
            self._codes[code] = IssuedCode(
                client_guid, redirect_uri, user_id, code_challenge, expires_at, grant
            )
        return code

    def take_code(self, code: str) -> tuple[CodeStatus, IssuedCode | None]:
        """Consume a code (any attempt does). A second use revokes what the first one got."""
        with self._lock:
            issued = self._codes.get(code)
            if issued is None:
                return CodeStatus.UNKNOWN, None
            grant = issued.grant
            if issued.used:
                self._revoke(lambda g: g is grant)
                return CodeStatus.USED, issued
            issued.used = True
            if self._clock() >= issued.expires_at or grant.revoked:
                return CodeStatus.EXPIRED, issued
            return CodeStatus.OK, issued

    # -- tokens -----------------------------------------------------------------------------

    def issue(self, grant: Grant, *, with_refresh: bool) -> Issued:
        ttl = self._config.access_token_ttl
        access = secrets.token_urlsafe(30)
        refresh = secrets.token_urlsafe(40) if with_refresh else None
        with self._lock:
            now = self._clock()
            self._sweep(now)
            self._access[access] = _Token(grant, now + ttl)
            self._seen.extend([access] if refresh is None else [access, refresh])
            if refresh is not None:
                self._refresh[refresh] = _Token(grant, now + self._config.refresh_token_ttl)
        return Issued(access, ttl, refresh)

    def api3_grant(self, user_id: str) -> Grant:
        return Grant(secrets.token_hex(8), user_id, None)

    def refresh_grant(self, refresh_token: str) -> Grant | None:
        """The login behind a live refresh token (without using it)."""
        with self._lock:
            token = self._refresh.get(refresh_token)
            if token is None or token.grant.revoked or self._clock() >= token.expires_at:
                return None
            return token.grant

    def live_refresh_tokens(self, user_id: str) -> int:
        """How many refresh tokens of the user would be honoured now."""
        with self._lock:
            now = self._clock()
            return sum(
                1
                for t in self._refresh.values()
                if t.grant.user_id == user_id and not t.grant.revoked and now < t.expires_at
            )

    def refresh(self, refresh_token: str, client_guid: str) -> Issued | RefreshRefusal:
        """A new access token, and a new refresh token or none, as the knobs say."""
        with self._lock:
            grant = self.refresh_grant(refresh_token)
            if grant is None:
                return RefreshRefusal.INVALID
            if grant.client_guid != client_guid:
                return RefreshRefusal.OTHER_CLIENT
            if self._config.omit_refresh_token:
                return self.issue(grant, with_refresh=False)
            if self._config.rotate_refresh_tokens:
                del self._refresh[refresh_token]
                return self.issue(grant, with_refresh=True)
            issued = self.issue(grant, with_refresh=False)
            return Issued(issued.access_token, issued.expires_in, refresh_token)

    def user_id(self, access_token: str) -> str | None:
        """The owner of a live access token."""
        with self._lock:
            token = self._access.get(access_token)
            if token is None or token.grant.revoked or self._clock() >= token.expires_at:
                return None
            return token.grant.user_id

    # -- revocation -------------------------------------------------------------------------

    def logout(self, access_token: str) -> bool:
        """Revoke the access token's whole grant (its refresh token too)."""
        with self._lock:
            if self.user_id(access_token) is None:
                return False
            grant = self._access[access_token].grant
            self._revoke(lambda g: g is grant)
            return True

    def expire_access_tokens(self) -> None:
        with self._lock:
            self._access.clear()

    def revoke_user(self, user_id: str, client_guid: str | None = None) -> None:
        """Every token of the user (for one app only, when ``client_guid`` is given)."""
        with self._lock:
            self._revoke(lambda g: g.user_id == user_id and client_guid in (None, g.client_guid))

    def invalidate_app(self, client_guid: str) -> None:
        """Every code and token issued for the app so far, for all users."""
        with self._lock:
            self._invalid_before[client_guid] = self._clock()
            self._revoke(lambda g: g.client_guid == client_guid)

    def invalid_before(self, client_guid: str) -> float | None:
        with self._lock:
            return self._invalid_before.get(client_guid)

    def _revoke(self, which: Callable[[Grant], bool]) -> None:
        for table in (self._access, self._refresh):
            for key in [k for k, t in table.items() if which(t.grant)]:
                table[key].grant.revoked = True
                del table[key]
        for code in self._codes.values():
            if which(code.grant):
                code.grant.revoked = True

    def _sweep(self, now: float) -> None:
        if len(self._access) + len(self._refresh) < self._sweep_at:
            return
        for table in (self._access, self._refresh):
            for key in [k for k, t in table.items() if now >= t.expires_at or t.grant.revoked]:
                del table[key]
        self._sweep_at = max(SWEEP_AT, 2 * (len(self._access) + len(self._refresh)))
