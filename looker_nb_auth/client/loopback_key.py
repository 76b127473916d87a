"""This OS user's key for sharing a loopback redirect URI's port between its kernels.

The kernel that listens on the port takes logins from this user's other kernels only if they send
this key (``loopback.py``): a page in the browser cannot send it (it cannot read the file, and a
custom header needs a CORS preflight the listener never grants), nor can another OS user. It
lives in ``loopback.key`` next to the token cache file (``$LOOKER_NB_AUTH_CACHE_DIR``,
``$XDG_CACHE_HOME/looker-nb-auth`` or ``~/.cache/looker-nb-auth``), made 0600 by the first kernel
that needs it, whole or not at all (written aside, then linked into place). A file that is not
this user's, or that others may read, is not used: the port is then not shared.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from .file_cache import default_cache_path

__all__ = ["key_path", "loopback_key"]

_NAME = "loopback.key"
_MIN_LENGTH = 43  # 32 random bytes, URL-safe base64


def key_path() -> Path:
    return default_cache_path().parent / _NAME


def loopback_key(path: Path | None = None) -> str | None:
    """The key, made on first use; ``None`` if it cannot be read or made safely."""
    path = key_path() if path is None else path
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            return _read(path)
        aside = path.with_name(f".{_NAME}.{os.getpid()}.{secrets.token_hex(8)}")
        descriptor = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w", encoding="ascii") as file:
                file.write(secrets.token_urlsafe(32))
            with contextlib.suppress(FileExistsError):  # another kernel's came first: use it
                os.link(aside, path)
        finally:
            os.unlink(aside)
        return _read(path)
    except (OSError, ValueError):
        return None


def _read(path: Path) -> str:
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(descriptor, encoding="ascii") as file:
        status = os.fstat(file.fileno())
        if hasattr(os, "getuid") and (status.st_uid != os.getuid() or status.st_mode & 0o077):
            raise ValueError("not this user's alone")
        key = file.read(256).strip()
    if len(key) < _MIN_LENGTH:
        raise ValueError("too short")
    return key
