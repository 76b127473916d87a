"""``Secret``: how tokens, codes and verifiers are held, so that no repr shows them.

Access and refresh tokens, authorization codes and PKCE verifiers live in ``Secret`` objects from
the moment they are read off the wire until the moment they are written back to it
(``reveal()``). ``repr``, ``str`` and f-strings show ``Secret(***)``; so do verbose tracebacks
(``%xmode Verbose``), debuggers and error reporters that capture locals. Secrets refuse to be
pickled, so ``%store``, dill or a saved session cannot write one to disk by accident.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any, NoReturn, final

__all__ = ["Secret", "reveal"]


@final
class Secret:
    """A string that is never shown: ``reveal()`` returns it, and only the wire should ask."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("a Secret holds a str")
        self._value = value

    def reveal(self) -> str:
        """The secret itself, for the request that must carry it."""
        return self._value

    def fingerprint(self) -> str:
        """SHA-256 of the secret, in hex: names a token to whoever holds it without giving it
        away (a kernel tells the hub service which token Looker refused: ``api/token?refused=``)."""
        return hashlib.sha256(self._value.encode()).hexdigest()

    def __repr__(self) -> str:
        return "Secret(***)" if self._value else "Secret('')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(self._value)

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Secret:
        return self

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret is not pickled, so it never reaches a file")


def reveal(secret: Secret | None) -> str | None:
    """``secret.reveal()``, or None for no secret."""
    return None if secret is None else secret.reveal()
