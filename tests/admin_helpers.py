"""Helpers for the ``register`` and ``doctor`` tests: a clean environment, the stand-in's admin
API, the real console script, and a real ``jupyter server`` whose "kernels" run commands."""

from __future__ import annotations

import json
import os
import queue
import re
import secrets
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
from support import CLIENT_GUID, REDIRECT_URI

from looker_nb_auth.fake_looker import FakeLooker

_OURS = ("LOOKERSDK_", "LOOKER_NB_AUTH_", "JUPYTER_CONFIG_PATH")
STATUS_LINE = re.compile(r"^(ok|warn|skip|FAIL)\s+(\w+): (.*)$")
STARTUP_TIMEOUT = 60.0


def isolate(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No LOOKERSDK_* / LOOKER_NB_AUTH_* from outside, the cwd (looker.ini) and the token cache
    in ``tmp_path``, and the extension enabled in a Jupyter config of our own; returns that
    config directory."""
    for name in list(os.environ):
        if name.startswith(_OURS):
            monkeypatch.delenv(name)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("LOOKER_NB_AUTH_CACHE_DIR", str(tmp_path / "cache"))
    config = tmp_path / "jupyter-config"
    set_extension_enabled(config, enabled=True)
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", str(config))  # searched before any other
    return config


def set_extension_enabled(config_dir: Path, *, enabled: bool) -> None:
    """What ``jupyter server extension enable/disable looker_nb_auth`` writes."""
    path = config_dir / "jupyter_server_config.d" / "looker_nb_auth.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"ServerApp": {"jpserver_extensions": {"looker_nb_auth": enabled}}}))


def use_admin(monkeypatch: pytest.MonkeyPatch, looker: FakeLooker) -> None:
    monkeypatch.setenv("LOOKERSDK_CLIENT_ID", looker.config.admin_client_id)
    monkeypatch.setenv("LOOKERSDK_CLIENT_SECRET", looker.config.admin_client_secret)


def use_settings(
    monkeypatch: pytest.MonkeyPatch,
    base_url: str,
    *,
    client_guid: str = CLIENT_GUID,
    redirect_uri: str = REDIRECT_URI,
) -> None:
    monkeypatch.setenv("LOOKERSDK_BASE_URL", base_url)
    monkeypatch.setenv("LOOKERSDK_CLIENT_GUID", client_guid)
    monkeypatch.setenv("LOOKERSDK_REDIRECT_URI", redirect_uri)


def closed_port_url() -> str:
    """A loopback URL nobody listens on (the port was free a moment ago)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def statuses(output: str) -> dict[str, str]:
    """``{check name: status}`` from doctor's output."""
    found = {}
    for line in output.splitlines():
        if match := STATUS_LINE.match(line):
            found[match[2]] = match[1]
    return found


def admin_get_app(looker: FakeLooker, client_guid: str) -> dict[str, Any] | None:
    """The app as the stand-in's admin API returns it, or None (404)."""
    with httpx.Client(base_url=looker.api_url, trust_env=False) as client:
        login = client.post(
            "/api/4.0/login",
            data={
                "client_id": looker.config.admin_client_id,
                "client_secret": looker.config.admin_client_secret,
            },
        )
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        response = client.get(f"/api/4.0/oauth_client_apps/{client_guid}", headers=headers)
    if response.status_code == 404:
        return None
    response.raise_for_status()
    app: dict[str, Any] = response.json()
    return app


def app_writes(looker: FakeLooker) -> list[tuple[str, str]]:
    """POST/PATCH requests to the app endpoints so far."""
    return [
        (method, path)
        for method, path in looker.requests
        if method in ("POST", "PATCH") and path.startswith("/api/4.0/oauth_client_apps")
    ]


def console_script() -> list[str]:
    """The installed ``looker-nb-auth`` script of this venv (else ``python -m looker_nb_auth``)."""
    script = Path(sys.executable).parent / "looker-nb-auth"
    return [str(script)] if script.exists() else [sys.executable, "-m", "looker_nb_auth"]


# -- a real Jupyter server --------------------------------------------------------------------

# A "kernel" that runs a command, prints its exit code and output as one line to the server's
# stdout (which a kernel inherits), and exits.
_RUNNER = (
    "import json, subprocess, sys; "
    "r = subprocess.run(json.loads(sys.argv[2]), capture_output=True, text=True); "
    "print(sys.argv[1] + ' ' + json.dumps({'rc': r.returncode, 'out': r.stdout, "
    "'err': r.stderr}), flush=True)"
)
_ENV_DUMP = (
    "import json, os, sys; print(sys.argv[1] + ' ' + json.dumps({k: v for k, v in "
    "os.environ.items() if k.startswith('LOOKER_NB_AUTH_')}), flush=True)"
)


@dataclass(frozen=True)
class Kernel:
    """A kernel spec: ``command`` run with the kernel's environment, plus ``env`` on top."""

    command: list[str] | None = None  # None: dump the LOOKER_NB_AUTH_* environment
    env: Mapping[str, str] | None = None


@dataclass
class JupyterServer:
    url: str
    token: str
    lines: queue.Queue[str]

    def _line(self, marker: str) -> str:
        while True:
            try:
                line = self.lines.get(timeout=STARTUP_TIMEOUT)
            except queue.Empty:
                pytest.fail(f"the server printed no {marker!r} line")
            if not line:
                pytest.fail(f"the server exited before printing {marker!r}")
            if line.startswith(marker + " "):
                return line[len(marker) + 1 :]

    def run(self, kernel: str) -> Any:
        """Start the kernel ``kernel`` and return what it printed (JSON)."""
        with httpx.Client(trust_env=False, timeout=30.0) as client:
            started = client.post(
                f"{self.url}api/kernels",
                json={"name": kernel},
                headers={"Authorization": f"token {self.token}"},
            )
        assert started.status_code == 201, started.text
        return json.loads(self._line(f"RESULT-{kernel}"))


def _pump(stream: IO[str], lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)
    lines.put("")


@contextmanager
def jupyter_server(
    root: Path, env: Mapping[str, str], kernels: Mapping[str, Kernel]
) -> Iterator[JupyterServer]:
    """A real ``jupyter server`` with looker_nb_auth on port 0, token auth, no unauthenticated
    access, and the given kernel specs; ``env`` is added to a clean copy of ours."""
    dirs = {name: root / name for name in ("config", "data", "runtime", "root")}
    for path in dirs.values():
        path.mkdir(parents=True)
    for name, kernel in kernels.items():
        marker = f"RESULT-{name}"
        if kernel.command is None:
            argv = [sys.executable, "-c", _ENV_DUMP, marker]
        else:
            argv = [sys.executable, "-c", _RUNNER, marker, json.dumps(kernel.command)]
        spec = dirs["data"] / "kernels" / name / "kernel.json"
        spec.parent.mkdir(parents=True)
        body: dict[str, Any] = {"argv": argv, "display_name": name}
        if kernel.env:
            body["env"] = dict(kernel.env)
        spec.write_text(json.dumps(body))
    dropped = ("JUPYTER", "JPY_", "LOOKER_NB_AUTH_", "LOOKERSDK_")
    server_env = {k: v for k, v in os.environ.items() if not k.upper().startswith(dropped)}
    server_env.update(
        JUPYTER_NO_CONFIG="1",  # only what the command line says: no extensions from the venv
        JUPYTER_CONFIG_DIR=str(dirs["config"]),
        JUPYTER_DATA_DIR=str(dirs["data"]),
        JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
        PYTHONUNBUFFERED="1",
    )
    server_env.update(env)
    token = secrets.token_hex(16)
    command = [
        sys.executable,
        "-m",
        "jupyter_server",
        "--ServerApp.port=0",
        "--ServerApp.ip=127.0.0.1",
        "--ServerApp.open_browser=False",
        f"--IdentityProvider.token={token}",
        "--ServerApp.allow_unauthenticated_access=False",
        f"--ServerApp.root_dir={dirs['root']}",
        "--ServerApp.jpserver_extensions=looker_nb_auth=True",
        "--log-level=DEBUG",
        "--KernelManager.autorestart=False",  # the "kernels" exit at once, on purpose
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=server_env,
        cwd=root,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    pump = threading.Thread(target=_pump, args=(process.stdout, lines), daemon=True)
    pump.start()
    try:
        marker = "looker-nb-auth: kernels reach this server at "
        while True:
            try:
                line = lines.get(timeout=STARTUP_TIMEOUT)
            except queue.Empty:
                pytest.fail("the Jupyter server did not start")
            if not line:
                pytest.fail("the Jupyter server exited while starting")
            if marker in line:
                url = line.split(marker, 1)[1].strip()
                break
        yield JupyterServer(url=url, token=token, lines=lines)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        pump.join(timeout=20)
        process.stdout.close()
