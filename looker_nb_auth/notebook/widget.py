"""The "Log in to Looker" button: an anywidget whose ES module lives in ``static/``.

The module and its style are built from the top-level ``js/`` (``js/widget.ts``,
``js/widget.css``) by ``npm run build``; a wheel carries them built.

Synced traits hold only what the page needs to draw: the status, one sentence, the prepared
authorize URL (cleared once used), the Jupyter base path, and the names the JS shares with the
kernel and the callback page (``protocol``, from ``_protocol.py``). Never a code, verifier or
token.
"""

from __future__ import annotations

from html import escape
from typing import Any

import anywidget
import traitlets

from .._protocol import WIDGET_OUTPUT_KEY, Status, widget_protocol
from .._static import built

__all__ = ["LoginWidget"]

#: Every sentence and label the JS shows (its only home: the JS holds none of its own). Most are
#: what the JS says on its own, while the kernel cannot speak (a cell runs ``login(wait=True)``,
#: or the kernel is gone). ``{name}`` is filled in by the JS.
TEXTS = {
    "label": "Looker login",  # the widget's accessible name
    "login": "Log in to Looker",
    "cancel": "Cancel",
    "logout": "Log out",
    "retry": "Try again",
    "no_window": "No window? ",  # followed by the fallback link
    "fallback_link": "open the Looker login page",
    "waiting": "Waiting for Looker: log in and allow access in the popup window.",
    "blocked": "Your browser blocked the popup window: open the Looker login page with the link.",
    "paste": "Log in and allow access in the popup, then copy the popup's address and run "
    "session.complete_login('<that address>').",
    "quiet": "No answer from Looker yet; the likely causes:",
    "causes": "\n".join(
        [
            "The popup was closed, or the browser blocked it: open the Looker login page again.",
            "Looker showed an error page: no app is registered in Looker with exactly this "
            "client guid, {client_guid}, and this redirect URI, {redirect_uri}, or your Looker "
            "user may not use it; to check, run %run -m looker_nb_auth doctor in a cell.",
            "Logging in to Looker itself failed (password, SSO): finish it in the popup.",
        ]
    ),
    # {link}: this notebook on {expected}, a link (no token: Jupyter asks for it there if needed)
    "origin": "This login would come back to {expected}, not to {page} where this page is open: "
    "open this notebook at {link} and log in there (Jupyter may ask for its token or password "
    "first), or register a redirect URI on {page} in Looker.",
    "disconnected": "Disconnected from its kernel: run this cell again to log in.",
    # the callback page told this widget (BroadcastChannel) that Looker answered the login
    "answered": "Looker answered; finishing the login…",
    "answered_error": "Looker answered with an error; finishing…",
}

#: What a saved notebook shows where the widget was (a reopened notebook, nbviewer, GitHub):
#: the server extension saves this text alone (``server/saving.py``).
FALLBACK = "Looker login: disconnected from its kernel; run this cell again to log in."


class LoginWidget(anywidget.AnyWidget):
    """The login button and its status line; driven by ``looker_nb_auth.login()``."""

    _esm = built("widget.js")
    _css = built("widget.css")

    status = traitlets.Enum(
        [status.value for status in Status],
        default_value=Status.READY.value,
        help="what the widget shows (looker_nb_auth._protocol.Status)",
    ).tag(sync=True)
    message = traitlets.Unicode("", help="one sentence for the user").tag(sync=True)
    authorize_url = traitlets.Unicode("", help="the prepared Looker /auth URL").tag(sync=True)
    api_base = traitlets.Unicode("", help="the Jupyter server's base path").tag(sync=True)
    protocol = traitlets.Dict(
        widget_protocol(), help="the names the JS shares with the kernel and the callback page"
    ).tag(sync=True)
    texts = traitlets.Dict(TEXTS, help="every sentence and label the JS shows").tag(sync=True)
    redirect_uri = traitlets.Unicode("", help="the registered redirect URI").tag(sync=True)
    client_guid = traitlets.Unicode("", help="the OAuth client guid this login uses").tag(sync=True)
    redirect_origin = traitlets.Unicode(
        "", help="where this page must be open for the popup to reach Jupyter (empty: anywhere)"
    ).tag(sync=True)
    quiet_after = traitlets.Float(
        20.0, help="seconds of waiting with no answer before the likely causes are shown"
    ).tag(sync=True)

    def __repr__(self) -> str:
        return FALLBACK

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[Any, Any], dict[Any, Any]] | None:
        """The widget, and a fallback that says what it is and what to do (not an object repr):
        saved with the notebook, shown wherever the widget cannot be drawn."""
        bundle = super()._repr_mimebundle_(**kwargs)  # its text/plain is repr(): FALLBACK
        if bundle is not None:
            bundle[0]["text/html"] = f"<p><em>{escape(FALLBACK)}</em></p>"
            # Saved without its view: a reopened notebook shows the text, not a missing model.
            bundle[1][WIDGET_OUTPUT_KEY] = {"saved": "text"}
        return bundle
