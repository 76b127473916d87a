"""Step 2 of the login: what came back to the redirect URI (``code`` or ``error``, ``state``).

The one callback parser, for every way the redirect reaches us: the query a server received
(the extension's page, the kernel's loopback listener) and the address a user pasted. It checks,
as an OAuth client should: sizes, repeated and non-UTF-8 parameters, then error → code → state.
Each failure is a ``CallbackError`` leaf whose message speaks to the person who pasted the
address, and whose ``page`` speaks to the person looking at the callback page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from .._errors import MalformedCallback, ServerRestarted, StateMismatch
from .._protocol import STOPPED_PARAM
from .._secret import Secret
from .state import is_valid_state

__all__ = [
    "MAX_QUERY_CHARS",
    "MAX_VALUE_CHARS",
    "START_AGAIN",
    "UNKNOWN",
    "CallbackResult",
    "looker_said",
    "parse_callback",
]

MAX_VALUE_CHARS = 4096
MAX_QUERY_CHARS = 16 * 1024

START_AGAIN = "go back to the notebook and click Log in to Looker again."
_PASTE_AGAIN = "paste the URL exactly as Looker redirected to it."
_STOPPED = (
    "Your Jupyter server stopped while you were logging in to Looker, and JupyterHub has "
    "started it again; open your notebook, run the login cell and click Log in to Looker again."
)
UNKNOWN = f"This login link is unknown or has expired; {START_AGAIN}"


@dataclass(frozen=True)
class CallbackResult:
    """The callback's parameters; ``repr`` hides the code."""

    state: str = field(repr=False)
    code: Secret | None = field(default=None, repr=False)
    error: str | None = None
    error_description: str | None = None

    @property
    def answer(self) -> dict[str, str]:
        """What a store keeps for the kernel: ``{code}`` or ``{error, error_description}``."""
        if self.error:
            return {"error": self.error, "error_description": self.error_description or ""}
        assert self.code is not None
        return {"code": self.code.reveal()}

    @classmethod
    def from_answer(cls, state: str, answer: Mapping[str, str]) -> CallbackResult:
        """The inverse of ``answer``, for the kernel that picked it up."""
        code = answer.get("code")
        return cls(
            state=state,
            code=Secret(code) if isinstance(code, str) and code else None,
            error=answer.get("error") or None,
            error_description=answer.get("error_description") or None,
        )


def looker_said(error: str | None, description: str | None) -> str | None:
    """Looker's own error, shown (as text) even when the state is wrong; never the code."""
    if not error:
        return None
    return f"Looker said: {error}" + (f" ({description})" if description else "")


def _malformed(paste: str, page: str) -> MalformedCallback:
    return MalformedCallback(f"The callback {paste}; {_PASTE_AGAIN}", page=f"{page}; {START_AGAIN}")


def _single_values(params: Mapping[str, Sequence[str]]) -> dict[str, str]:
    repeated = sorted(name for name, given in params.items() if len(given) > 1)
    if repeated:
        raise _malformed(f"repeats {', '.join(repeated)}", "This login link repeats a parameter")
    values = {name: given[0] for name, given in params.items() if given and given[0]}
    if any(len(value) > MAX_VALUE_CHARS for value in values.values()):
        raise _malformed("has an oversized parameter", "This login link is too long")
    return values


def parse_callback(callback: str | Mapping[str, str] | CallbackResult) -> CallbackResult:
    """Read a callback: the redirected URL (pasted from the address bar), its query string (as a
    server received it), or a dict of its parameters.

    Raises a ``CallbackError`` leaf: ``MalformedCallback``, ``StateMismatch`` (no state, or not
    one of ours) or ``ServerRestarted``.
    """
    if isinstance(callback, CallbackResult):
        return callback
    try:
        args = _arguments(callback)
    except MalformedCallback as exc:  # its frame holds the pasted URL, with the code in it
        raise exc.with_traceback(None) from None
    finally:
        del callback
    raw_code = args.pop("code", None)
    code = Secret(raw_code) if raw_code else None
    del raw_code  # from here on no local holds the plain code (verbose tracebacks show locals)
    if args.get(STOPPED_PARAM) == "1":
        raise ServerRestarted(_STOPPED)
    error, state = args.get("error"), args.get("state")
    if not error and not code:
        raise _malformed(
            "has neither a code nor an error", "Looker sent neither a login code nor an error"
        )
    said = looker_said(error, args.get("error_description"))
    if not state:
        raise StateMismatch(
            "The callback has no state; paste the whole URL Looker redirected to, including "
            "?code=...&state=....",
            page=f"This page was opened without a login state; {START_AGAIN}",
            looker_said=said,
        )
    if not is_valid_state(state):
        raise StateMismatch(
            "The callback's state is not one this package makes; start the login again and use "
            "the newest link.",
            page=UNKNOWN,
            looker_said=said,
        )
    return CallbackResult(
        state=state,
        code=None if error else code,
        error=error,
        error_description=args.get("error_description") if error else None,
    )


def _arguments(callback: str | Mapping[str, str]) -> dict[str, str]:
    """The callback's parameters, each given once; ``MalformedCallback`` otherwise."""
    if isinstance(callback, str):
        text = callback.strip()
        query = urlsplit(text).query if "://" in text else text.lstrip("?")
        if len(query) > MAX_QUERY_CHARS:
            raise _malformed("is oversized", "This login link is too long")
        try:
            params = parse_qs(query, keep_blank_values=True, errors="strict")
        except UnicodeDecodeError:
            raise _malformed("is not valid UTF-8", "This login link is not valid UTF-8") from None
    else:
        params = {name: [value] for name, value in callback.items()}
    return _single_values(params)
