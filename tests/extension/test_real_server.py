"""A real ``jupyter server`` process on port 0: its kernels inherit a URL with the port it bound,
and a secret that works there and nowhere else."""

from __future__ import annotations

import json
import os
import queue
import secrets
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
import pytest
from tornado.httpclient import AsyncHTTPClient, HTTPResponse

from looker_nb_auth._errors import LookerAuthError
from looker_nb_auth._extension import CERT_ENV, DEFAULTS_ENV, SECRET_ENV, SERVER_URL_ENV
from looker_nb_auth._handlers import SECRET_HEADER
from looker_nb_auth._pickup import ExtensionClient

from .helpers import Routes, new_state

STARTUP_TIMEOUT = 60.0
# A "kernel" that prints what it inherited and exits: its stdout is the server's.
ENV_DUMP = (
    "import json, os; print('KERNEL-ENV ' + json.dumps({k: v for k, v in os.environ.items() "
    "if k.startswith('LOOKER_NB_AUTH_')}), flush=True)"
)


@dataclass
class ServerProcess:
    process: subprocess.Popen[str]
    token: str
    lines: queue.Queue[str]

    def wait_for(self, marker: str, *, logged: bool = False) -> str:
        """What follows ``marker`` on the first output line starting with it (``logged``: after
        the server's log prefix)."""
        while True:
            try:
                line = self.lines.get(timeout=STARTUP_TIMEOUT)
            except queue.Empty:
                pytest.fail(f"the server printed no {marker!r} line")
            if not line:
                pytest.fail(f"the server exited before printing {marker!r}")
            if logged and line.startswith("[") and f"] {marker}" in line:
                return line.split(f"] {marker}", 1)[1].strip()
            if not logged and line.startswith(marker):
                return line[len(marker) :].strip()


def _pump(stream: IO[str], lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)
    lines.put("")


@pytest.fixture
def server_process(tmp_path: Path) -> Iterator[ServerProcess]:
    yield from _server_process(tmp_path, [])


def _server_process(tmp_path: Path, extra_args: list[str]) -> Iterator[ServerProcess]:
    dirs = {name: tmp_path / name for name in ("config", "data", "runtime", "root")}
    for path in dirs.values():
        path.mkdir()
    spec = dirs["data"] / "kernels" / "envdump" / "kernel.json"
    spec.parent.mkdir(parents=True)
    spec.write_text(json.dumps({"argv": [sys.executable, "-c", ENV_DUMP], "display_name": "env"}))
    dropped = ("JUPYTER", "JPY_", "LOOKER_NB_AUTH_")
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(dropped)}
    env.update(
        JUPYTER_NO_CONFIG="1",  # only what the command line says: no extensions from the venv
        JUPYTER_CONFIG_DIR=str(dirs["config"]),
        JUPYTER_DATA_DIR=str(dirs["data"]),
        JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
        PYTHONUNBUFFERED="1",
    )
    token = secrets.token_hex(16)
    command = [
        sys.executable,
        "-m",
        "jupyter_server",
        "--ServerApp.port=0",
        "--ServerApp.ip=0.0.0.0",
        "--ServerApp.open_browser=False",
        f"--IdentityProvider.token={token}",
        "--ServerApp.allow_unauthenticated_access=False",
        f"--ServerApp.root_dir={dirs['root']}",
        "--ServerApp.jpserver_extensions=looker_nb_auth=True",
        "--LookerNbAuth.client_guid=real-server",
        "--log-level=DEBUG",
        "--KernelManager.autorestart=False",  # the "kernel" exits at once, on purpose
        *extra_args,
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    pump = threading.Thread(target=_pump, args=(process.stdout, lines), daemon=True)
    pump.start()
    try:
        yield ServerProcess(process=process, token=token, lines=lines)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        pump.join(timeout=20)
        process.stdout.close()


async def fetch(url: str, **kwargs: object) -> HTTPResponse:
    client = AsyncHTTPClient(force_instance=True)
    try:
        response: HTTPResponse = await client.fetch(url, raise_error=False, **kwargs)
        return response
    finally:
        client.close()


async def test_kernels_of_a_real_server_inherit_a_working_url_and_secret(
    server_process: ServerProcess, routes: Routes
) -> None:
    url = server_process.wait_for("looker-nb-auth: kernels reach this server at ", logged=True)
    assert url.startswith("http://127.0.0.1:")
    assert not url.startswith("http://127.0.0.1:0/")
    started = await fetch(
        f"{url}api/kernels",
        method="POST",
        body=json.dumps({"name": "envdump"}),
        headers={"Authorization": f"token {server_process.token}"},
    )
    assert started.code == 201
    inherited = json.loads(server_process.wait_for("KERNEL-ENV "))
    assert inherited[SERVER_URL_ENV] == url
    assert json.loads(inherited[DEFAULTS_ENV])["client_guid"] == "real-server"
    secret = inherited[SECRET_ENV]

    state = new_state()
    pending = f"{url}looker-nb-auth/pending"
    body = json.dumps({"state": state})
    # its own secret works there
    mine = await fetch(pending, method="POST", body=body, headers={SECRET_HEADER: secret})
    assert mine.code == 201
    # another server's secret does not, either way round
    theirs = await fetch(pending, method="POST", body=body, headers={SECRET_HEADER: routes.secret})
    assert theirs.code == 403
    assert secret != routes.secret
    crossed = await routes.fetch(
        "POST", "pending", body={"state": state}, auth="anonymous", headers={SECRET_HEADER: secret}
    )
    assert crossed.code == 403


@pytest.fixture
def tls_server_process(tmp_path: Path) -> Iterator[ServerProcess]:
    """The same server with TLS: a self-signed certificate for a name that is not 127.0.0.1."""
    cert, key = tmp_path / "server.crt", tmp_path / "server.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=jupyter.example", "-addext", "subjectAltName=DNS:jupyter.example",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    yield from _server_process(
        tmp_path, [f"--ServerApp.certfile={cert}", f"--ServerApp.keyfile={key}"]
    )


def test_kernels_of_a_tls_server_pin_its_certificate(tls_server_process: ServerProcess) -> None:
    """With TLS the kernel reaches https://127.0.0.1:PORT, a name the certificate lacks: it
    trusts the server's own certificate file, exported to it, and nothing else."""
    url = tls_server_process.wait_for("looker-nb-auth: kernels reach this server at ", logged=True)
    assert url.startswith("https://127.0.0.1:")
    with httpx.Client(verify=False, trust_env=False) as http:  # only to start the "kernel"
        started = http.post(
            f"{url}api/kernels",
            json={"name": "envdump"},
            headers={"Authorization": f"token {tls_server_process.token}"},
        )
    assert started.status_code == 201
    inherited = json.loads(tls_server_process.wait_for("KERNEL-ENV "))
    assert inherited[CERT_ENV].endswith("server.crt")

    client = ExtensionClient.from_environment(inherited)
    assert client is not None
    state = new_state()
    client.register(state)  # a TLS handshake that verified the pinned certificate
    client.forget(state)
    client.close()

    # Without the pin, the same request fails verification: the pin is what makes it work.
    unpinned = ExtensionClient(inherited[SERVER_URL_ENV], inherited[SECRET_ENV])
    with pytest.raises(LookerAuthError, match="could not reach its Jupyter server"):
        unpinned.register(new_state())
    unpinned.close()
    # And a certificate file that cannot be read is one clear sentence.
    with pytest.raises(LookerAuthError, match="cannot read its Jupyter server's certificate"):
        ExtensionClient(url, "s", server_cert=str(Path(inherited[CERT_ENV]).with_name("nope")))
