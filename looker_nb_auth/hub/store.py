"""Each hub user's Looker login, kept encrypted at rest in the hub service's database.

The hub service is the one place a hub user's refresh token lives (kernels only ever see
access tokens), so the table is what an attacker who copies the database file would get: both
tokens are Fernet ciphertext under a key from the service's environment, never plain text. The
keys are a list, as ``JUPYTERHUB_CRYPT_KEY`` is: the first encrypts, every one decrypts
(``MultiFernet``), and ``rotate()`` re-encrypts every row with the first, so an old key can be
dropped afterwards. A row no key decrypts counts as no login (the user logs in again), and the
service log says so without any secret.

SQLAlchemy Core, so the hub's own database server (PostgreSQL, MySQL) can hold the table; SQLite
by default. ``sqlalchemy`` and ``cryptography`` are the ``hub`` extra's (JupyterHub needs both).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .._errors import ConfigurationError
from .._secret import Secret
from ..client.user import LookerUser
from ..oauth.token import Token

if TYPE_CHECKING:
    from cryptography.fernet import MultiFernet
    from sqlalchemy import Engine, Table

__all__ = ["LoginStore", "LoginSummary", "StoredLogin", "parse_keys"]

log = logging.getLogger(__name__)

TABLE = "looker_nb_auth_logins"
#: Where the crypt key comes from, for the sentences that name it.
KEY_ENV = "LOOKER_NB_AUTH_HUB_CRYPT_KEY"
_EXTRA = "pip install 'looker-nb-auth[hub]'"


@dataclass(frozen=True)
class LoginSummary:
    """What an admin sees of one login: who, since when, last used; never a secret."""

    user: str
    looker_user: LookerUser | None
    logged_in_at: float
    refreshed_at: float
    last_used_at: float | None

    def as_json(self) -> dict[str, Any]:
        looker = self.looker_user
        return {
            "user": self.user,
            "looker_user": None if looker is None else _identity_json(looker),
            "logged_in_at": self.logged_in_at,
            "refreshed_at": self.refreshed_at,
            "last_used_at": self.last_used_at,
        }


@dataclass(frozen=True)
class StoredLogin:
    """One hub user's login as read back: the token (``Secret`` fields) and who it is at Looker."""

    user: str
    token: Token = field(repr=False)
    looker_user: LookerUser | None
    logged_in_at: float
    refreshed_at: float
    last_used_at: float | None


def _identity_json(user: LookerUser) -> dict[str, str]:
    return {"id": user.id, "display_name": user.display_name, "email": user.email}


def parse_keys(text: str) -> list[bytes]:
    """The Fernet keys in ``LOOKER_NB_AUTH_HUB_CRYPT_KEY``: ``;``-separated, first one encrypts.

    Raises ``ConfigurationError`` when there is none or one is not a Fernet key."""
    keys = [part.strip().encode("ascii", "replace") for part in text.split(";") if part.strip()]
    if not keys:
        raise ConfigurationError(
            f'{KEY_ENV} is not set; set it to a Fernet key (python -c "from cryptography.fernet '
            'import Fernet; print(Fernet.generate_key().decode())"), several separated by ;.'
        )
    _multi_fernet(keys)  # checks each
    return keys


def _multi_fernet(keys: Sequence[bytes]) -> MultiFernet:
    try:
        from cryptography.fernet import Fernet, MultiFernet
    except ImportError:
        raise ConfigurationError(
            f"The hub service needs the cryptography package; {_EXTRA}."
        ) from None
    fernets = []
    for number, key in enumerate(keys, 1):
        try:
            fernets.append(Fernet(key))
        except (ValueError, TypeError):
            raise ConfigurationError(
                f"Key {number} of {KEY_ENV} is not a Fernet key (32 url-safe base64-encoded "
                "bytes); generate one with Fernet.generate_key()."
            ) from None
    if not fernets:
        raise ConfigurationError(f"{KEY_ENV} holds no key; set it to a Fernet key.")
    return MultiFernet(fernets)


def _table() -> tuple[Any, Table]:
    try:
        import sqlalchemy as sa
    except ImportError:
        raise ConfigurationError(f"The hub service needs SQLAlchemy; {_EXTRA}.") from None
    metadata = sa.MetaData()
    table = sa.Table(
        TABLE,
        metadata,
        sa.Column("hub_user", sa.String(255), primary_key=True),  # "user" is reserved in SQL
        sa.Column("access_token", sa.Text, nullable=False),  # Fernet ciphertext
        sa.Column("refresh_token", sa.Text, nullable=True),  # Fernet ciphertext
        sa.Column("expires_in", sa.Float, nullable=False),
        sa.Column("obtained_at", sa.Float, nullable=False),
        sa.Column("looker_user_id", sa.String(255), nullable=True),
        sa.Column("looker_display_name", sa.String(255), nullable=True),
        sa.Column("looker_email", sa.String(255), nullable=True),
        sa.Column("logged_in_at", sa.Float, nullable=False),
        sa.Column("refreshed_at", sa.Float, nullable=False),
        sa.Column("last_used_at", sa.Float, nullable=True),
    )
    return metadata, table


