"""A real ``jupyter server`` process with looker_nb_auth, whose "kernels" are small programs:
one dumps the ``LOOKER_NB_AUTH_*`` environment a kernel inherits, one runs a command. What they
print reaches the server's stdout, which the tests read line by line."""

from __future__ import annotations

import json
import os
import queue
import secrets
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

__all__ = ["JupyterServer", "Kernel", "jupyter_server"]

STARTUP_TIMEOUT = 60.0
_READY = "looker-nb-auth: kernels reach this server at "

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
    """The running server: ``url`` is what its kernels are told (``LOOKER_NB_AUTH_SERVER_URL``)."""

    url: str
    token: str
    lines: queue.Queue[str]

    def wait_for(self, marker: str, *, logged: bool = False) -> str:
        """What follows ``marker`` on the next output line starting with it (``logged``: after
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

    def run(self, kernel: str) -> Any:
        """Start the kernel ``kernel`` and return what it printed (JSON)."""
        # Only to start it: with TLS, the server's certificate is not for 127.0.0.1.
        with httpx.Client(trust_env=False, timeout=30.0, verify=False) as client:
            started = client.post(
                f"{self.url}api/kernels",
                json={"name": kernel},
                headers={"Authorization": f"token {self.token}"},
            )
        assert started.status_code == 201, started.text
        return json.loads(self.wait_for(f"RESULT-{kernel} "))


def _pump(stream: IO[str], lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)
    lines.put("")


@contextmanager
def jupyter_server(
    root: Path,
    env: Mapping[str, str],
    kernels: Mapping[str, Kernel],
    *,
    ip: str = "127.0.0.1",
    extra_args: Sequence[str] = (),
    config: Mapping[str, Any] | None = None,
) -> Iterator[JupyterServer]:
    """A real ``jupyter server`` with looker_nb_auth on port 0 of ``ip``, token auth, no
    unauthenticated access, and the given kernel specs; ``env`` is added to a clean copy of ours.
    ``config``: written as the user's ``jupyter_server_config.json`` and read as Jupyter reads
    config files (else no config file is read at all). Yields once the extension has told its
    kernels the server's URL."""
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
    if config is None:
        server_env["JUPYTER_NO_CONFIG"] = "1"  # only the command line: no extensions from the venv
    else:
        (dirs["config"] / "jupyter_server_config.json").write_text(json.dumps(config))
    server_env.update(
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
        f"--ServerApp.ip={ip}",
        "--ServerApp.open_browser=False",
        f"--IdentityProvider.token={token}",
        "--ServerApp.allow_unauthenticated_access=False",
        f"--ServerApp.root_dir={dirs['root']}",
        "--ServerApp.jpserver_extensions=looker_nb_auth=True",
        "--log-level=DEBUG",
        "--KernelManager.autorestart=False",  # the "kernels" exit at once, on purpose
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
        env=server_env,
        cwd=root,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    pump = threading.Thread(target=_pump, args=(process.stdout, lines), daemon=True)
    pump.start()
    try:
        server = JupyterServer(url="", token=token, lines=lines)
        server.url = server.wait_for(_READY, logged=True)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        pump.join(timeout=20)
        process.stdout.close()
