"""Step 2 of the login: what came back to the redirect URI (``code`` or ``error``, ``state``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from .._errors import LookerAuthError

__all__ = ["CALLBACK_PATH", "STOPPED_PARAM", "CallbackResult", "parse_callback"]

#: Where Looker sends the browser: the server extension's route under a server's base URL.
CALLBACK_PATH = "looker-nb-auth/callback"
#: Set on the callback URL by ``looker_nb_auth.jupyterhub.user_redirect_hook`` when it had to
#: spawn the server the login was started in.
STOPPED_PARAM = "server_stopped"
_MAX_VALUE = 4096


@dataclass(frozen=True)
class CallbackResult:
    """The callback's parameters; ``repr`` hides the code."""

    state: str = field(repr=False)
    code: str | None = field(default=None, repr=False)
    error: str | None = None
    error_description: str | None = None


def parse_callback(callback: str | Mapping[str, str] | CallbackResult) -> CallbackResult:
    """Read a callback from the redirected URL (pasted from the address bar), its query, or a dict.

    Raises ``LookerAuthError`` when parameters are missing, repeated or oversized.
    """
    if isinstance(callback, CallbackResult):
        return callback
    if isinstance(callback, str):
        text = callback.strip()
        query = urlsplit(text).query if "://" in text else text.lstrip("?")
        parsed = parse_qs(query, keep_blank_values=False)
        repeated = sorted(name for name, values in parsed.items() if len(values) > 1)
        if repeated:
            raise LookerAuthError(
                f"The callback repeats {', '.join(repeated)}; paste the URL exactly as Looker "
                "redirected to it."
            )
        params = {name: values[0] for name, values in parsed.items()}
    else:
        params = {k: v for k, v in callback.items() if v}
    if any(len(value) > _MAX_VALUE for value in params.values()):
        raise LookerAuthError("The callback has an oversized parameter; log in again.")
    state = params.get("state")
    error = params.get("error")
    if not state and not error:
        raise LookerAuthError(
            "The callback has no state; paste the whole URL Looker redirected to, "
            "including ?code=...&state=...."
        )
    if not error and not params.get("code"):
        raise LookerAuthError("The callback has neither a code nor an error; log in again.")
    return CallbackResult(
        state=state or "",
        code=params.get("code"),
        error=error,
        error_description=params.get("error_description"),
    )
