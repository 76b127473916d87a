"""``login()`` on a JupyterHub with the looker-nb-auth hub service: the same widget, whose button
opens the service's login page in the popup.

The user is logged in at once when the service holds their login (made in any kernel, server or
tab of theirs). Otherwise the widget's "Log in to Looker" opens the service's ``/login`` (its
``authorize_url`` is that page: the widget's JS is the same), the service takes Looker's answer
at its own callback, and this kernel learns of it by asking the service's ``api/token`` every
``POLL`` seconds while the widget waits (stopped by Cancel, a new ``login()``, the login, or the
wait's ``timeout``); a cell that uses the session meanwhile asks too. From then on every kernel
of the user is logged in.
"""

from __future__ import annotations

import contextlib
import threading
import time
from urllib.parse import urlsplit

from .._errors import LoginCancelled, LoginTimeout, LookerAuthError
from .._protocol import Event, MessageKey, Status
from ..client.hub_session import HubSession
from . import controller as _controller
from .controller import _CELL_SAYS, _STOPPED, NOT_YET
from .widget import TEXTS, LoginWidget

__all__ = ["POLL", "HubController"]

#: Seconds between the kernel's questions to the service while the widget waits for a login.
POLL = 2.0
_WAITING = (
    "Waiting for Looker: log in and allow access in the popup window; every notebook of yours "
    "on this hub is logged in then."
)


class HubController:
    """Keeps one widget and one ``HubSession`` in step; at most one wait for a login."""

    def __init__(self, session: HubSession, *, blocking: bool) -> None:
        self.session = session
        self.blocking = blocking
        #: Seconds between questions to the service while waiting (``POLL``).
        self.poll = POLL
        self.front_end = _controller._front_end()
        #: The cell run that shows the widget: one display per cell run (``login.py``).
        self.shown_in: str | None = None
        self.wait_failed = False
        self._lock = threading.RLock()
        self._stop: threading.Event | None = None
        # The likely causes the widget lists after a quiet wait are about a kernel's own OAuth
        # app: not this login's (quiet_after 0), and no origin to warn about.
        self.widget = LoginWidget(quiet_after=0.0)
        self.widget.on_msg(self._on_msg)
        session.on_login.append(self.logged_in)
        session.on_logout.append(self.logged_out)

    # -- states ------------------------------------------------------------------------------

    def _show(self, status: Status, message: str, url: str = "") -> None:
        with self.widget.hold_sync():
            self.widget.authorize_url = url
            self.widget.message = message
            self.widget.status = status.value
        if self.front_end and status is not Status.LOGGED_IN:
            self.session.not_logged_in = _CELL_SAYS.get(status, NOT_YET)

    def prepare(self, message: str = "", status: Status = Status.READY) -> None:
        """The button, opening the service's login page."""
        self.stop_waiting()
        self._show(status, message, self.session.login_url)

    def logged_in(self) -> None:
        self.stop_waiting()
        user = self.session.user
        host = urlsplit(self.session.looker_url).netloc
        message = f"Logged in as {user} on {host} (this hub's login)"
        if self.wait_failed:
            message += "; run the login cell again to get this session"
        self._show(Status.LOGGED_IN, message)

    def logged_out(self, reason: LookerAuthError | None) -> None:
        said = "Logged out of Looker on this hub." if reason is None else f"Logged out: {reason}"
        self.prepare(said, Status.LOGGED_OUT)

    # -- waiting -----------------------------------------------------------------------------

    def start_waiting(self, timeout: float) -> None:
        """Ask the service in the background until the login is there (or ``timeout``)."""
        with self._lock:
            self.stop_waiting()
            stop = self._stop = threading.Event()
        threading.Thread(
            target=self._poll_in_background,
            args=(stop, time.monotonic() + timeout),
            name="looker-nb-auth-hub-poll",
            daemon=True,
        ).start()

    def stop_waiting(self) -> None:
        with self._lock:
            stop, self._stop = self._stop, None
        if stop is not None:
            stop.set()

    def _ask(self) -> bool:
        """One question to the service; True once logged in (``on_login`` has shown it)."""
        return self.session.is_logged_in or self.session.check()

    def _poll_in_background(self, stop: threading.Event, until: float) -> None:
        while not stop.wait(min(self.poll, max(until - time.monotonic(), 0.0))):
            if self._ask():
                return
            if time.monotonic() >= until:
                if not stop.is_set():
                    self.prepare("No login on this hub yet; click Log in to Looker to try again.")
                return

    def wait(self, timeout: float) -> None:
        """Block the running cell until the service has the login (``login(wait=True)``):
        Ctrl-C raises ``LoginCancelled``, ``timeout`` ``LoginTimeout``."""
        until = time.monotonic() + timeout
        stop = threading.Event()
        try:
            while not self._ask():
                left = until - time.monotonic()
                if left <= 0:
                    self.prepare("No login on this hub yet; click Log in to Looker to try again.")
                    said = f"No login to Looker on this hub within {timeout:g} s"
                    if self.front_end:
                        raise LoginTimeout(_STOPPED.format(what=said))
                    raise LoginTimeout(
                        f"{said}; log in at {self.session.login_url}, then try again."
                    )
                stop.wait(min(self.poll, left))
        except KeyboardInterrupt:
            self.prepare("Login interrupted; click Log in to Looker to try again.")
            what = "The login was interrupted"
            if self.front_end:
                raise LoginCancelled(_STOPPED.format(what=what)) from None
            raise LoginCancelled(f"{what}; run login() again to log in.") from None
        except LookerAuthError:
            self.wait_failed = True
            raise
        finally:
            self.blocking = False

    # -- messages from the page --------------------------------------------------------------

    def _on_msg(self, widget: object, content: object, buffers: object) -> None:
        event = content.get(MessageKey.EVENT) if isinstance(content, dict) else None
        if event == Event.OPENED:
            if self.widget.status in (Status.READY.value, Status.LOGGED_OUT.value):
                blocked = isinstance(content, dict) and content.get(MessageKey.BLOCKED) is True
                self._show(Status.WAITING, TEXTS["blocked"] if blocked else _WAITING)
                self.start_waiting(self.wait_limit)
        elif event == Event.CANCEL:
            self.prepare("Login cancelled.")
        elif event == Event.RETRY:
            self.prepare()
        elif event == Event.LOGOUT:
            with contextlib.suppress(LookerAuthError):  # on_logout shows how it went
                self.session.logout()

    #: How long a click's wait asks the service (``login(timeout=)``).
    wait_limit = 300.0
