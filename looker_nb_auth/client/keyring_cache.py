"""`KeyringCache`: the logins in the OS keyring (macOS Keychain, Windows Credential Locker,
Secret Service), an index entry per app and an entry per user."""

from __future__ import annotations

import json
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from .._errors import CacheError, CacheWarning
from .cache import (
    CachedLogin,
    CacheKey,
    _app_id,
    _entry_id,
    _login_from,
    _stamped,
    keyring_usable,
)

__all__ = ["KeyringCache"]


class KeyringCache:
    """The OS keyring (macOS Keychain, Windows Credential Locker, Secret Service, ...).

    One entry per login holds its JSON; as keyrings cannot list, one index entry per (base_url,
    client_guid) holds ``{"latest": user_id, "users": [...]}``. Usernames are sha256 ids, so a
    keyring browser shows neither the Looker URL nor the user. The index is not locked across
    processes: two kernels saving at the same instant may lose an index update, not a login.
    """

    def __init__(self, service: str = "looker-nb-auth") -> None:
        try:
            import keyring
        except ImportError:
            message = "The keyring cache needs the keyring package: pip install keyring."
            raise CacheError(message) from None
        if not keyring_usable():
            message = "No usable OS keyring was found; set one up for keyring, or use FileCache()."
            raise CacheError(message)
        self.service = service
        self._lock = threading.Lock()
        self.description = f"OS keyring ({keyring.get_keyring().name})"

    def load(self, key: CacheKey) -> CachedLogin | None:
        with self._problems("Reading from"):
            user = self._index(key)[0] if key.user_id is None else key.user_id
            text = None if user is None else self._get(_entry_id(key, user))
            return None if text is None else _login_from(json.loads(text))
        return None

    def save(self, key: CacheKey, login: CachedLogin) -> None:
        import keyring

        login = _stamped(key, login)
        with self._problems("Saving to"):
            users = [u for u in self._index(key)[1] if u != login.user_id] + [login.user_id]
            entry = json.dumps(login.to_json())
            keyring.set_password(self.service, _entry_id(key, login.user_id), entry)
            index = json.dumps({"latest": login.user_id, "users": users})
            keyring.set_password(self.service, _app_id(key), index)

    def delete(self, key: CacheKey) -> None:
        import keyring
        from keyring.errors import PasswordDeleteError

        with self._problems("Deleting from"):
            try:
                latest, users = self._index(key)
            except ValueError:  # unreadable: dropped below along with the login
                latest, users = None, []
            gone = users if key.user_id is None else [key.user_id]
            for name in [_entry_id(key, user) for user in gone] + [_app_id(key)]:
                with suppress(PasswordDeleteError):
                    keyring.delete_password(self.service, name)
            if users := [u for u in users if u not in gone]:
                index = {"latest": None if latest in gone else latest, "users": users}
                keyring.set_password(self.service, _app_id(key), json.dumps(index))

    def _get(self, name: str) -> str | None:
        import keyring

        return keyring.get_password(self.service, name)

    def _index(self, key: CacheKey) -> tuple[str | None, list[str]]:
        text = self._get(_app_id(key))
        index = json.loads(text) if text else {"latest": None, "users": []}
        if isinstance(index, dict):
            latest, users = index.get("latest"), index.get("users")
            if isinstance(users, list) and all(isinstance(u, str) for u in [latest or "", *users]):
                return latest, users
        raise ValueError("the index entry is not in the expected layout")

    @contextmanager
    def _problems(self, doing: str) -> Iterator[None]:
        """Turn any keyring failure or unreadable entry into a CacheWarning (never with a token)."""
        try:
            with self._lock:
                yield
        except Exception as exc:  # backends raise all sorts (D-Bus, Win32, ...); degrade to empty
            message = f"{doing} the OS keyring failed ({type(exc).__name__}); nothing is kept."
            warnings.warn(message, CacheWarning, stacklevel=4)