class LoginStore:
    """The ``looker_nb_auth_logins`` table: one row per hub user, secrets encrypted."""

    def __init__(
        self, db_url: str, keys: Sequence[bytes], *, clock: Callable[[], float] = time.time
    ) -> None:
        self._crypt = _multi_fernet(keys)
        metadata, self._table = _table()  # a sentence if SQLAlchemy is missing
        import sqlalchemy as sa

        self.engine: Engine = sa.create_engine(db_url)
        metadata.create_all(self.engine)
        self._clock = clock
        self._sa = sa

    def close(self) -> None:
        self.engine.dispose()

    # -- secrets --------------------------------------------------------------------------------

    def _seal(self, secret: Secret | None) -> str | None:
        if secret is None:
            return None
        return self._crypt.encrypt(secret.reveal().encode("utf-8")).decode("ascii")

    def _open(self, text: str | None) -> Secret | None:
        if text is None:
            return None
        return Secret(self._crypt.decrypt(text.encode("ascii")).decode("utf-8"))

    def _login(self, row: Any) -> StoredLogin | None:
        from cryptography.fernet import InvalidToken

        try:
            access, refresh = self._open(row.access_token), self._open(row.refresh_token)
        except InvalidToken:
            log.warning(
                "The Looker login of hub user %s cannot be decrypted with any key of %s; it "
                "counts as logged out until the user logs in again.",
                row.hub_user,
                KEY_ENV,
            )
            return None
        assert access is not None
        return StoredLogin(
            user=row.hub_user,
            token=Token(access, refresh, row.expires_in, row.obtained_at),
            looker_user=_looker_user(row),
            logged_in_at=row.logged_in_at,
            refreshed_at=row.refreshed_at,
            last_used_at=row.last_used_at,
        )

    # -- rows -----------------------------------------------------------------------------------

    def get(self, user: str) -> StoredLogin | None:
        """``user``'s login, or None (none, or no key decrypts it)."""
        t = self._table
        with self.engine.connect() as conn:
            row = conn.execute(self._sa.select(t).where(t.c.hub_user == user)).first()
        return None if row is None else self._login(row)

    def save(self, user: str, token: Token, looker_user: LookerUser | None) -> None:
        """Insert ``user``'s login, or replace its token (keeping ``logged_in_at``); a
        ``looker_user`` of None keeps the identity already stored."""
        t, now = self._table, self._clock()
        values: dict[str, Any] = {
            "access_token": self._seal(token.access_token),
            "refresh_token": self._seal(token.refresh_token),
            "expires_in": token.expires_in,
            "obtained_at": token.obtained_at,
            "refreshed_at": now,
        }
        if looker_user is not None:
            values.update(
                looker_user_id=looker_user.id,
                looker_display_name=looker_user.display_name,
                looker_email=looker_user.email,
            )
        with self.engine.begin() as conn:
            found = conn.execute(self._sa.select(t.c.hub_user).where(t.c.hub_user == user)).first()
            if found is None:
                conn.execute(t.insert().values(hub_user=user, logged_in_at=now, **values))
            else:
                if looker_user is not None:  # a new login, not a refresh
                    values["logged_in_at"] = now
                conn.execute(t.update().where(t.c.hub_user == user).values(**values))

    def touch(self, user: str) -> None:
        """Record that ``user``'s login was used now (an access token handed out)."""
        t = self._table
        with self.engine.begin() as conn:
            conn.execute(t.update().where(t.c.hub_user == user).values(last_used_at=self._clock()))

    def delete(self, user: str, *, only_if_refresh: Secret | None = None) -> bool:
        """Forget ``user``'s login; with ``only_if_refresh``, only while it still holds that
        refresh token (a refused refresh must not delete a login renewed meanwhile)."""
        t = self._table
        with self.engine.begin() as conn:
            if only_if_refresh is not None:
                row = conn.execute(self._sa.select(t).where(t.c.hub_user == user)).first()
                stored = None if row is None else self._login(row)
                if stored is not None and stored.token.refresh_token != only_if_refresh:
                    return False
            result = conn.execute(t.delete().where(t.c.hub_user == user))
        return bool(result.rowcount)

    def summaries(self) -> list[LoginSummary]:
        """Every login, oldest first, without a secret."""
        t = self._table
        with self.engine.connect() as conn:
            rows = conn.execute(self._sa.select(t).order_by(t.c.logged_in_at)).all()
        return [
            LoginSummary(
                user=row.hub_user,
                looker_user=_looker_user(row),
                logged_in_at=row.logged_in_at,
                refreshed_at=row.refreshed_at,
                last_used_at=row.last_used_at,
            )
            for row in rows
        ]

    def rotate(self) -> int:
        """Re-encrypt every row with the first key; returns how many rows were re-encrypted
        (rows no key decrypts are left as they are and logged)."""
        from cryptography.fernet import InvalidToken

        t, done = self._table, 0
        with self.engine.begin() as conn:
            for row in conn.execute(self._sa.select(t)).all():
                try:
                    access = self._crypt.rotate(row.access_token.encode("ascii"))
                    refresh = (
                        None
                        if row.refresh_token is None
                        else self._crypt.rotate(row.refresh_token.encode("ascii"))
                    )
                except InvalidToken:
                    log.warning(
                        "The Looker login of hub user %s cannot be decrypted.", row.hub_user
                    )
                    continue
                conn.execute(
                    t.update()
                    .where(t.c.hub_user == row.hub_user)
                    .values(
                        access_token=access.decode("ascii"),
                        refresh_token=None if refresh is None else refresh.decode("ascii"),
                    )
                )
                done += 1
        return done


def _looker_user(row: Any) -> LookerUser | None:
    if row.looker_user_id is None:
        return None
    return LookerUser(
        id=row.looker_user_id,
        display_name=row.looker_display_name or "",
        email=row.looker_email or "",
    )
