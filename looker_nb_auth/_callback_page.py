"""What the callback page says, for any server that receives Looker's redirect.

Shared by the server extension's ``GET callback`` (tornado, in the Jupyter server) and the
kernel's loopback fallback (``_loopback.py``): check the query, hand ``{code}`` or ``{error,
error_description}`` to a store, and choose the page. No web framework here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .oauth.callback import STOPPED_PARAM
from .oauth.pkce import is_valid_state

__all__ = [
    "ANSWERED",
    "DENIED",
    "LOGGED_IN",
    "MAX_QUERY_CHARS",
    "MAX_VALUE_CHARS",
    "START_AGAIN",
    "UNKNOWN",
    "AlreadyAnswered",
    "BadCallback",
    "Page",
    "UnknownState",
    "answer",
    "parse_query",
]

MAX_VALUE_CHARS = 4096
MAX_QUERY_CHARS = 16 * 1024

START_AGAIN = "go back to the notebook and click Log in to Looker again."
LOGGED_IN = "You are logged in to Looker. You can close this window and return to your notebook."
UNKNOWN = f"This login link is unknown or has expired; {START_AGAIN}"
ANSWERED = f"This login link has already been used; {START_AGAIN}"
DENIED = "You did not allow access in Looker; click Log in to Looker in the notebook to try again."
_NO_STATE = f"This page was opened without a login state; {START_AGAIN}"
_STOPPED = (
    "Your Jupyter server stopped while you were logging in to Looker, and JupyterHub has "
    "started it again; open your notebook, run the login cell and click Log in to Looker again."
)
_NO_ANSWER = f"Looker sent neither a login code nor an error; {START_AGAIN}"
_REPEATED = f"This login link repeats a parameter; {START_AGAIN}"
_TOO_LONG = f"This login link is too long; {START_AGAIN}"
_MALFORMED = f"This login link is not valid UTF-8; {START_AGAIN}"


class UnknownState(LookupError):
    """No login is pending under this state (never registered, expired or forgotten)."""


class AlreadyAnswered(LookupError):
    """The login under this state already has its answer."""


class BadCallback(Exception):
    """A callback that stores nothing: its one-sentence page, and Looker's error if it sent one."""

    def __init__(self, sentence: str, detail: str | None = None) -> None:
        super().__init__(sentence)
        self.sentence = sentence
        self.detail = detail


@dataclass(frozen=True)
class Page:
    """The page to answer with. ``state``: tell that login's widget (only once it is stored)."""

    status: int
    ok: bool
    title: str
    detail: str | None = None
    state: str | None = None


def parse_query(query: str, arguments: Mapping[str, list[bytes]]) -> tuple[str, dict[str, str]]:
    """Check the query, then error → code → state, as an OAuth client should."""
    if len(query) > MAX_QUERY_CHARS:
        raise BadCallback(_TOO_LONG)
    args: dict[str, str] = {}
    for key, values in arguments.items():
        if len(values) != 1:
            raise BadCallback(_REPEATED)
        try:
            value = values[0].decode("utf-8")
        except UnicodeDecodeError:
            raise BadCallback(_MALFORMED) from None
        if len(value) > MAX_VALUE_CHARS:
            raise BadCallback(_TOO_LONG)
        args[key] = value
    if args.get(STOPPED_PARAM) == "1":
        raise BadCallback(_STOPPED)
    result: dict[str, str]
    if error := args.get("error"):
        result = {"error": error, "error_description": args.get("error_description", "")}
    elif code := args.get("code"):
        result = {"code": code}
    else:
        raise BadCallback(_NO_ANSWER)
    state = args.get("state")
    if not state:
        raise BadCallback(_NO_STATE, looker_said(result))
    if not is_valid_state(state):
        raise BadCallback(UNKNOWN, looker_said(result))
    return state, result


def answer(
    query: str,
    arguments: Mapping[str, list[bytes]],
    store: Callable[[str, dict[str, str]], None],
) -> Page:
    """The whole callback: parse, ``store(state, result)`` (which raises ``UnknownState`` or
    ``AlreadyAnswered``), and the page."""
    try:
        state, result = parse_query(query, arguments)
        return stored(state, result, store)
    except BadCallback as bad:
        return Page(400, ok=False, title=bad.sentence, detail=bad.detail)


def stored(
    state: str, result: dict[str, str], store: Callable[[str, dict[str, str]], None]
) -> Page:
    """Store a parsed result; the page for it (raises ``BadCallback`` if it cannot be stored)."""
    try:
        store(state, result)
    except UnknownState:
        raise BadCallback(UNKNOWN, looker_said(result)) from None
    except AlreadyAnswered:
        raise BadCallback(ANSWERED, looker_said(result)) from None
    if "code" in result:
        return Page(200, ok=True, title=LOGGED_IN, state=state)
    if result["error"] == "access_denied":
        return Page(200, ok=False, title=DENIED, detail=result["error_description"], state=state)
    title = f"Looker did not log you in ({result['error']}); {START_AGAIN}"
    return Page(200, ok=False, title=title, detail=result["error_description"], state=state)


def looker_said(result: dict[str, str]) -> str | None:
    """Looker's own error, shown (as text) even when the state is wrong; never the code."""
    if "error" not in result:
        return None
    description = result["error_description"]
    return f"Looker said: {result['error']}" + (f" ({description})" if description else "")
