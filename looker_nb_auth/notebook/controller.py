"""The controller behind ``login()``: keeps one widget, one session and at most one pending
login in step.

It prepares each login before the click (state, verifier and URL in the kernel; the URL alone in
the widget), registers it with the receiver of Looker's answer (``client/pickup.py``: the server
extension; ``client/loopback.py``: the kernel's own listener; or none: the pasted address), waits
for the answer in a background thread or in the running cell (``wait=True``), and turns every
change of the session (logged in, refused, logged out) and every message from the widget's JS
into what the widget shows.
"""

from __future__ import annotations

import contextlib
import os
import threading
from typing import Any, Protocol
from urllib.parse import urlsplit

from .._errors import (
    AccessDenied,
    AuthorizationFailed,
    LoginCancelled,
    LoginRequired,
    LoginTimeout,
    LookerAuthError,
    ReceiverUnavailable,
)
from .._protocol import CANCELLED_ERROR, Event, MessageKey, Status
from ..client.loopback import LoopbackReceiver
from ..client.pickup import ExtensionClient
from ..client.session import LookerSession
from ..oauth.authorize import AuthorizationRequest
from ..oauth.callback import CallbackResult, parse_callback
from .widget import TEXTS, LoginWidget

__all__ = ["NOT_YET", "Controller", "Receiver", "in_voila"]

#: What a cell that uses the session says before the login is done, naming the control the
#: widget shows then (``session.not_logged_in``).
NOT_YET = 'Not logged in to Looker yet: click "Log in to Looker" above, then run this cell again.'
_CELL_SAYS = {
    Status.LOGGED_OUT: 'Logged out of Looker: click "Log in to Looker" above, then run this cell '
    "again.",
    Status.WAITING: "Not logged in to Looker yet: finish the login in Looker's popup window, then "
    "run this cell again.",
    Status.ERROR: 'Not logged in to Looker: the login above did not finish; click "Try again" '
    "there, then run this cell again.",
}
_CELL_DENIED = (
    'Not logged in to Looker: you did not allow access; click "Try again" above to log in, then '
    "run this cell again."
)
#: What the widget says when a login's answer failed; the Try again button follows it.
_DENIED = "You did not allow access to Looker."
_REFUSED = "Looker did not log you in: {said}"
#: A ``login(wait=True)`` that stopped, as its cell shows it under the widget: what happened to
#: the cell (true for good), while the widget above says what to do now.
_STOPPED = "{what}, so this cell stopped; the login widget above shows what to do next."

_NO_EXTENSION = (
    "No looker-nb-auth server extension is reachable from this kernel (it is not installed in "
    "this Jupyter server, or there is none), so log in with the button, then {then}."
)
_THEN_RUN = "run session.complete_login('<the address Looker sent you to>') in the next cell"
_THEN_PASTE = "paste the address Looker sent you to into the box below this cell"
#: Set by Voila in every kernel it starts, by the voila command and under jupyter server alike
#: (voila/handler.py, voila/voila_kernel_manager.py).
_VOILA_ENV = "VOILA_BASE_URL"
_VOILA_NO_RECEIVER = (
    "This Voila dashboard cannot take the login back: the voila command does not load the "
    "looker-nb-auth server extension (and the redirect URI is not a loopback address), so serve "
    "it with jupyter server and open /voila/render/<notebook>.ipynb; see the README."
)
#: The viewers' kernels share a loopback redirect URI's port (``client/loopback.py``): only a
#: port that another program holds leaves a viewer without a way back.
_VOILA_PORT_TAKEN = (
    "This Voila dashboard cannot take the login back: {address}, where the redirect URI points, "
    "is held by another program (not a looker-nb-auth login of this user), so stop that "
    "program, or serve the dashboard with jupyter server and open "
    "/voila/render/<notebook>.ipynb; see the README."
)


class Receiver(Protocol):
    """Where the kernel gets Looker's answer: the server extension, or its own loopback port."""

    server_url: str

    def register(self, state: str) -> float: ...
    def forget(self, state: str) -> None: ...
    def wait(
        self, state: str, *, timeout: float, stop: threading.Event | None = None
    ) -> CallbackResult | None: ...


