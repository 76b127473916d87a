"""Drive real Jupyter servers, JupyterLab 4 / Notebook 7 pages and Looker's login popup.

Everything waits on a condition: Playwright's auto-waiting ``expect`` for the page, an HTTP
answer (or the process ending) for the server. Nothing sleeps for a fixed time.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, ClassVar, Literal
from urllib.parse import parse_qs, urlsplit

import httpx
import nbformat
from playwright.sync_api import BrowserContext, Locator, Page, Request, Response, expect
from playwright.sync_api import Error as PlaywrightError

from looker_nb_auth.fake_looker import FakeLooker

__all__ = [
    "CLIENT_GUID",
    "UI",
    "UIS",
    "JupyterServer",
    "LoginWidget",
    "Notebook",
    "ServerProcess",
    "Traffic",
    "complete_looker_login",
    "expect_callback_page",
    "free_port",
    "open_login_popup",
    "reset_consent",
    "write_notebook",
]

UI = Literal["lab", "notebook"]
UIS: tuple[UI, ...] = ("lab", "notebook")
CLIENT_GUID = "looker-nb-auth-e2e"
CHROMIUM = os.environ.get("LOOKER_NB_AUTH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

#: How long a page may take to show something (JupyterLab's first load is the slowest part).
UI_TIMEOUT = 45_000
#: What the server extension's callback page says after Allow / after Deny.
LOGGED_IN_PAGE = "You are logged in to Looker"
DENIED_PAGE = "You did not allow access in Looker"
#: Default for ``expect`` (Playwright's own 5 s is short on a busy 2-core runner).
EXPECT_TIMEOUT = 15_000
#: How long a login may take from the click on Allow to "Logged in as" (redeem + /user).
LOGIN_TIMEOUT = 60_000
#: How long a cell may run (the tutorial imports pandas and matplotlib).
CELL_TIMEOUT = 120_000

#: The cell that shows the login widget.
LOGIN = "from looker_nb_auth import login\nsession = login()"
#: A cell's prompt once it has run.
EXECUTED = re.compile(r"^\s*\[\d+\]:\s*$")

_RUNNING = re.compile(r"^\s*\[\*\]:\s*$")
_NOT_RUN = re.compile(r"^\s*\[ \]:\s*$")


def free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _user_settings() -> dict[str, dict[str, Any]]:
    """JupyterLab/Notebook 7 user settings (both read ``{config}/lab/user-settings``)."""
    return {
        # Widget state goes into the saved .ipynb, so the secrets test can inspect it.
        "@jupyter-widgets/jupyterlab-manager/plugin": {"saveState": True},
        # Every cell in the DOM, so locators never meet a virtualised (detached) cell.
        "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
        # No "Would you like to get notified about news?" toast over the cells.
        "@jupyterlab/apputils-extension/notification": {
            "fetchNews": "false",
            "checkForUpdates": False,
        },
        "@jupyterlab/apputils-extension/themes": {"theme": "JupyterLab Light"},
    }


def _clean_environment(dirs: Mapping[str, Path]) -> dict[str, str]:
    """The test process's environment minus anything that would pick up the user's setup."""
    dropped = ("JUPYTER", "JPY_", "IPYTHON", "LOOKERSDK_", "LOOKER_NB_AUTH_", "PYTHONSTARTUP")
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(dropped)}
    env.update({name: str(path) for name, path in dirs.items()})
    env["PYTHONUNBUFFERED"] = "1"
    return env


class ServerProcess:
    """A server started in its own session, its output in ``log_path``, ready once ``api()``
    answers ``ready_path`` with 200. Subclasses (dataclasses) hold ``process`` and ``_log``."""

    name: ClassVar[str]
    #: How long a SIGTERM may take before SIGKILL (to the whole process group).
    stop_timeout: ClassVar[float] = 30.0
    process: subprocess.Popen[bytes] | None
    _log: IO[bytes] | None
    log_path: Path

    def api(self, *, timeout: float = 30.0) -> httpx.Client:
        raise NotImplementedError

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def _launch(
        self,
        command: list[str],
        *,
        env: Mapping[str, str],
        cwd: Path,
        ready_path: str,
        timeout: float,
    ) -> None:
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,  # the terminal's Ctrl-C goes to pytest, which stops us
        )
        try:
            self._wait_ready(ready_path, timeout)
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self, ready_path: str, timeout: float) -> None:
        """Until ``GET ready_path`` answers 200 (or the process dies)."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        with self.api(timeout=2.0) as api:
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(
                        f"{self.name} exited with {self.process.returncode}:\n"
                        + self.log_text()[-4000:]
                    )
                with contextlib.suppress(httpx.TransportError):
                    if api.get(ready_path).status_code == 200:
                        return
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"{self.name} did not answer {ready_path} within {timeout:g} s:\n"
                        + self.log_text()[-4000:]
                    )
                with contextlib.suppress(subprocess.TimeoutExpired):  # cut short on exit
                    self.process.wait(timeout=0.25)  # the poll interval

    def stop(self) -> None:
        """SIGTERM (Jupyter and JupyterHub stop what they started), then wait; SIGKILL to the
        whole process group only if it hangs."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None


@dataclass
class JupyterServer(ServerProcess):
    """A ``jupyter lab`` / ``jupyter notebook`` process on loopback with token auth."""

    ui: UI
    port: int
    token: str
    home: Path
    process: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def root_dir(self) -> Path:
        return self.home / "root"

    @property
    def name(self) -> str:  # type: ignore[override]
        return f"jupyter {self.ui}"

    @property
    def log_path(self) -> Path:
        return self.home / "server.log"

    @property
    def redirect_uri(self) -> str:
        return f"{self.url}looker-nb-auth/callback"

    def page_url(self, notebook: str, *, workspace: str) -> str:
        """The notebook's page; Lab gets a fresh workspace so no earlier tab is restored."""
        if self.ui == "lab":
            return f"{self.url}lab/workspaces/{workspace}/tree/{notebook}?token={self.token}"
        return f"{self.url}notebooks/{notebook}?token={self.token}"

    def start(self, settings: Mapping[str, str], *, timeout: float = 90.0) -> None:
        dirs = {
            "JUPYTER_CONFIG_DIR": self.home / "config",
            "JUPYTER_DATA_DIR": self.home / "data",
            "JUPYTER_RUNTIME_DIR": self.home / "runtime",
            "IPYTHONDIR": self.home / "ipython",
        }
        for path in [*dirs.values(), self.root_dir]:
            path.mkdir(parents=True, exist_ok=True)
        for plugin, values in _user_settings().items():
            target = dirs["JUPYTER_CONFIG_DIR"] / "lab" / "user-settings" / plugin
            target = target.with_name(target.name + ".jupyterlab-settings")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(values, indent=2), encoding="utf-8")
        command = [
            sys.executable,
            "-m",
            "jupyter",
            self.ui,
            "--no-browser",
            f"--port={self.port}",
            "--ip=127.0.0.1",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            "--ServerApp.allow_unauthenticated_access=False",
            f"--ServerApp.root_dir={self.root_dir}",
            *(f"--LookerNbAuth.{name}={value}" for name, value in settings.items()),
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")  # containers and CI often run as root
        self._launch(
            command,
            env=_clean_environment(dirs),
            cwd=self.home,
            ready_path="api/status",
            timeout=timeout,
        )

    def api(self, *, timeout: float = 30.0) -> httpx.Client:
        return httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"token {self.token}"},
            timeout=timeout,
            trust_env=False,
        )

    def wait_for_kernel(self, path: str, *, timeout: float = 60.0) -> None:
        """Until the notebook's session has a kernel with a browser connected to it.

        (The page's kernel indicator reads "idle" by default before any kernel exists, so it
        cannot tell on its own; a cell run before the session has its kernel is dropped.)
        """
        assert self.process is not None
        deadline = time.monotonic() + timeout
        with self.api() as api:
            while True:
                sessions = api.get("api/sessions").raise_for_status().json()
                kernels = [s["kernel"] for s in sessions if s.get("path") == path and s["kernel"]]
                if any(k.get("connections", 0) > 0 for k in kernels):
                    return
                if time.monotonic() > deadline:
                    raise TimeoutError(f"no kernel connected for {path} within {timeout:g} s")
                try:  # the poll interval, cut short if the server exits
                    self.process.wait(timeout=0.1)
                except subprocess.TimeoutExpired:
                    continue
                raise RuntimeError(f"jupyter {self.ui} exited:\n" + self.log_text()[-4000:])

    def shutdown_kernels(self) -> None:
        """Shut every session and kernel down (each test starts from a fresh kernel)."""
        if self.process is None or self.process.poll() is not None:
            return
        with self.api() as api:
            for session in api.get("api/sessions").json():
                api.delete(f"api/sessions/{session['id']}")
            for kernel in api.get("api/kernels").json():
                api.delete(f"api/kernels/{kernel['id']}")


