"""``looker-nb-auth demo``: the Looker stand-in and JupyterLab on the tutorial notebooks.

``--scripted`` runs a login without a browser instead: every step is the real one (authorize
URL, login and consent forms, callback, redeem, API calls, logout) over HTTP on loopback; only the
person clicking in the browser is played by a robot.
"""

from __future__ import annotations

import asyncio
import errno
import importlib.util
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx

from ..client.session import LookerSession

if TYPE_CHECKING:
    from ..fake_looker import FakeLooker

__all__ = ["run_demo", "run_notebook_demo"]

CLIENT_GUID = "looker-nb-auth-demo"
REDIRECT_URI = "http://127.0.0.1:8888/looker-nb-auth/callback"


def run_demo(out: Callable[[str], None] = print) -> int:
    """The scripted demo: every step of a login and the API calls, ending in a DataFrame."""
    if problem := missing("scripted"):
        out(problem)
        return 1
    from ..fake_looker import FakeLooker, authorize_in_browser

    with FakeLooker() as looker:
        looker.register_app(
            CLIENT_GUID,
            REDIRECT_URI,
            display_name="looker-nb-auth demo",
            description="Lets your Jupyter notebook call the Looker API as you.",
        )
        out(f"Looker stand-in: API {looker.api_url}, login pages {looker.web_url}")
        with LookerSession(
            base_url=looker.api_url, client_guid=CLIENT_GUID, redirect_uri=REDIRECT_URI
        ) as session:
            request = session.start_login()
            out(f"1. Open Looker's login page: {urlsplit(request.url).path} on {looker.web_url}")
            redirected = authorize_in_browser(request.url)
            out("2. Logged in and allowed the app; Looker redirected back with a code")
            user = session.complete_login(redirected)
            out(f"3. Redeemed the code: logged in as {user}")
            me = session.sdk.me()
            out(f"4. session.sdk.me(): id={me.id} display_name={me.display_name!r}")
            looks = session.client.get("looks").raise_for_status().json()
            out(f"5. session.client.get('looks'): {[look['title'] for look in looks]}")
            frame = session.run_look(looks[0]["id"])
            out(f"6. Ran look {looks[0]['id']}: {len(frame)} rows, as a pandas DataFrame:")
            out(frame.to_string(index=False))
            count = asyncio.run(_count_users_async(session))
            out(f"7. session.async_client: GET user answered {count}")
            session.logout()
            out(f"8. Logged out; the token is revoked (logged in: {session.is_logged_in})")
    return 0


async def _count_users_async(session: LookerSession) -> int:
    async with session.async_client as client:
        response = await client.get("user")
    return response.status_code


def _notebooks() -> Path:
    package = Path(__file__).parent.parent
    shipped = package / "notebooks"  # the wheel ships notebooks/ here
    return shipped if shipped.is_dir() else package.parent / "notebooks"


#: What each demo needs, as (module, what to call it); all of it comes with the [demo] extra.
NEEDS = {
    "notebook": [("jupyterlab", "JupyterLab"), ("pandas", "pandas"), ("pyarrow", "pyarrow"),
                 ("polars", "polars"), ("matplotlib", "matplotlib"),
                 ("looker_sdk", "the Looker SDK")],
    "scripted": [("pandas", "pandas"), ("pyarrow", "pyarrow"), ("looker_sdk", "the Looker SDK")],
}  # fmt: skip


def missing(kind: str) -> str | None:
    """One sentence naming what the demo needs and is not installed, or None."""
    absent = [label for module, label in NEEDS[kind] if importlib.util.find_spec(module) is None]
    if not absent:
        return None
    names = absent[0] if len(absent) == 1 else f"{', '.join(absent[:-1])} and {absent[-1]}"
    verb = "is" if len(absent) == 1 else "are"
    return (
        f"The demo needs {names}, which {verb} not installed here; run "
        f"pip install 'looker-nb-auth[demo]' and start it again."
    )


class _Stopped(Exception):
    """SIGTERM or SIGHUP: stop as Ctrl-C does."""


def _stop_on_signals() -> None:
    def stop(signum: int, frame: object) -> None:
        raise _Stopped

    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), stop)


#: JupyterLab settings for the demo: no "Jupyter news" toast and no update check.
_OVERRIDES = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}
}


