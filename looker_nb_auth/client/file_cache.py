"""`FileCache`: the logins in a JSON file only its owner can read or write, replaced atomically
under an exclusive lock (``flock``) that sibling kernels and cron jobs take turns on."""

from __future__ import annotations

import os
import stat
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from .._errors import CacheWarning
from . import cache
from .cache import CachedLogin, CacheKey, _Logins, _stamped

if sys.platform != "win32":
    import fcntl

__all__ = ["MAX_FILE_BYTES", "FileCache", "default_cache_path", "unsafe_reason"]

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # opening a FIFO planted at the path must not hang
#: A cache file larger than this is not ours (a login is a few hundred bytes).
MAX_FILE_BYTES = 1024 * 1024
_LOCK_POLL = 0.05


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


def _lock(fd: int, deadline: float) -> None:
    """An exclusive flock on ``fd``, or TimeoutError at ``deadline`` (monotonic): a stuck holder (a
    frozen kernel, a lock file on a hung network mount) costs a bounded wait, never a hang. The
    poll sleeps are short, so Ctrl-C stops the wait at once."""
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
                f"{self._lock_path} for over {cache.LOCK_TIMEOUT:g} s; this login is not "
                "remembered."
            )
            warnings.warn(message, CacheWarning, stacklevel=3)
        except OSError as exc:
            message = f"Could not write the token cache {self.path}: {exc.strerror}."
            warnings.warn(message, CacheWarning, stacklevel=3)

    @contextmanager
    def locked(self, timeout: float | None = None) -> Iterator[None]:
        """Hold the file's lock across processes (re-entrant in the holding thread): a session
        reads, refreshes and saves under it, so two kernels never spend the same refresh token.
        TimeoutError after ``timeout`` seconds (default ``cache.LOCK_TIMEOUT``)."""
        wait = cache.LOCK_TIMEOUT if timeout is None else timeout
        deadline = time.monotonic() + wait
        if not self.path.parent.is_dir():
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            self.path.parent.chmod(0o700)  # mkdir's mode is subject to the umask
        if not self._thread_lock.acquire(timeout=wait):  # for threads: flock is per file
            raise TimeoutError
        fd = -1
        try:
            if self._depth == 0:
                fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT | _NOFOLLOW, 0o600)
                if sys.platform != "win32":
                    _lock(fd, deadline)
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
