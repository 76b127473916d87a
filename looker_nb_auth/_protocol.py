"""Every name the kernel, the Jupyter server, the callback page and the widget's JS agree on.

Defined once here. Python imports them; the JS receives them as the widget's ``protocol`` trait
(``widget_protocol()``), never as copied strings.

The data path, and where each step lives:

1. ``oauth/authorize.py``: the kernel makes the state (``oauth/state.py``), the PKCE verifier
   and the authorize URL.
2. ``oauth/callback.py``: Looker redirects the popup to the redirect URI, which a server's
   callback page (``_callback_page.py``) answers: ``server/handlers.py`` in the Jupyter server,
   or ``client/loopback.py`` when the kernel listens on a loopback redirect URI itself.
3. ``server/pending.py`` keeps the answer under its state (the one pending-logins rule,
   ``oauth/pending.py``); ``client/pickup.py`` collects it.
4. ``oauth/token.py``: the kernel redeems the code (``client/session.py``).
5. ``client/refresh.py`` and ``client/auth.py``: the clients on ``session.client``,
   ``session.async_client`` and ``session.sdk`` (``client/sdk.py``).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType

__all__ = [
    "CALLBACK_PATH",
    "CANCELLED",
    "CANCELLED_ERROR",
    "CERT_ENV",
    "CHANNEL",
    "DEFAULTS_ENV",
    "DERIVED_KEY",
    "MAX_PENDING",
    "MAX_PENDING_PER_KERNEL",
    "PENDING_TTL",
    "PICKUP_POLL",
    "PICKUP_WAIT_MAX",
    "ROUTE_PREFIX",
    "SECRET_ENV",
    "SECRET_HEADER",
    "SERVER_URL_ENV",
    "STOPPED_PARAM",
    "WIDGET_OUTPUT_KEY",
    "WIDGET_VIEW_MIME",
    "ChannelKey",
    "Event",
    "MessageKey",
    "Route",
    "Status",
    "route",
    "widget_protocol",
]

# -- routes under a Jupyter server's base URL ---------------------------------------------------

#: Every route of the server extension lives under ``{base_url}looker-nb-auth/``.
ROUTE_PREFIX = "looker-nb-auth"


class Route(str, enum.Enum):
    """The server extension's routes (the last path segment)."""

    CALLBACK = "callback"  # browser: where Looker sends the popup
    CANCEL = "cancel"  # browser: the widget's Cancel
    PENDING = "pending"  # kernel: register / forget a state
    PICKUP = "pickup"  # kernel: long-poll for the answer


def route(name: Route) -> str:
    """``looker-nb-auth/<name>``, relative to a server's base URL."""
    return f"{ROUTE_PREFIX}/{name.value}"


#: Where Looker sends the browser: the server extension's callback under a server's base URL.
CALLBACK_PATH = route(Route.CALLBACK)
#: Set on the callback URL by ``looker_nb_auth.jupyterhub.user_redirect_hook`` when it had to
#: spawn the server the login was started in.
STOPPED_PARAM = "server_stopped"

# -- the kernel's way back to its server ----------------------------------------------------------

#: This server over loopback, as a kernel reaches it, e.g. ``http://127.0.0.1:8888/base/``.
SERVER_URL_ENV = "LOOKER_NB_AUTH_SERVER_URL"
#: A random secret for this server run, which kernels send in ``SECRET_HEADER``.
SECRET_ENV = "LOOKER_NB_AUTH_SECRET"
#: With TLS, the server's certificate file, which kernels pin.
CERT_ENV = "LOOKER_NB_AUTH_SERVER_CERT"
#: JSON of the server's ``c.LookerNbAuth`` settings, the kernels' defaults.
DEFAULTS_ENV = "LOOKER_NB_AUTH_DEFAULTS"
#: In that JSON: the settings the server derived rather than read from its config (comma-separated;
#: ``redirect_uri`` from the server's own URL when ``c.LookerNbAuth.redirect_uri`` is unset).
DERIVED_KEY = "_derived"
SECRET_HEADER = "X-Looker-Nb-Auth-Secret"

# -- pending logins -----------------------------------------------------------------------------

#: Default seconds a login may take from its start until its kernel picks up Looker's answer
#: (``c.LookerNbAuth.pending_ttl``; the server tells each kernel the value in force).
PENDING_TTL = 600.0
#: Default most logins pending at once on a Jupyter server (``c.LookerNbAuth.max_pending``): a
#: flood of registrations is refused beyond it. A kernel's session may keep fewer of its own.
MAX_PENDING = 256
#: Default most logins one kernel may have pending on a Jupyter server
#: (``c.LookerNbAuth.max_pending_per_kernel``): a kernel's flood is refused beyond it and leaves
#: the rest of ``MAX_PENDING`` to the other kernels. A session keeps fewer of its own.
MAX_PENDING_PER_KERNEL = 16
#: Seconds one pickup request parks on the server before it answers 204 and is sent again.
PICKUP_POLL = 25.0
#: The longest a pickup may park (``c.LookerNbAuth.pickup_wait_max``).
PICKUP_WAIT_MAX = 60.0
#: The ``error`` a pickup receives for a login cancelled or dropped before Looker answered.
CANCELLED_ERROR = "cancelled"
CANCELLED: Mapping[str, str] = MappingProxyType(
    {"error": CANCELLED_ERROR, "error_description": "The login was cancelled."}
)

# -- the widget ---------------------------------------------------------------------------------

#: The BroadcastChannel on which the callback page tells the widget that Looker answered.
CHANNEL = "looker-nb-auth"
#: The MIME type of a widget view in a cell's output (ipywidgets' renderer draws it).
WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"
#: The key in the output metadata of the login widget's display: the server extension saves
#: such an output without its widget view (``server/saving.py``), so a reopened notebook shows
#: the text fallback, not "Error displaying widget: model not found".
WIDGET_OUTPUT_KEY = "looker_nb_auth"


class Status(str, enum.Enum):
    """What the widget shows."""

    READY = "ready"
    WAITING = "waiting"
    LOGGED_IN = "logged_in"
    ERROR = "error"
    LOGGED_OUT = "logged_out"  # the button again, saying how the last login ended


class Event(str, enum.Enum):
    """What the widget's JS tells the kernel, under ``MessageKey.EVENT``."""

    OPENED = "opened"
    CANCEL = "cancel"
    RETRY = "retry"
    LOGOUT = "logout"


class MessageKey(str, enum.Enum):
    """The keys of a message the widget's JS sends the kernel."""

    EVENT = "event"  # an ``Event``
    STATE = "state"  # the login's OAuth state (OPENED, CANCEL): which login the event is about
    BLOCKED = "blocked"  # OPENED: true when the browser refused to open the popup


class ChannelKey(str, enum.Enum):
    """The keys of the message the callback page posts on ``CHANNEL`` for the widget."""

    TYPE = "type"  # always ``CHANNEL``: other pages' messages on the channel are not ours
    STATE = "state"  # the login Looker answered
    OK = "ok"  # true for a code, false for an error


def widget_protocol() -> dict[str, object]:
    """The names the JS needs, as the widget's ``protocol`` trait."""
    return {
        "channel": CHANNEL,
        "cancel_route": route(Route.CANCEL),
        "statuses": {status.name: status.value for status in Status},
        "events": {event.name: event.value for event in Event},
        "keys": {key.name: key.value for key in MessageKey},
        "channel_keys": {key.name: key.value for key in ChannelKey},
    }
