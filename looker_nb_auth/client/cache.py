"""Where a session keeps its refresh token between kernels: memory, a 0600 file or the OS keyring.

Only the refresh token and whose it is are kept, never an access token. A login is keyed by
(base_url, client_guid, user_id); ``user_id=None`` means "the most recently saved user". Deleting
that user also forgets the pointer, so after a logout nobody is logged in silently. Stored ids are
sha256 hex digests of the key parts joined with newlines.

Caches never raise on I/O trouble: an unsafe, corrupt or unreachable store gives a CacheWarning and
acts as empty, so logging in still works but is not remembered.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Protocol, runtime_checkable

from .._errors import CacheError, CacheWarning, ConfigurationError
from .._secret import Secret

if sys.platform != "win32":
    import fcntl

_VERSION = 1
_BAD_LAYOUT = "it is not in the expected layout"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # opening a FIFO planted at the path must not hang
#: A cache file larger than this is not ours (a login is a few hundred bytes).
MAX_FILE_BYTES = 1024 * 1024
#: How long a save waits for another process's lock before it gives up (with a warning).
LOCK_TIMEOUT = 5.0
_LOCK_POLL = 0.05


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
    def locked(self) -> Iterator[None]:
        """Hold the cache for a read-refresh-save (sessions sharing it take turns)."""
        if not self._exclusive.acquire(timeout=LOCK_TIMEOUT):
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


def default_cache_path() -> Path:
    """tokens.json in $LOOKER_NB_AUTH_CACHE_DIR, $XDG_CACHE_HOME/looker-nb-auth or ~/.cache/..."""
    if directory := os.environ.get("LOOKER_NB_AUTH_CACHE_DIR"):
        return Path(directory).expanduser() / "tokens.json"
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "looker-nb-auth" / "tokens.json"


def unsafe_reason(st: os.stat_result, path: Path) -> str | None:
    """Why a file with this status must not be trusted, with the fix; None if it is fine."""
    if stat.S_ISLNK(st.st_mode):
        return f"it is a symbolic link; delete {path}"
    if not stat.S_ISREG(st.st_mode):
        return f"it is not a regular file; remove {path} or choose another cache path"
    if sys.platform != "win32" and st.st_uid != os.getuid():
        return f"it belongs to another user (uid {st.st_uid}); choose another cache path"
    if sys.platform != "win32" and st.st_mode & 0o077:
        return f"it is readable or writable by other users; run chmod 600 {path} or delete it"
    return None


def _lock(fd: int) -> None:
    """An exclusive flock on ``fd``, or TimeoutError after ``LOCK_TIMEOUT``: a stuck holder (a
    frozen kernel, a lock file on a hung network mount) costs one unsaved login, never a hang."""
    deadline = time.monotonic() + LOCK_TIMEOUT
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise TimeoutError from None
            time.sleep(_LOCK_POLL)  # flock has no timeout of its own: poll the other process


class FileCache:
    """A JSON file only its owner can read or write, replaced atomically under an exclusive lock."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path).expanduser() if path is not None else default_cache_path()
        self._lock_path = self.path.with_name(self.path.name + ".lock")
        self._thread_lock = threading.RLock()
        self._depth = 0  # how deep the thread holding _thread_lock has nested locked()
        home, shown = Path.home(), str(self.path)
        if self.path.is_relative_to(home):
            shown = os.path.join("~", self.path.relative_to(home))
        self.description = f"file {shown} (0600)"

    def load(self, key: CacheKey) -> CachedLogin | None:
        try:
            logins, problem, ours = self._read()
        except OSError as exc:
            problem, ours = f"it cannot be read ({exc.strerror})", False
        if problem:
            then = "; it will be replaced on the next save" if ours else ""
            message = f"Ignoring the token cache {self.path}: {problem}{then}."
            warnings.warn(message, CacheWarning, stacklevel=2)
            return None
        return logins.get(key)

    def save(self, key: CacheKey, login: CachedLogin) -> None:
        login = _stamped(key, login)
        self._update(lambda logins: logins.put(key, login))

    def delete(self, key: CacheKey) -> None:
        self._update(lambda logins: logins.drop(key))

    def _read(self) -> tuple[_Logins, str | None, bool]:
        """(logins, problem, ours): a corrupt file of ours is replaced, an unsafe one left alone."""
        try:
            problem = unsafe_reason(os.lstat(self.path), self.path)
        except FileNotFoundError:
            return _Logins(), None, True
        if problem:
            return _Logins(), problem, False
        with open(os.open(self.path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK), "rb") as file:
            if problem := unsafe_reason(os.fstat(file.fileno()), self.path):  # swapped since lstat
                return _Logins(), problem, False
            data = file.read(MAX_FILE_BYTES + 1)
            if len(data) > MAX_FILE_BYTES:
                return _Logins(), f"it is larger than {MAX_FILE_BYTES // 1024} KiB", True
            text = data.decode("utf-8", "replace")
        try:
            return _Logins.from_json(text), None, True
        except ValueError as exc:
            return _Logins(), str(exc), True

    def _update(self, change: Callable[[_Logins], None]) -> None:
        try:
            with self.locked():
                logins, problem, ours = self._read()
                if problem:
                    verb = "Replacing the unreadable" if ours else "Not writing to the"
                    message = f"{verb} token cache {self.path}: {problem}."
                    warnings.warn(message, CacheWarning, stacklevel=3)
                    if not ours:
                        return
                change(logins)
                self._write(logins.to_json().encode())
        except TimeoutError:  # (an OSError too: first)
            message = (
                f"Not saving to the token cache {self.path}: another process has held its lock "
                f"{self._lock_path} for over {LOCK_TIMEOUT:g} s; this login is not remembered."
            )
            warnings.warn(message, CacheWarning, stacklevel=3)
        except OSError as exc:
            message = f"Could not write the token cache {self.path}: {exc.strerror}."
            warnings.warn(message, CacheWarning, stacklevel=3)

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the file's lock across processes (re-entrant in the holding thread): a session
        reads, refreshes and saves under it, so two kernels never spend the same refresh token.
        TimeoutError after ``LOCK_TIMEOUT``."""
        if not self.path.parent.is_dir():
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            self.path.parent.chmod(0o700)  # mkdir's mode is subject to the umask
        if not self._thread_lock.acquire(timeout=LOCK_TIMEOUT):  # for threads: flock is per file
            raise TimeoutError
        fd = -1
        try:
            if self._depth == 0:
                fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT | _NOFOLLOW, 0o600)
                if sys.platform != "win32":
                    _lock(fd)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
        finally:
            if fd >= 0:
                os.close(fd)  # releases the flock too
            self._thread_lock.release()

    def _write(self, data: bytes) -> None:
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.{time.time_ns()}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
        try:
            with open(fd, "wb") as file:
                if sys.platform != "win32":
                    os.fchmod(file.fileno(), 0o600)
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            with suppress(OSError):
                os.unlink(temporary)
            raise


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


@contextmanager
def exclusive(cache: TokenCache) -> Iterator[None]:
    """Hold ``cache`` for a read-refresh-save when it can be locked (``FileCache``,
    ``MemoryCache``, or any cache with a ``locked()`` context manager). A lock another process
    holds for over ``LOCK_TIMEOUT`` costs a CacheWarning and an uncoordinated refresh, never a
    hang."""
    locked = getattr(cache, "locked", None)
    with ExitStack() as stack:
        try:
            if locked is not None:
                stack.enter_context(locked())
        except (TimeoutError, OSError) as exc:
            reason = "its lock is held" if isinstance(exc, TimeoutError) else "it cannot be locked"
            message = (
                f"Renewing the Looker login without coordinating through the token cache "
                f"({cache.description}): {reason}; another kernel may have to log in again."
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
    if spec is True:
        return KeyringCache() if keyring_usable() else FileCache()
    if isinstance(spec, TokenCache) and not isinstance(spec, (str, bytes, os.PathLike)):
        return spec
    raise ConfigurationError(
        f"cache= takes True, False, None or a cache such as FileCache('tokens.json') or "
        f"KeyringCache(), not {spec!r:.80}; for a file at a path of your choice, pass "
        "cache=FileCache(path)."
    )