def write_notebook(path: Path, cells: Iterable[str]) -> str:
    """A Python 3 notebook with one code cell per source; returns its file name."""
    notebook = nbformat.v4.new_notebook()  # type: ignore[no-untyped-call]
    notebook.cells = [nbformat.v4.new_code_cell(src) for src in cells]  # type: ignore[no-untyped-call]
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    notebook.metadata["language_info"] = {"name": "python"}
    nbformat.write(notebook, path)  # type: ignore[no-untyped-call]
    return path.name


class Traffic:
    """Every request and response of a browser context (popups included)."""

    def __init__(self, context: BrowserContext) -> None:
        self.requests: list[Request] = []
        self.responses: list[Response] = []
        context.on("request", self._on_request)
        context.on("response", self._on_response)

    def _on_request(self, request: Request) -> None:
        self.requests.append(request)

    def _on_response(self, response: Response) -> None:
        self.responses.append(response)

    def callbacks(self, redirect_uri: str) -> list[str]:
        """The URLs the browser was sent to on the redirect URI (with ``code`` or ``error``)."""
        return [r.url for r in self.requests if r.url.split("?", 1)[0] == redirect_uri]

    def codes(self, redirect_uri: str) -> list[str]:
        found: list[str] = []
        for url in self.callbacks(redirect_uri):
            found += parse_qs(urlsplit(url).query).get("code", [])
        return found


