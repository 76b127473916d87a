"""``looker-nb-auth demo``: the Looker stand-in and JupyterLab on the getting-started notebook.

``--scripted`` runs a login without a browser instead: every step is the real one (authorize
URL, login and consent forms, callback, redeem, API calls, logout) over HTTP on loopback; only the
person clicking in the browser is played by a robot.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from ..kernel.session import LookerSession

__all__ = ["run_demo", "run_notebook_demo"]

CLIENT_GUID = "looker-nb-auth-demo"
REDIRECT_URI = "http://127.0.0.1:8888/looker-nb-auth/callback"


def run_demo(out: Callable[[str], None] = print) -> int:
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
            rows = session.client.get(f"looks/{looks[0]['id']}/run/json").raise_for_status().json()
            out(f"6. Ran look {looks[0]['id']}: {len(rows)} rows, first {rows[0]}")
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


def run_notebook_demo(port: int = 8888, looker_port: int = 0) -> int:
    """Start the stand-in and JupyterLab (extension configured for it) until Ctrl-C."""
    from ..fake_looker import FakeLooker

    redirect_uri = f"http://127.0.0.1:{port}/looker-nb-auth/callback"
    workdir = Path(tempfile.mkdtemp(prefix="looker-nb-auth-demo-"))
    for notebook in sorted(_notebooks().glob("*.ipynb")):
        shutil.copy(notebook, workdir)
    token = secrets.token_urlsafe(16)
    with FakeLooker().start(port=looker_port) as looker:
        looker.register_app(
            CLIENT_GUID,
            redirect_uri,
            display_name="looker-nb-auth demo",
            description="Lets your Jupyter notebook call the Looker API as you.",
        )
        command = [
            sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1",
            f"--port={port}", "--port-retries=0", f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={workdir}",
            f"--LookerNbAuth.base_url={looker.api_url}",
            f"--LookerNbAuth.client_guid={CLIENT_GUID}",
            f"--LookerNbAuth.redirect_uri={redirect_uri}",
        ]  # fmt: skip
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")  # containers and CI machines run as root
        log = (workdir / "jupyterlab.log").open("wb")
        lab = subprocess.Popen(command, stderr=log)  # noqa: S603  # our own fixed command
        try:
            if not _wait_until_up(f"http://127.0.0.1:{port}/api/status", token, lab):
                print(f"JupyterLab did not start on port {port}; is the port free? Try --port.")
                return 1
            url = f"http://127.0.0.1:{port}/lab/tree/01-getting-started.ipynb?token={token}"
            print(f"Looker stand-in: {looker.api_url} (log in as ada@example.com / looker-demo)")
            print(f"Notebooks copied to {workdir} (JupyterLab's log: jupyterlab.log there)")
            print(f'\nOpen this URL, run the notebook and click "Log in to Looker":\n\n  {url}\n')
            print("Ctrl-C stops JupyterLab and the stand-in.")
            lab.wait()
        except KeyboardInterrupt:
            print("\nStopping.")
        finally:
            lab.terminate()
            try:
                lab.wait(timeout=15)
            except subprocess.TimeoutExpired:
                lab.kill()
            log.close()
    return 0


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