def run_notebook_demo(port: int = 8888, looker_port: int = 0) -> int:
    """Start the stand-in and JupyterLab (extension configured for it) until Ctrl-C, SIGTERM or
    SIGHUP; then stop JupyterLab and its kernels and remove the demo's temporary folder."""
    from ..fake_looker import FakeLooker, FakeLookerConfig

    if problem := missing("notebook"):
        print(problem)
        return 1
    for option, wanted in (("--port", port), ("--looker-port", looker_port)):
        if problem := _unusable(wanted, option):
            print(problem)
            return 1
    _stop_on_signals()
    base = Path(tempfile.mkdtemp(prefix="looker-nb-auth-demo-"))
    try:
        return _serve(base, port, looker_port, lambda: FakeLooker(FakeLookerConfig.for_tutorials()))
    except (KeyboardInterrupt, _Stopped):
        return 0
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _unusable(port: int, option: str) -> str | None:
    """Why the demo cannot listen on 127.0.0.1:``port`` (given as ``option``), or None.

    Asked before anything starts, so that the answer names the option to change; a program that
    takes the port in between still gets JupyterLab's or the stand-in's own error."""
    if port == 0:  # any free port
        return None
    with socket.socket() as sock:
        # As the servers bind: a closed connection's TIME_WAIT on the port does not count.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (
                    f"Port {port} on 127.0.0.1 is in use by another program; pass another "
                    f"{option} or stop that program."
                )
            return (
                f"Port {port} on 127.0.0.1 cannot be used ({exc.strerror}); pass another {option}."
            )
    return None


def _serve(base: Path, port: int, looker_port: int, fake: Callable[[], FakeLooker]) -> int:
    redirect_uri = f"http://127.0.0.1:{port}/looker-nb-auth/callback"
    workdir, settings = base / "notebooks", base / "lab-settings"
    workdir.mkdir()
    settings.mkdir()
    (settings / "overrides.json").write_text(json.dumps(_OVERRIDES))
    for notebook in sorted(_notebooks().glob("*.ipynb")):
        shutil.copy(notebook, workdir)
    token = secrets.token_urlsafe(16)
    with fake().start(port=looker_port) as looker:
        looker.register_app(
            CLIENT_GUID,
            redirect_uri,
            display_name="looker-nb-auth demo",
            description="Lets your Jupyter notebook call the Looker API as you.",
        )
        command = [
            sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
            f"--port={port}", "--port-retries=0", f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={workdir}", f"--LabApp.app_settings_dir={settings}",
            f"--LookerNbAuth.base_url={looker.api_url}",
            f"--LookerNbAuth.client_guid={CLIENT_GUID}",
            f"--LookerNbAuth.redirect_uri={redirect_uri}",
        ]  # fmt: skip
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")  # containers and CI machines run as root
        log_path = base / "jupyterlab.log"  # next to the notebooks, not among them
        with log_path.open("wb") as log:
            # Its own session: Ctrl-C in the terminal reaches only the demo, which stops
            # JupyterLab itself (no "Shut down this Jupyter server (y/[n])?" prompt).
            lab = subprocess.Popen(  # noqa: S603  # our own fixed command
                command, stdin=subprocess.DEVNULL, stderr=log, start_new_session=True
            )
            try:
                if not _wait_until_up(f"http://127.0.0.1:{port}/api/status", token, lab):
                    print(_did_not_start(port, lab, log_path))
                    return 1
                _announce(looker.api_url, workdir, port, token)
                lab.wait()
            except (KeyboardInterrupt, _Stopped):
                print("\nStopping.")
            finally:
                _stop(lab)
    return 0


def _announce(api_url: str, workdir: Path, port: int, token: str) -> None:
    url = f"http://127.0.0.1:{port}/lab/tree/01-getting-started.ipynb?token={token}"
    print(f"Looker stand-in: {api_url} (log in as ada@example.com / looker-demo)")
    print(f"Notebooks copied to {workdir} (removed when the demo stops)")
    print(f'\nOpen this URL, run the notebook and click "Log in to Looker":\n\n  {url}\n')
    print("Ctrl-C stops JupyterLab, its kernels and the stand-in.", flush=True)


def _did_not_start(port: int, lab: subprocess.Popen[bytes], log: Path) -> str:
    """Why JupyterLab is not answering, from its exit and the last line of its log."""
    lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    said = f" ({lines[-1].strip()[:200]})" if lines else ""
    if lab.poll() is not None:
        return f"JupyterLab exited with code {lab.returncode} before it answered{said}."
    return f"JupyterLab did not answer on port {port} within 60 s{said}; try another --port."


def _stop(lab: subprocess.Popen[bytes]) -> None:
    """SIGTERM: Jupyter Server shuts its kernels down and exits; kill it if it does not."""
    if lab.poll() is None:
        lab.terminate()
    try:
        lab.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(lab.pid, signal.SIGKILL)
        lab.wait()


def _wait_until_up(url: str, token: str, process: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + 60
    with httpx.Client(trust_env=False) as client:
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if client.get(url, headers={"Authorization": f"token {token}"}).status_code == 200:
                    return True
            except httpx.TransportError:
                pass
            time.sleep(0.2)  # polling a process we started for readiness, not synchronisation
    return False
