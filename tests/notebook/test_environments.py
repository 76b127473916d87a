"""Which way a login's answer comes back, per notebook environment, in a real kernel.

Each test starts an ipykernel the way that environment does: with ``jupyter_client`` and no
Jupyter server (VS Code's Jupyter extension runs ``python -m ipykernel_launcher -f …`` itself),
so the kernel has no ``LOOKER_NB_AUTH_SERVER_URL`` and no server extension to pick a login up
from. The test is the front end: it runs cells on the shell channel, reads the widget's state
from the ``comm_open`` / ``comm_msg`` updates on iopub (as a widget-rendering front end does),
sends the widget's own messages back over the comm, and answers ``input()`` on the stdin
channel. The Looker stand-in runs in this process; ``authorize_in_browser`` plays the browser.

The JupyterLab, Notebook 7 and JupyterHub rows (popup + server extension) are proved in a real
browser by ``tests/e2e`` (see README's environment table).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import kernels
import pytest
import support
from jupyter_client.manager import KernelManager
from support import free_port, port_is_free

from looker_nb_auth.fake_looker import FakeLooker, authorize_in_browser
from looker_nb_auth.notebook.widget import TEXTS

USER = "Ada Lovelace (ada@example.com)"
PROMPT = "Then paste the address of the page Looker sent you to: "


def follow(redirected: str) -> httpx.Response:
    """What the browser does with Looker's redirect: load the redirect URI."""
    with httpx.Client(trust_env=False, timeout=10.0) as browser:
        return browser.get(redirected)


def state_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["state"][0]


class FrontEnd(kernels.FrontEnd):
    """A front end that renders widgets: it keeps each widget model's state as the kernel
    opens and updates it, and can send the widget's own messages back."""

    def __init__(self, manager: KernelManager) -> None:
        #: The widget models the kernel opened, by comm id: their state as a front end holds it.
        self.widgets: dict[str, dict[str, Any]] = {}
        super().__init__(manager)

    def take(self, msg: dict[str, Any]) -> None:
        kind, content = msg["msg_type"], msg["content"]
        if kind == "comm_open" and content.get("target_name") == "jupyter.widget":
            self.widgets[content["comm_id"]] = dict(content["data"]["state"])
        elif kind == "comm_msg" and content["comm_id"] in self.widgets:
            data = content["data"]
            if data.get("method") == "update":
                self.widgets[content["comm_id"]].update(data["state"])
        super().take(msg)

    # -- the widget -----------------------------------------------------------------------------

    def login_widget(self) -> tuple[str, dict[str, Any]]:
        """The one "Log in to Looker" widget the kernel opened: its comm id and state."""
        logins = {i: s for i, s in self.widgets.items() if "authorize_url" in s}
        assert len(logins) == 1, logins
        ((comm_id, state),) = logins.items()
        return comm_id, state

    def widget_says(self, status: str) -> dict[str, Any]:
        """Wait until the login widget shows ``status``; its state then."""

        def shows() -> bool:
            logins = [s for s in self.widgets.values() if "authorize_url" in s]
            return bool(logins) and logins[0].get("status") == status

        self.until(f"widget status {status!r}", shows)
        return self.login_widget()[1]

    def click_from_widget(self, comm_id: str, content: dict[str, Any]) -> None:
        """What the widget's JS ``model.send(content)`` puts on the shell channel."""
        message = self.client.session.msg(
            "comm_msg", {"comm_id": comm_id, "data": {"method": "custom", "content": content}}
        )
        self.client.shell_channel.send(message)


@pytest.fixture
def stand_in() -> Iterator[FakeLooker]:
    """Looker, on real time (the kernel's token clock is real time too)."""
    with FakeLooker() as looker:
        yield looker


@pytest.fixture
def start_kernel(tmp_path: Path) -> Iterator[Callable[[dict[str, str]], FrontEnd]]:
    """Start a kernel with ``jupyter_client`` alone, no Jupyter server: VS Code's way for local
    kernels (and, for the kernel, the same as Colab's or a remote one without the extension)."""
    started: list[FrontEnd] = []

    def start(settings: dict[str, str]) -> FrontEnd:
        front_end = kernels.start_front_end(
            tmp_path, {**support.clean_environment(), **settings}, FrontEnd
        )
        started.append(front_end)
        return front_end

    yield start
    for front_end in started:
        front_end.close()


