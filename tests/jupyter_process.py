"""A real ``jupyter server`` process with looker_nb_auth, whose "kernels" are small programs:
one dumps the ``LOOKER_NB_AUTH_*`` environment a kernel inherits, one runs a command. What they
find comes back over a connection of its own to a socket of the harness; the server's stdout,
read line by line, is only its log.

Not the server's stdout, although a kernel inherits it: the server logs to the same pipe while a
kernel starts, and a kernel's ``print`` is not one write (unbuffered, as PYTHONUNBUFFERED makes
it, the newline is a second write; and a pipe keeps only writes of up to PIPE_BUF bytes whole), so
a log line could land inside a kernel's line and break its JSON.

And not every connection to that socket is a kernel's: the server's ZeroMQ sockets keep
reconnecting to the ports of kernels that exited (these never bind them), and a free port the
harness listens on can be one of those. So a kernel's message starts with a token of this server,
a connection whose bytes do not is dropped, and one that sends nothing is never waited for."""

from __future__ import annotations

import json
import os
import queue
import secrets
import selectors
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, NoReturn, cast

import httpx
import pytest

__all__ = ["JupyterServer", "Kernel", "jupyter_server"]

STARTUP_TIMEOUT = 60.0
_READY = "looker-nb-auth: kernels reach this server at "

# The "kernels": argv is [name, port of the results socket, token, (command)]. Each sends the
# harness "<token> <JSON [name, result]>" on a connection of its own, ended by closing it, and
# exits.
_SEND = (
    'with socket.create_connection(("127.0.0.1", int(sys.argv[2]))) as channel:\n'
    '    message = sys.argv[3] + " " + json.dumps([sys.argv[1], result])\n'
    "    channel.sendall(message.encode())\n"
)
# Runs a command: its exit code and output.
_RUNNER = (
    "import json, socket, subprocess, sys\n"
    "r = subprocess.run(json.loads(sys.argv[4]), capture_output=True, text=True)\n"
    'result = {"rc": r.returncode, "out": r.stdout, "err": r.stderr}\n' + _SEND
)
# The LOOKER_NB_AUTH_* environment it inherited.
_ENV_DUMP = (
    "import json, os, socket, sys\n"
    'result = {k: v for k, v in os.environ.items() if k.startswith("LOOKER_NB_AUTH_")}\n' + _SEND
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
    results: socket.socket  # listening; each kernel connects once and sends its result
    results_token: str  # what a kernel's message starts with
    output: list[str] = field(default_factory=list)  # the stdout lines read so far

    def fail(self, why: str) -> NoReturn:
        """Fail the test with ``why`` and the end of what the server printed, which says why."""
        while True:
            try:
                line = self.lines.get_nowait()
            except queue.Empty:
                break
            self.output.append(line)
        tail = "".join(self.output[-40:])
        pytest.fail(f"{why}; the server's last output lines:\n{tail}", pytrace=False)

    def wait_for(self, marker: str, *, logged: bool = False) -> str:
        """What follows ``marker`` on the next line of the server's stdout starting with it
        (``logged``: after the server's log prefix)."""
        while True:
            try:
                line = self.lines.get(timeout=STARTUP_TIMEOUT)
            except queue.Empty:
                self.fail(f"the server printed no {marker!r} line")
            self.output.append(line)
            if not line:
                self.fail(f"the server exited before printing {marker!r}")
            if logged and line.startswith("[") and f"] {marker}" in line:
                return line.split(f"] {marker}", 1)[1].strip()
            if not logged and line.startswith(marker):
                return line[len(marker) :].strip()

    def run(self, kernel: str) -> Any:
        """Start the kernel ``kernel`` and return the result it sent (JSON)."""
        # Only to start it: with TLS, the server's certificate is not for 127.0.0.1.
        with httpx.Client(trust_env=False, timeout=30.0, verify=False) as client:
            started = client.post(
                f"{self.url}api/kernels",
                json={"name": kernel},
                headers={"Authorization": f"token {self.token}"},
            )
        if started.status_code != 201:
            self.fail(f"starting the kernel {kernel!r}: HTTP {started.status_code} {started.text}")
        sender, result = json.loads(self._receive(kernel))
        # Runs are one after another, so a result from another kernel is a bug, not a race.
        assert sender == kernel, f"started {kernel!r}, got the result of {sender!r}"
        return result

    def _receive(self, kernel: str) -> bytes:
        """The first kernel message on ``results``, without its token. Connections are read as
        their bytes come, so one that stays silent holds nothing up; one whose bytes are not a
        kernel's message is dropped."""
        prefix = self.results_token.encode() + b" "
        deadline = time.monotonic() + STARTUP_TIMEOUT
        with selectors.DefaultSelector() as selector:
            selector.register(self.results, selectors.EVENT_READ)
            try:
                while (left := deadline - time.monotonic()) > 0:
                    for key, _ in selector.select(left):
                        if key.fileobj is self.results:
                            connection, _ = self.results.accept()
                            selector.register(connection, selectors.EVENT_READ, bytearray())
                            continue
                        connection, data = cast(socket.socket, key.fileobj), key.data
                        try:
                            chunk = connection.recv(65536)
                        except OSError:  # reset: not a whole message, whoever sent it
                            chunk = b""
                            data.clear()
                        data += chunk
                        if chunk and data.startswith(prefix[: len(data)]):
                            continue  # more to come
                        selector.unregister(connection)
                        connection.close()
                        if not chunk and data.startswith(prefix):
                            return bytes(data[len(prefix) :])
                        # else not one of our kernels: dropped
            finally:
                for key in list(selector.get_map().values()):
                    if key.fileobj is not self.results:
                        cast(socket.socket, key.fileobj).close()
        self.fail(f"the kernel {kernel!r} sent no result")


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
    results_token = secrets.token_hex(16)
    with socket.create_server(("127.0.0.1", 0)) as results:
        port = str(results.getsockname()[1])
        for name, kernel in kernels.items():
            if kernel.command is None:
                program, extra = _ENV_DUMP, []
            else:
                program, extra = _RUNNER, [json.dumps(kernel.command)]
            argv = [sys.executable, "-c", program, name, port, results_token, *extra]
            spec = dirs["data"] / "kernels" / name / "kernel.json"
            spec.parent.mkdir(parents=True)
            body: dict[str, Any] = {"argv": argv, "display_name": name}
            if kernel.env:
                body["env"] = dict(kernel.env)
            spec.write_text(json.dumps(body))
        dropped = ("JUPYTER", "JPY_", "LOOKER_NB_AUTH_", "LOOKERSDK_")
        server_env = {k: v for k, v in os.environ.items() if not k.upper().startswith(dropped)}
        if config is None:
            server_env["JUPYTER_NO_CONFIG"] = "1"  # only the command line, no venv extensions
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
            server = JupyterServer(
                url="", token=token, lines=lines, results=results, results_token=results_token
            )
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
