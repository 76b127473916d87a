"""A session's login in its token cache: the entry it resumes from, saves to and deletes.

The entry is keyed by (base_url, client_guid, user) (``CacheKey``). Every token a login gets is
saved back, and each refresh runs inside `SavedLogin.coordinate`: holding the cache's lock and
reading the refresh token the cache holds, so kernels and cron jobs sharing one cache take turns
and adopt each other's rotations instead of logging each other out. A refresh waits for the lock
as long as the refresh it waits for may take (the session's ``timeout``), and a refused login is
deleted only while the entry still holds the refresh token Looker refused.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

from .._errors import LoginRequired, LookerUnreachable
from .._secret import Secret
from .._settings import Settings
from ..oauth.token import Token
from .cache import CachedLogin, CacheKey, TokenCache, exclusive
from .user import LookerUser

__all__ = ["SavedLogin"]

_AGAIN = "looker-nb-auth login (or login() in a notebook)"


class SavedLogin:
    """One session's view of its ``cache``, for the Looker and OAuth app of ``settings``."""

    def __init__(self, cache: TokenCache, settings: Settings) -> None:
        self.cache = cache
        self._settings = settings

    def key(self, user_id: str | None) -> CacheKey:
        """``user_id=None``: the user saved last for this Looker and OAuth app."""
        return CacheKey(self._settings.base_url, self._settings.client_guid, user_id)

    def load(self) -> CachedLogin | None:
        """The login saved last for this Looker and OAuth app, if any."""
        return self.cache.load(self.key(None))

    def save(self, user: LookerUser, token: Token) -> None:
        if token.refresh_token is None:
            return
        login = CachedLogin(
            refresh_token=token.refresh_token,
            user_id=user.id,
            display_name=user.display_name,
            email=user.email,
            saved_at=time.time(),
        )
        self.cache.save(self.key(user.id), login)

    def delete(self, user_id: str) -> None:
        self.cache.delete(self.key(user_id))

    def forget_refused(self, user_id: str, refused: Secret) -> None:
        """Delete ``user_id``'s entry if it still holds ``refused``, the refresh token Looker
        refused (compare-and-delete under the cache's lock): a newer token another process
        stored meanwhile is live and stays. A lock held elsewhere keeps the entry too."""
        key = self.key(user_id)
        try:
            with exclusive(self.cache):  # re-entrant: a refused refresh holds it already
                login = self.cache.load(key)
                if login is not None and login.refresh_token == refused:
                    self.cache.delete(key)
        except TimeoutError:
            return  # the holder may be saving a newer token: keeping the entry is safe

    @contextmanager
    def coordinate(self, user: LookerUser | None) -> Iterator[Callable[[], Secret | None]]:
        """Around a refresh of ``user``'s login: the cache's lock, and a way to read the refresh
        token the cache holds now (another process may have rotated it).

        The lock is waited for up to the session's ``timeout``, since the process holding it is
        renewing the same login and may take that long; then `LookerUnreachable` (nothing sent,
        nothing deleted). Ctrl-C stops the wait at once."""
        if user is None:
            yield lambda: None
            return
        key = self.key(user.id)

        def cached() -> Secret | None:
            login = self.cache.load(key)
            return login.refresh_token if login is not None else None

        timeout = self._settings.timeout
        with ExitStack() as stack:
            try:
                stack.enter_context(exclusive(self.cache, timeout))
            except TimeoutError:
                raise LookerUnreachable(
                    f"Renewing the Looker login waited over {timeout:g} s for another process "
                    f"that shares the token cache ({self.cache.description}) and is renewing it; "
                    "Looker may be slow: try again in a moment."
                ) from None
            yield cached

    def missing(self, *, refused: bool) -> LoginRequired:
        """Why no session could be resumed: nothing saved, or Looker refused what was."""
        base = self._settings.base_url
        if refused:
            return LoginRequired(
                f"Looker refused the saved login for {base} (it expired or was revoked); run "
                f"{_AGAIN} to log in again."
            )
        return LoginRequired(
            f"No Looker login for {base} is saved in {self.cache.description}; run {_AGAIN} to "
            "log in."
        )