def _settings(looker: FakeLooker, guid: str, redirect_uri: str) -> dict[str, str]:
    """The LOOKERSDK_* variables of a user who configured the package in their environment."""
    return {
        "LOOKERSDK_BASE_URL": looker.api_url,
        "LOOKERSDK_CLIENT_GUID": guid,
        "LOOKERSDK_REDIRECT_URI": redirect_uri,
    }


WHO = (
    "import os\n"
    "assert session.is_logged_in\n"
    "print('user:', session.user)\n"
    "from looker_nb_auth.notebook.login import receiver_of\n"
    "print('receiver:', type(receiver_of(session)).__name__)\n"
    "print('server url exported:', 'LOOKER_NB_AUTH_SERVER_URL' in os.environ)\n"
)


def test_vscode_local_kernel_logs_in_through_its_loopback_listener(
    stand_in: FakeLooker, start_kernel: Callable[[dict[str, str]], FrontEnd]
) -> None:
    """VS Code, local kernel, loopback redirect URI registered: the widget, a blocked popup (VS
    Code's output webviews have no ``allow-popups``), the link to Looker in the system browser,
    the redirect to 127.0.0.1 taken by the kernel's own listener; later cells are logged in."""
    port = free_port()
    redirect_uri = f"http://127.0.0.1:{port}/callback"
    stand_in.register_app("vscode-local", redirect_uri, description="VS Code local kernel.")
    kernel = start_kernel(_settings(stand_in, "vscode-local", redirect_uri))

    cell = kernel.run("import looker_nb_auth\nsession = looker_nb_auth.login()")
    assert cell.stdout == ""  # a front end draws the widget: no text path
    (shown,) = cell.shown
    assert "application/vnd.jupyter.widget-view+json" in shown
    comm_id, widget = kernel.login_widget()
    assert shown["application/vnd.jupyter.widget-view+json"]["model_id"] == comm_id
    url = widget["authorize_url"]
    assert url.startswith(f"{stand_in.web_url}/auth?")
    # Nothing to paste: the kernel listens on the redirect URI, and no Jupyter server is involved.
    assert (widget["status"], widget["message"], widget["api_base"]) == ("ready", "", "")
    assert widget["redirect_uri"] == redirect_uri
    assert not port_is_free(port)

    # The click: VS Code's webview refuses window.open, the JS says so to the kernel.
    kernel.click_from_widget(comm_id, {"event": "opened", "state": state_of(url), "blocked": True})
    assert kernel.widget_says("waiting")["message"] == TEXTS["blocked"]

    # The link, in the system browser: log in, Allow, and Looker redirects to 127.0.0.1.
    redirected = authorize_in_browser(url)
    assert redirected.startswith(redirect_uri + "?")
    page = follow(redirected)
    assert page.status_code == 200
    assert "You are logged in to Looker" in page.text

    widget = kernel.widget_says("logged_in")
    assert widget["message"] == f"Logged in as {USER} on {urlsplit(stand_in.web_url).netloc}"
    assert port_is_free(port)  # the listener let go of the port with the answer
    assert kernel.run(WHO).stdout.splitlines() == [
        f"user: {USER}",
        "receiver: LoopbackReceiver",
        "server url exported: False",
    ]


REMOTE_REDIRECTS = [
    pytest.param("https://colab.example/callback", id="colab"),
    pytest.param("http://build-box.internal:8765/looker-nb-auth/callback", id="remote-ssh"),
]