class LoginWidget:
    """The ``.looker-nb-auth`` view inside one cell's output."""

    def __init__(self, root: Locator) -> None:
        self.root = root

    def button(self, action: str) -> Locator:
        return self.root.locator(f'button[data-action="{action}"]')

    @property
    def message(self) -> Locator:
        return self.root.locator('[data-role="message"]')

    @property
    def fallback_link(self) -> Locator:
        return self.root.locator('a[data-role="fallback-link"]')

    def expect_status(self, status: str, *, timeout: float = LOGIN_TIMEOUT) -> None:
        expect(self.root).to_have_attribute("data-status", status, timeout=timeout)


class Notebook:
    """One notebook open in JupyterLab or Notebook 7, in its own page."""

    def __init__(self, page: Page, server: JupyterServer, name: str) -> None:
        self.page = page
        self.server = server
        self.name = name

    @property
    def path(self) -> Path:
        return self.server.root_dir / self.name

    @property
    def panel(self) -> Locator:
        return self.page.locator(".jp-NotebookPanel:visible")

    @property
    def cells(self) -> Locator:
        return self.panel.locator(".jp-Notebook .jp-Cell")

    @property
    def code_cells(self) -> Locator:
        return self.panel.locator(".jp-Notebook .jp-Cell.jp-CodeCell")

    def code_cell(self, index: int) -> Locator:
        return self.code_cells.nth(index)

    def prompt(self, index: int) -> Locator:
        return self.code_cell(index).locator(".jp-InputPrompt")

    def output(self, index: int) -> Locator:
        """The cell's output area (``expect(...).to_contain_text`` waits on it)."""
        return self.code_cell(index).locator(".jp-OutputArea")

    def output_text(self, index: int) -> str:
        return "\n".join(self.code_cell(index).locator(".jp-OutputArea-output").all_inner_texts())

    def widget(self, index: int) -> LoginWidget:
        return LoginWidget(self.code_cell(index).locator(".looker-nb-auth"))

    def expect_kernel_idle(self, *, timeout: float = CELL_TIMEOUT) -> None:
        indicator = self.panel.locator(".jp-Notebook-ExecutionIndicator")
        expect(indicator).to_have_attribute("data-status", "idle", timeout=timeout)

    def wait_until_ready(self) -> None:
        """The cells are drawn and the kernel is connected and idle."""
        expect(self.cells.first).to_be_visible(timeout=UI_TIMEOUT)
        self.server.wait_for_kernel(self.name, timeout=UI_TIMEOUT / 1000)
        self.expect_kernel_idle(timeout=UI_TIMEOUT)

    def select(self, index: int) -> None:
        """Make code cell ``index`` the active cell (a click on its prompt: command mode)."""
        cell = self.code_cell(index)
        cell.locator(".jp-InputPrompt").click()
        expect(cell).to_have_class(re.compile(r"\bjp-mod-active\b"))

    def menu(self, menu: str, command: str) -> None:
        """Click a menu bar entry, then the item bound to ``command`` (same in both UIs)."""
        self.page.locator(".lm-MenuBar-item", has_text=re.compile(f"^{menu}$")).click()
        self.page.locator(f'.lm-Menu-item[data-command="{command}"]').click()

    def run(self, index: int, *, wait: bool = True, timeout: float = CELL_TIMEOUT) -> None:
        """Run one code cell: select it, then Run → Run Selected Cell and Do not Advance.

        (The menu needs no keyboard focus, the same in both UIs. Either way a cell run before
        the session has its kernel is silently dropped: ``Jupyter.open`` waits for that.)
        ``wait=False`` returns once the cell is running (``[*]``), for cells that block on the
        login; otherwise once it has its execution count. Each cell is run once per test.
        """
        prompt = self.prompt(index)
        expect(prompt).to_have_text(_NOT_RUN)
        self.select(index)
        self.menu("Run", "notebook:run-cell")
        if wait:
            expect(prompt).to_have_text(EXECUTED, timeout=timeout)
        else:
            expect(prompt).to_have_text(_RUNNING)

    def save(self) -> Any:
        """Ctrl+S, wait for the contents PUT to succeed, and read the .ipynb back from disk.

        Returns the ``nbformat`` node (multi-line strings joined); the raw text is at ``path``.
        """
        self.page.bring_to_front()
        self.select(0)  # command mode, the keyboard focus inside the notebook
        self.page.wait_for_function(
            "panel => panel.contains(document.activeElement)", arg=self.panel.element_handle()
        )
        with self.page.expect_response(
            lambda r: r.request.method == "PUT" and f"/api/contents/{self.name}" in r.url,
            timeout=UI_TIMEOUT,
        ) as saved:
            self.page.keyboard.press("Control+s")
        assert saved.value.ok, f"saving {self.name} answered {saved.value.status}"
        text = self.path.read_text(encoding="utf-8")
        return nbformat.reads(text, as_version=4)  # type: ignore[no-untyped-call]


