"""Where a session keeps its refresh token between kernels: memory, a 0600 file or the OS keyring.

Only the refresh token and whose it is are kept, never an access token. A login is keyed by
(base_url, client_guid, user_id); ``user_id=None`` means "the most recently saved user". Deleting
that user also forgets the pointer, so after a logout nobody is logged in silently. Stored ids are
sha256 hex digests of the key parts joined with newlines.

The stores: `MemoryCache` here, `FileCache` (``file_cache.py``) and `KeyringCache`
(``keyring_cache.py``); what they store and how sessions share one is here.

Caches never raise on I/O trouble: an unsafe, corrupt or unreachable store gives a CacheWarning and
acts as empty, so logging in still works but is not remembered.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field, replace
from typing import Protocol, runtime_checkable

from .._errors import CacheWarning, ConfigurationError
from .._secret import Secret

_VERSION = 1
_BAD_LAYOUT = "it is not in the expected layout"
#: How long a save or a delete waits for another process's lock before it gives up (a save with
#: a warning, a delete silently: the entry is kept). A refresh waits up to the session's
#: ``timeout`` instead, as long as the refresh it waits for may take.
LOCK_TIMEOUT = 5.0


@dataclass(frozen=True)
class CacheKey:
    """Whose login: a Looker API URL (no trailing slash), an OAuth app and a user (None: latest)."""

    base_url: str
    client_guid: str
    user_id: str | None


@dataclass(frozen=True)
class CachedLogin:
    """What a cache keeps of a login: the refresh token (a ``Secret``; a plain str given is
    wrapped) and who it is for."""

    refresh_token: Secret = field(repr=False)
    user_id: str
    display_name: str = ""
    email: str = ""
    saved_at: float = 0.0

    def __post_init__(self) -> None:
        if isinstance(self.refresh_token, str):  # a cache of your own may read a plain str
            object.__setattr__(self, "refresh_token", Secret(self.refresh_token))

    def to_json(self) -> dict[str, object]:
        """The stored form: the one place the refresh token is revealed for storage."""
        return {**asdict(self), "refresh_token": self.refresh_token.reveal()}


@runtime_checkable
class TokenCache(Protocol):
    """Where logins are kept. ``save`` wants ``key.user_id`` None or equal to ``login.user_id``;
    ``delete`` with ``user_id=None`` forgets every user of that app; ``description`` says where."""

    description: str

    def load(self, key: CacheKey) -> CachedLogin | None: ...
    def save(self, key: CacheKey, login: CachedLogin) -> None: ...
    def delete(self, key: CacheKey) -> None: ...


def _app_id(key: CacheKey) -> str:
    return hashlib.sha256(f"{key.base_url}\n{key.client_guid}".encode()).hexdigest()


def _entry_id(key: CacheKey, user_id: str) -> str:
    return hashlib.sha256(f"{key.base_url}\n{key.client_guid}\n{user_id}".encode()).hexdigest()


def _stamped(key: CacheKey, login: CachedLogin) -> CachedLogin:
    if key.user_id is not None and key.user_id != login.user_id:
        raise ValueError("The cache key's user_id differs from the login's user_id.")
    return login if login.saved_at else replace(login, saved_at=time.time())


def _login_from(data: object) -> CachedLogin:
    """Rebuild a login from its JSON object; ValueError if it has the wrong shape."""
    if isinstance(data, dict) and data.keys() == CachedLogin.__dataclass_fields__.keys():
        texts = [data[name] for name in ("refresh_token", "user_id", "display_name", "email")]
        if all(isinstance(t, str) for t in texts) and isinstance(data["saved_at"], (int, float)):
            return CachedLogin(**data)
    raise ValueError(_BAD_LAYOUT)


@dataclass
class _Logins:
    """The stored document: the file cache serialises it, the memory cache keeps it."""

    entries: dict[str, CachedLogin] = field(default_factory=dict)
    latest: dict[str, str] = field(default_factory=dict)

    def get(self, key: CacheKey) -> CachedLogin | None:
        user = self.latest.get(_app_id(key)) if key.user_id is None else key.user_id
        return None if user is None else self.entries.get(_entry_id(key, user))

    def put(self, key: CacheKey, login: CachedLogin) -> None:
        self.entries[_entry_id(key, login.user_id)] = login
        self.latest[_app_id(key)] = login.user_id

    def drop(self, key: CacheKey) -> None:
        users = [e.user_id for e in self.entries.values()] if key.user_id is None else [key.user_id]
        for user in users:
            self.entries.pop(_entry_id(key, user), None)
        if self.latest.get(_app_id(key)) in users:
            del self.latest[_app_id(key)]

    def to_json(self) -> str:
        entries = {i: e.to_json() for i, e in self.entries.items()}
        return json.dumps({"version": _VERSION, "entries": entries, "latest": self.latest})

    @classmethod
    def from_json(cls, text: str) -> _Logins:
        """Parse a cache file; the ValueError says what is wrong with it."""
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):  # a 100k-deep document: not ours either
            raise ValueError("it is not valid JSON") from None
        if not isinstance(data, dict):
            raise ValueError(_BAD_LAYOUT)
        if data.get("version") != _VERSION:
            raise ValueError(f"it has version {data.get('version')!r}, not {_VERSION}")
        entries, latest = data.get("entries"), data.get("latest")
        if not isinstance(entries, dict) or not isinstance(latest, dict):
            raise ValueError(_BAD_LAYOUT)
        if not all(isinstance(user, str) for user in latest.values()):
            raise ValueError(_BAD_LAYOUT)
        return cls({i: _login_from(e) for i, e in entries.items()}, latest)


class MemoryCache:
    """Process memory: gone with the kernel. Thread-safe."""

    def __init__(self) -> None:
        self.description = "memory"
        self._logins = _Logins()
        self._lock = threading.Lock()
        self._exclusive = threading.RLock()

    @contextmanager
    def locked(self, timeout: float | None = None) -> Iterator[None]:
        """Hold the cache for a read-refresh-save (sessions sharing it take turns); TimeoutError
        after ``timeout`` seconds (default ``LOCK_TIMEOUT``)."""
        if not self._exclusive.acquire(timeout=LOCK_TIMEOUT if timeout is None else timeout):
            raise TimeoutError
        try:
            yield
        finally:
            self._exclusive.release()

    def load(self, key: CacheKey) -> CachedLogin | None:
        with self._lock:
            return self._logins.get(key)

    def save(self, key: CacheKey, login: CachedLogin) -> None:
        login = _stamped(key, login)
        with self._lock:
            self._logins.put(key, login)

    def delete(self, key: CacheKey) -> None:
        with self._lock:
            self._logins.drop(key)


@contextmanager
def exclusive(cache: TokenCache, timeout: float | None = None) -> Iterator[None]:
    """Hold ``cache`` for a read-refresh-save (or a read-compare-delete) when it can be locked
    (``FileCache``, ``MemoryCache``, or any cache with a ``locked()`` context manager, which may
    take ``timeout=``).

    Raises TimeoutError when another process holds the lock for over ``timeout`` seconds
    (default ``LOCK_TIMEOUT``): the caller decides, never by acting uncoordinated, since a
    refresh sent beside another process's spends the refresh token that process is renewing.
    A cache that cannot be locked at all (``OSError``) costs a CacheWarning and no coordination.
    """
    locked = getattr(cache, "locked", None)
    with ExitStack() as stack:
        try:
            if locked is not None:
                timed = timeout is not None and "timeout" in inspect.signature(locked).parameters
                stack.enter_context(locked(timeout=timeout) if timed else locked())
        except TimeoutError:
            raise
        except OSError as exc:
            message = (
                f"Renewing the Looker login without coordinating through the token cache "
                f"({cache.description}): it cannot be locked ({exc.strerror}); another kernel "
                "may have to log in again."
            )
            warnings.warn(message, CacheWarning, stacklevel=3)
        yield


def keyring_usable() -> bool:
    """Whether ``keyring`` is installed and its active backend is a real store; never raises."""
    try:
        import keyring
        from keyring.backends import chainer, fail

        backend = keyring.get_keyring()
        if isinstance(backend, fail.Keyring):
            return False
        if isinstance(backend, chainer.ChainerBackend):
            return bool(backend.backends)
        return float(backend.priority) > 0
    except Exception:
        return False


def open_cache(spec: bool | str | os.PathLike[str] | TokenCache | None) -> TokenCache:
    """A session's ``cache=``: None or False (memory), True (the OS keyring when one is usable,
    else the default 0600 file), or a cache object (``FileCache(path)``, ``KeyringCache()``)."""
    if spec is None or spec is False:
        return MemoryCache()
    if spec is True:  # the stores load when chosen
        if keyring_usable():
            from .keyring_cache import KeyringCache

            return KeyringCache()
        from .file_cache import FileCache

        return FileCache()
    if isinstance(spec, TokenCache) and not isinstance(spec, (str, bytes, os.PathLike)):
        return spec
    raise ConfigurationError(
        f"cache= takes True, False, None or a cache such as FileCache('tokens.json') or "
        f"KeyringCache(), not {spec!r:.80}; for a file at a path of your choice, pass "
        "cache=FileCache(path)."
    )