@pytest.mark.parametrize("redirect_uri", REMOTE_REDIRECTS)
def test_colab_like_kernel_waits_for_the_pasted_address(
    stand_in: FakeLooker, start_kernel: Callable[[dict[str, str]], FrontEnd], redirect_uri: str
) -> None:
    """No extension and a redirect URI that is not on loopback (Colab, a remote or SSH
    kernel): ``login(wait=True)`` shows the widget, prints the URL and asks for the address
    Looker redirected to with ``input()``, which the front end answers on stdin."""
    stand_in.register_app("remote", redirect_uri, description="A kernel far from the browser.")
    kernel = start_kernel(_settings(stand_in, "remote", redirect_uri))

    cell = kernel.execute(
        "import looker_nb_auth\n"
        "session = looker_nb_auth.login(wait=True, timeout=120)\n"
        "print('after:', session.user)",
        allow_stdin=True,
    )
    asked = kernel.input_request()
    assert (asked["prompt"], asked["password"]) == (PROMPT, False)
    # ipykernel flushes stdout before it asks: the URL is on iopub already.
    kernel.until("the printed URL", lambda: "/auth?" in cell.stdout)
    intro, url = cell.stdout.splitlines()
    assert intro == "Open this URL, log in to Looker and allow access:"
    assert url.startswith(f"{stand_in.web_url}/auth?")
    (shown,) = cell.shown  # the widget too, with the same URL behind its button
    assert "application/vnd.jupyter.widget-view+json" in shown
    assert kernel.login_widget()[1]["authorize_url"] == url

    redirected = authorize_in_browser(url)  # the browser ends on the redirect URI's page
    assert redirected.startswith(redirect_uri + "?")
    kernel.client.input(redirected)  # ...whose address the user pastes into the input box

    kernel.finish(cell)
    assert cell.stdout.splitlines()[-1] == f"after: {USER}"
    assert kernel.widget_says("logged_in")["message"].startswith(f"Logged in as {USER} on ")
    assert kernel.run(WHO).stdout.splitlines() == [
        f"user: {USER}",
        "receiver: NoneType",
        "server url exported: False",
    ]


def test_colab_like_kernel_without_wait_finishes_with_complete_login(
    stand_in: FakeLooker, start_kernel: Callable[[dict[str, str]], FrontEnd]
) -> None:
    """The same environment with the default ``login()``: the widget says to paste the popup's
    address into ``session.complete_login(...)``; the next cell does, and is logged in."""
    redirect_uri = "https://colab.example/callback"
    stand_in.register_app("colab", redirect_uri, description="Colab.")
    kernel = start_kernel(_settings(stand_in, "colab", redirect_uri))

    cell = kernel.run("import looker_nb_auth\nsession = looker_nb_auth.login()")
    assert cell.stdout == ""
    comm_id, widget = kernel.login_widget()
    assert widget["status"] == "ready"
    assert "session.complete_login('<the address Looker sent you to>')" in widget["message"]
    url = widget["authorize_url"]

    # The click: Colab's output frame may open the popup; the kernel then says what to paste.
    kernel.click_from_widget(comm_id, {"event": "opened", "state": state_of(url), "blocked": False})
    assert kernel.widget_says("waiting")["message"] == TEXTS["paste"]

    redirected = authorize_in_browser(url)
    done = kernel.run(f"session.complete_login({redirected!r})\nprint('user:', session.user)")
    assert done.stdout == f"user: {USER}\n"
    assert kernel.widget_says("logged_in")["message"].startswith(f"Logged in as {USER} on ")


def test_remote_kernel_with_a_loopback_redirect_uri_still_takes_the_pasted_address(
    stand_in: FakeLooker, start_kernel: Callable[[dict[str, str]], FrontEnd]
) -> None:
    """A remote or SSH kernel whose registered redirect URI is on loopback (registered for local
    use): the kernel cannot know the browser is elsewhere, so it listens on its own 127.0.0.1,
    which the browser's redirect never reaches (no port forwarding). The address the browser
    was sent to, pasted into ``session.complete_login``, still logs in."""
    redirect_uri = f"http://127.0.0.1:{free_port()}/callback"
    stand_in.register_app("remote-loopback", redirect_uri, description="Remote, loopback URI.")
    kernel = start_kernel(_settings(stand_in, "remote-loopback", redirect_uri))

    kernel.run("import looker_nb_auth\nsession = looker_nb_auth.login()")
    _, widget = kernel.login_widget()
    assert (widget["status"], widget["message"]) == ("ready", "")  # it expects the listener
    redirected = authorize_in_browser(widget["authorize_url"])  # ...and is never followed here

    done = kernel.run(f"session.complete_login({redirected!r})\nprint('user:', session.user)")
    assert done.stdout == f"user: {USER}\n"
    assert kernel.widget_says("logged_in")["message"].startswith(f"Logged in as {USER} on ")