def open_login_popup(page: Page, widget: LoginWidget) -> Page:
    """Click "Log in to Looker" and return the popup it opens."""
    expect(widget.root).to_have_attribute("data-status", re.compile("^(ready|logged_out)$"))
    with page.expect_popup(timeout=UI_TIMEOUT) as popup:
        widget.button("login").click()
    return popup.value


def complete_looker_login(
    popup: Page,
    *,
    approve: bool = True,
    email: str | None = None,
    sign_in: bool = True,
    redirect_uri: str,
) -> str:
    """Looker's login form ("Log in"; skipped with ``sign_in=False`` when this browser is
    still signed in to Looker), then its consent page (Allow or Deny).

    Returns the URL Looker redirected the popup to (``redirect_uri?code=…&state=…``).
    """
    if sign_in:
        heading = popup.get_by_role("heading", name="Log in to Looker")
        expect(heading).to_be_visible(timeout=UI_TIMEOUT)
        if email is not None:
            popup.locator("#email").fill(email)
        popup.get_by_role("button", name="Log in").click()
    heading = popup.get_by_role("heading", name=re.compile(r"^Allow "))
    expect(heading).to_be_visible(timeout=UI_TIMEOUT)
    with popup.expect_request(
        lambda r: r.url.split("?", 1)[0] == redirect_uri, timeout=UI_TIMEOUT
    ) as callback:
        popup.get_by_role("button", name="Allow" if approve else "Deny").click()
    return callback.value.url


def expect_callback_page(popup: Page, redirect_uri: str, sentence: str) -> None:
    """The popup reached the callback page and its script ran (it posts to the widget, strips
    the query and closes the window): it closed itself, or it says ``sentence`` with no code or
    state left in its address.
    """
    try:
        popup.wait_for_url(lambda url: url.startswith(redirect_uri), wait_until="load")
        expect(popup.locator("main")).to_contain_text(sentence)
        expect(popup).not_to_have_url(re.compile(r"[?&](code|state|error)="))
    except PlaywrightError:
        if not popup.is_closed():  # closing itself at any point is fine
            raise


def log_in_through_the_widget(notebook: Notebook, redirect_uri: str, cell: int = 0) -> None:
    """Run the login cell ``cell`` (`LOGIN`) and log in through its widget and Looker's popup,
    until the widget says logged in."""
    notebook.run(cell)
    widget = notebook.widget(cell)
    popup = open_login_popup(notebook.page, widget)
    complete_looker_login(popup, redirect_uri=redirect_uri)
    expect_callback_page(popup, redirect_uri, LOGGED_IN_PAGE)
    widget.expect_status("logged_in")


def reset_consent(looker: FakeLooker, client_guid: str = CLIENT_GUID) -> None:
    """Forget every user's approval of the app (admin API), so the consent page shows again."""
    config = looker.config
    with httpx.Client(base_url=looker.api_url, timeout=10.0, trust_env=False) as http:
        login = http.post(
            "/api/4.0/login",
            data={
                "client_id": config.admin_client_id,
                "client_secret": config.admin_client_secret,
            },
        )
        login.raise_for_status()
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        for user in config.users:
            http.delete(
                f"/api/4.0/oauth_client_apps/{client_guid}/users/{user.id}", headers=headers
            ).raise_for_status()
        http.delete("/api/4.0/logout", headers=headers)
