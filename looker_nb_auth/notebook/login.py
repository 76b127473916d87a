"""``login()``: the widget in a cell, wired to a ``LookerSession`` and a receiver of the redirect.

The receiver is the server extension (``client/pickup.py``), else the kernel's own loopback
listener (``client/loopback.py``), else none: the user pastes the address Looker redirected to.
``controller.py`` keeps the widget and the login in step; outside a front end, the widget's job
is printed as text.

Non-blocking (default): a background thread parks on the extension's pickup and completes the
login when the callback arrives; later cells use the session. Blocking (``wait=True``): the cell
itself parks there, so code after ``login()`` in the same cell runs logged in.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .._errors import ConfigurationError
from .._keywords import spelled_out
from .._protocol import DEFAULTS_ENV, SERVER_URL_ENV
from .._settings import LoginOptions, Settings, resolve_settings
from ..client.cache import TokenCache
from ..client.hub_session import hub_tokens_from_environment, open_hub_session
from ..client.hub_tokens import HubTokens
from ..client.loopback import LoopbackReceiver
from ..client.pickup import ExtensionClient
from ..client.session import LookerSession
from .controller import NOT_YET, Controller, Receiver, in_voila
from .hub_login import HubController

if TYPE_CHECKING:
    from typing_extensions import Unpack  # typing.Unpack from Python 3.11

__all__ = ["login"]

#: Set by jupyter_server in every kernel it starts for a notebook
#: (``SessionManager.get_kernel_env``); a kernel without the extension's variables then runs
#: under a Jupyter server that did not load the extension.
_JUPYTER_SESSION_ENV = "JPY_SESSION_NAME"
_NOT_LOADED = (
    "This Jupyter server has not loaded the looker-nb-auth server extension, so its "
    "c.LookerNbAuth settings do not reach this kernel: run jupyter server extension enable "
    "looker_nb_auth in a terminal and restart Jupyter (or pass the settings to login())."
)
#: Settings the server extension would hand a kernel, to ask whether they were all it lacked.
_PROBE = {
    "base_url": "https://looker.invalid",
    "client_guid": "probe",
    "redirect_uri": "https://jupyter.invalid/looker-nb-auth/callback",
}
_VOILA_NO_WAIT = (
    "Voila runs every cell before it shows this page, so login(wait=True) does not wait here: "
    "log in with the button, and run the cells that need Looker from session.on_login."
)


#: The logins ``login()`` showed in this kernel, by their settings (and cache): running it again
#: with the same ones shows the same widget and returns the same session.
_CONTROLLERS: dict[tuple[Settings | str, object], Controller | HubController] = {}


def receiver_of(session: LookerSession) -> Receiver | None:
    """Where Looker's answer reaches a login that ``login()`` showed for ``session``: the server
    extension (`ExtensionClient`), the kernel's own listener (`LoopbackReceiver`), or ``None``
    (the pasted address), as the current login's rung of the ladder says."""
    for controller in _CONTROLLERS.values():
        if controller.session is session and isinstance(controller, Controller):
            return controller.extension
    return None


def _again(
    controller: Controller | HubController,
    show: Callable[..., None],
    *,
    wait: bool,
    timeout: float,
    message: str = "",
) -> LookerSession:
    """``login()`` run again: the same session and widget; a pending login is replaced."""
    session = controller.session
    if not session.is_logged_in:
        controller.blocking = wait
        controller.prepare(message)
    show(controller, wait=wait)
    if wait and not session.is_logged_in:
        controller.wait(timeout)
    return session


def _say_what_to_do(controller: Controller | HubController, *, wait: bool) -> None:
    """Outside a front end, the widget's job in text: the URL and the one thing to do next."""
    if isinstance(controller, HubController):
        print(f"Log in to Looker on this hub: {controller.session.login_url}")
        print(
            "Waiting for it (Ctrl-C stops)."
            if wait
            else "Every notebook and script of yours on this hub is logged in then."
        )
        return
    request, receiver = controller._request, controller.extension
    if request is None:
        print(controller.widget.message)  # why the login could not start
        return
    if receiver is None:
        if not wait:  # with wait=True, _ask_for_redirect prints the URL and asks
            print(f"Open this URL, log in to Looker and allow access:\n{request.url}")
            print("Then run session.complete_login('<the address Looker sent you to>').")
        return
    print(f"Open this URL, log in to Looker and allow access:\n{request.url}")
    if isinstance(receiver, LoopbackReceiver):
        how = (
            f"This process takes Looker's answer at {receiver.redirect_uri}, so use a browser on "
            "this machine."
        )
    else:
        how = (
            "This process picks Looker's answer up from the Jupyter server at "
            f"{receiver.server_url}; use the browser you use Jupyter in."
        )
    print(how + (" Waiting for it (Ctrl-C stops)." if wait else " Then use the session."))


def _running_cell() -> str | None:
    """The id of the request the kernel runs now (one cell run), or None outside a kernel."""
    from IPython import get_ipython

    header = getattr(get_ipython(), "parent_header", None)
    if not isinstance(header, dict):
        return None
    msg_id = header.get("msg_id") or (header.get("header") or {}).get("msg_id")
    return msg_id if isinstance(msg_id, str) and msg_id else None