class Controller:
    """Keeps one widget, one session and at most one pending login in step."""

    def __init__(
        self, session: LookerSession, extension: Receiver | None, *, blocking: bool
    ) -> None:
        self.session = session
        #: Where this login's answer comes from: ``receiver``, or None (paste) if it failed.
        self.extension = self.receiver = extension
        self.blocking = blocking
        self._lock = threading.RLock()
        self._request: AuthorizationRequest | None = None
        self._stop: threading.Event | None = None
        self._error: LookerAuthError | None = None  # why the current login could not start
        #: A ``login(wait=True)`` raised, so its cell has no session (login() again returns it).
        self.wait_failed = False
        #: Whether a notebook front end draws the widget (else: text on stdout, input()).
        self.front_end = _front_end()
        #: The cell run (its request's id) that shows the widget: one display per cell run.
        self.shown_in: str | None = None
        #: Seconds of waiting before the widget lists the likely causes (``login(quiet_after=)``).
        self.quiet_after = 20.0
        api_base = urlsplit(extension.server_url).path if extension else ""
        redirect_uri = session.settings.redirect_uri
        # Through the server extension, the popup must come back where this page is open
        # (the Jupyter login cookie is per origin); the loopback listener is elsewhere by design.
        parts = urlsplit(redirect_uri)
        origin = (
            f"{parts.scheme}://{parts.netloc}" if isinstance(extension, ExtensionClient) else ""
        )
        self.widget = LoginWidget(
            api_base=api_base,
            redirect_uri=redirect_uri,
            redirect_origin=origin,
            client_guid=session.settings.client_guid,
        )
        self.widget.on_msg(self._on_msg)

    # -- states ------------------------------------------------------------------------------

    def _show(self, status: Status, message: str, url: str = "", *, cell_says: str = "") -> None:
        with self.widget.hold_sync():
            self.widget.authorize_url = url
            self.widget.message = message
            self.widget.status = status.value
        if self.front_end and status is not Status.LOGGED_IN:
            # A cell that uses the session names the control the widget shows now.
            self.session.not_logged_in = cell_says or _CELL_SAYS.get(status, NOT_YET)

    def stop_waiting(self) -> None:
        """End the login in step: its receiver forgets it, which wakes the thread waiting for
        its answer (the kernel moves on)."""
        with self._lock:
            self._abandon()

    def _abandon(self) -> None:
        request, self._request = self._request, None
        if self._stop is not None:
            self._stop.set()
            self._stop = None
        if request is not None and self.extension is not None:
            self.extension.forget(request.state)

    def prepare(self, message: str = "", status: Status = Status.READY) -> None:
        """A fresh login (state, verifier, URL), ready for a click (``status``: READY, or
        LOGGED_OUT with the button to log in again)."""
        with self._lock:
            self._abandon()
            self.extension = self.receiver
            self._error = None
            ttl = 0.0
            try:
                if self.extension is None and in_voila():
                    raise ReceiverUnavailable(_VOILA_NO_RECEIVER)  # no cell can paste there
                request = self.session.start_login()
                try:
                    if self.extension is not None:
                        ttl = self.extension.register(request.state)
                except ReceiverUnavailable as exc:
                    if not isinstance(self.extension, LoopbackReceiver):
                        raise
                    if in_voila():
                        address = f"{self.extension.host}:{self.extension.port}"
                        raise ReceiverUnavailable(
                            _VOILA_PORT_TAKEN.format(address=address)
                        ) from exc
                    # Its port is taken: the next rung for this login, a pasted address.
                    self.extension = None
                    message = str(exc)
            except LookerAuthError as exc:
                self._error = exc
                self._show(Status.ERROR, str(exc), cell_says=str(exc))
                return
            self._request = request
            if not message and self.extension is None:  # the pasted rung: say where to paste
                then = _THEN_PASTE if self.blocking else _THEN_RUN
                message = _NO_EXTENSION.format(then=then)
            # Nothing comes back by itself on the pasted rung: no "no answer yet" causes there.
            self.widget.quiet_after = self.quiet_after if self.extension else 0.0
            self._show(status, message, request.url)
            if self.extension is not None and not self.blocking:
                self._stop = threading.Event()
                threading.Thread(
                    target=self._pickup_in_background,
                    args=(request, self._stop, ttl),
                    name="looker-nb-auth-pickup",
                    daemon=True,
                ).start()

    def logged_in(self) -> None:
        with self._lock:  # however it came (a pasted address too): stop waiting for an answer
            self._abandon()
        user = self.session.user
        host = urlsplit(self.session.looker_url).netloc
        message = f"Logged in as {user} on {host}"
        if self.wait_failed:  # the cell that waited raised before it returned the session
            message += "; run the login cell again to get this session"
        self._show(Status.LOGGED_IN, message)

    def logged_out(self, reason: LookerAuthError | None) -> None:
        """The session's login ended; say how, with the button to log in again."""
        if reason is None:
            message = "Logged out."
        elif isinstance(reason, LoginRequired):
            message = f"Logged out: {reason}"
        else:
            message = f"Logged out here; Looker could not revoke the token: {reason.description}."
        self.prepare(message, Status.LOGGED_OUT)

    def login_failed(self, exc: LookerAuthError) -> None:
        """A login's answer was used up and failed (a pasted Deny, a refused code)."""
        with self._lock:
            self._abandon()
        if isinstance(exc, AccessDenied):  # the user's own choice, not Looker's failure
            self._show(Status.ERROR, _DENIED, cell_says=_CELL_DENIED)
        elif isinstance(exc, AuthorizationFailed):
            said = (exc.description or exc.error or "no reason given").rstrip(".")
            self._show(Status.ERROR, _REFUSED.format(said=said) + ".")
        else:
            self._show(Status.ERROR, str(exc))

    def _finish(self, result: CallbackResult) -> None:
        """Redeem the callback's result (raises the typed error after showing it)."""
        with self._lock:
            if self._request is None or result.state != self._request.state:
                return  # a stale login's answer
            self._request = None
            self._stop = None
        if result.error == CANCELLED_ERROR:
            self.prepare("Login cancelled.")
            if self.front_end:
                raise LoginCancelled(_STOPPED.format(what="The login was cancelled"))
            raise LoginCancelled("The login was cancelled; run login() again to log in.")
        self.session.complete_login(result)  # on_login / on_login_failed update the widget

    # -- waiting -----------------------------------------------------------------------------

    def _pickup_in_background(
        self, request: AuthorizationRequest, stop: threading.Event, ttl: float
    ) -> None:
        assert self.extension is not None
        try:
            result = self.extension.wait(request.state, timeout=ttl, stop=stop)
            if result is None:
                with self._lock:
                    if not stop.is_set() and self._request is request:
                        self._abandon()
                        self._show(Status.ERROR, "The login link expired; click Try again.")
                return
            self._finish(result)
        except LookerAuthError as exc:
            if self._request is request:
                self._show(Status.ERROR, str(exc))
        except Exception as exc:  # a background thread must say what went wrong in the widget
            self._show(
                Status.ERROR, f"The login failed unexpectedly ({type(exc).__name__}); try again."
            )

    def wait(self, timeout: float) -> None:
        """Block the running cell until the login completes, fails or times out.

        Ctrl-C (Kernel > Interrupt) raises ``LoginCancelled``. When this raises, the widget
        stays usable (Try again) and says, once logged in, how to get the session."""
        try:
            self._wait(timeout)
        except LookerAuthError:
            self.wait_failed = True
            raise
        finally:
            self.blocking = False

    def _wait(self, timeout: float) -> None:
        request = self._request
        if request is None:
            assert self._error is not None  # prepare() shows why no login is pending
            raise self._error
        try:
            if self.extension is None:
                self._finish(parse_callback(_ask_for_redirect(request)))
                return
            result = self.extension.wait(request.state, timeout=timeout)
        except (KeyboardInterrupt, EOFError):
            self.prepare("Login interrupted; click Log in to Looker to try again.")
            if self.front_end:
                raise LoginCancelled(_STOPPED.format(what="The login was interrupted")) from None
            raise LoginCancelled(
                "The login was interrupted; run login() again to log in."
            ) from None
        if result is None:
            self._abandon()
            self._show(
                Status.ERROR, f"No answer from Looker within {timeout:g} s; click Try again."
            )
            said = f"No answer from Looker within {timeout:g} s"
            if self.front_end:
                raise LoginTimeout(_STOPPED.format(what=said))
            then = "run login(wait=True) again and finish the login in the browser"
            raise LoginTimeout(f"{said}; {then}.")
        self._finish(result)

    # -- messages from the page --------------------------------------------------------------

    def _on_msg(self, widget: Any, content: Any, buffers: Any) -> None:
        event = content.get(MessageKey.EVENT) if isinstance(content, dict) else None
        request = self._request
        # Messages are queued while a cell runs login(wait=True): one about an older login
        # (already finished or cancelled) must not touch the current one.
        current = request is not None and content.get(MessageKey.STATE) == request.state
        if event == Event.OPENED:
            if current and self.widget.status in (Status.READY, Status.LOGGED_OUT):
                blocked = content.get(MessageKey.BLOCKED) is True
                text = TEXTS["blocked" if blocked else "waiting" if self.extension else "paste"]
                self._show(Status.WAITING, text)
        elif event == Event.CANCEL:
            if not current:
                return
            if request is not None and self.extension is not None:
                self.extension.forget(request.state)  # the pickup returns "cancelled"
            else:
                self.prepare("Login cancelled.")
        elif event == Event.RETRY:
            self.prepare()
        elif event == Event.LOGOUT:
            with contextlib.suppress(LookerAuthError):  # on_logout shows how it went
                self.session.logout()


def _front_end() -> bool:
    """Whether this runs in a Jupyter kernel, whose front end draws widgets (plain Python, an
    IPython terminal or a script do not)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def in_voila() -> bool:
    """Whether Voila started this kernel: it runs every cell before its page shows a widget."""
    return _VOILA_ENV in os.environ


def _ask_for_redirect(request: AuthorizationRequest) -> str:
    print(f"Open this URL, log in to Looker and allow access:\n{request.url}")
    return input("Then paste the address of the page Looker sent you to: ")
