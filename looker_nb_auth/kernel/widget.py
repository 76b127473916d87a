"""The "Log in to Looker" button: an anywidget whose ES module lives in ``static/``.

Synced traits hold only what the page needs to draw: the status, one sentence, the prepared
authorize URL (cleared once used), the Jupyter base path, and the names the JS shares with the
kernel and the callback page (``protocol``, from ``_protocol.py``). Never a code, verifier or
token.
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets

from .._protocol import Status, widget_protocol

__all__ = ["LoginWidget"]

_STATIC = Path(__file__).parent.parent / "static"


class LoginWidget(anywidget.AnyWidget):
    """The login button and its status line; driven by ``looker_nb_auth.login()``."""

    _esm = _STATIC / "widget.js"
    _css = _STATIC / "widget.css"

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