def _resolve(base_url: str | None, options: Mapping[str, Any]) -> Settings:
    """The settings; when the only thing missing is what a server extension would have given,
    under a Jupyter server that did not load it, say that."""
    try:
        return resolve_settings(base_url=base_url, **options)
    except ConfigurationError as exc:
        environ = os.environ
        if _JUPYTER_SESSION_ENV not in environ or SERVER_URL_ENV in environ:
            raise
        if DEFAULTS_ENV in environ:
            raise
        probing = {**environ, DEFAULTS_ENV: json.dumps(_PROBE)}
        try:
            resolve_settings(base_url=base_url, environ=probing, **options)
        except ConfigurationError:
            raise exc from None  # something else is wrong too: that sentence first
        raise ConfigurationError(_NOT_LOADED) from None


@spelled_out(LoginOptions)
def login(
    base_url: str | None = None,
    *,
    cache: TokenCache | bool | None = None,
    wait: bool = False,
    timeout: float = 300.0,
    quiet_after: float = 20.0,
    **options: Unpack[LoginOptions],
) -> LookerSession:
    """Show a "Log in to Looker" button and return the ``LookerSession`` it logs in.

    The settings (as for ``LookerSession``) default to the Jupyter server's ``c.LookerNbAuth``
    config, ``LOOKERSDK_*`` variables and looker.ini. On a JupyterHub with the looker-nb-auth
    service (``LOOKER_NB_AUTH_HUB_SERVICE_URL`` set), a call that names no ``base_url``,
    ``client_guid`` or ``redirect_uri`` logs in through the service instead.
    With ``wait=True`` the cell blocks until the login completes, fails or times out
    (``timeout`` seconds; Ctrl-C or Cancel stop it); otherwise it returns at once and later cells
    use the session (they raise ``LoginRequired`` until the login completes). In Voila, which
    runs every cell before its page shows the button, ``wait=True`` does not wait (the widget says
    so): run what needs Looker from ``session.on_login`` there. After
    ``quiet_after`` seconds of waiting with no answer, the widget lists the likely causes.

    Running it again with the same settings in the same kernel returns the same session and
    shows the same widget: a login stays logged in, and a pending one is replaced (the server
    forgets the old one).
    """

    def show(controller: Controller | HubController, *, wait: bool) -> None:
        """The widget where a front end draws it; else the same in text."""
        if controller.front_end:
            from IPython.display import display

            cell = _running_cell()
            if cell is not None and cell == controller.shown_in:
                return  # this cell shows it already: a loop or a helper calls login() again
            controller.shown_in = cell
            display(controller.widget)  # type: ignore[no-untyped-call]  # IPython's is untyped
        elif controller.session.is_logged_in:
            print(controller.widget.message)
        else:
            _say_what_to_do(controller, wait=wait)

    # In Voila a waiting cell holds back the whole page, the button too, until it times out.
    message = ""
    if wait and in_voila():
        wait, message = False, _VOILA_NO_WAIT
    # The hub's service logs in (no settings, no receiver here) unless this call names a Looker
    # app of its own: explicit settings win over the environment, as everywhere else.
    own = base_url is not None or any(options.get(k) for k in ("client_guid", "redirect_uri"))
    hub = None if own else hub_tokens_from_environment()
    if hub is not None:
        return _hub_login(hub, show, wait=wait, timeout=timeout, message=message)
    # ``timeout`` here is the wait's; the HTTP timeout comes from the other sources.
    settings = _resolve(base_url, options)
    key = (settings, cache if cache is None or isinstance(cache, bool) else id(cache))
    if (existing := _CONTROLLERS.get(key)) is not None:
        return _again(existing, show, wait=wait, timeout=timeout, message=message)
    session = LookerSession(settings=settings, cache=cache)
    session.not_logged_in = NOT_YET
    # The ladder: the server extension; else a loopback redirect URI this kernel can listen on;
    # else the pasted address.
    extension: Receiver | None = ExtensionClient.from_environment(os.environ)
    if extension is None:
        extension = LoopbackReceiver.for_redirect_uri(session.settings.redirect_uri)
    controller = Controller(session, extension, blocking=wait)
    controller.quiet_after = quiet_after
    _CONTROLLERS[key] = controller
    session.on_login.append(controller.logged_in)
    session.on_login_failed.append(controller.login_failed)
    session.on_logout.append(controller.logged_out)
    if cache and session.resume():
        controller.blocking = False
        controller.logged_in()
        show(controller, wait=False)
        return session
    controller.prepare(message)
    show(controller, wait=wait)
    if wait:
        controller.wait(timeout)
    return session


def _hub_login(
    hub: HubTokens,
    show: Callable[..., None],
    *,
    wait: bool,
    timeout: float,
    message: str,
) -> LookerSession:
    """``login()`` on a hub with the looker-nb-auth service (``hub_login.py``): logged in at
    once when the service holds the user's login; else the button to its login page."""
    key = ("hub", hub.service_url)
    controller = _CONTROLLERS.get(key)
    if controller is None:
        session = open_hub_session(require_login=False, hub=hub)
        controller = HubController(session, blocking=wait)
        _CONTROLLERS[key] = controller
        if session.is_logged_in:
            controller.logged_in()
    else:
        hub.close()
        assert isinstance(controller, HubController)
        controller.session.check()  # logged in elsewhere meanwhile: on_login shows it
    controller.wait_limit = timeout
    session = controller.session
    if session.is_logged_in:
        show(controller, wait=False)
        return session
    if controller.front_end:  # else the service's sentence, with its login page
        session.not_logged_in = NOT_YET
    controller.blocking = wait
    controller.prepare(message)
    show(controller, wait=wait)
    if wait:
        controller.wait(timeout)
    return session
