"""Several kernels on one machine share a loopback redirect URI's single port (the ``voila``
command's viewers, two notebooks in VS Code): whoever binds it first takes Looker's answer for
all, and hands each answer to the kernel that started that login and to no one else.

Real processes, each running a login on its own ``LoopbackReceiver`` against the Looker stand-in;
httpx as the browser.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import httpx
import pytest
from support import free_port

from looker_nb_auth.fake_looker import FakeLooker, authorize_in_browser

GUID = "shared-loopback-tests"
TIMEOUT = 60.0  # a bound for each wait on a process, never reached when things work

# One login in a process of its own: prints {"url"} once its login is pending (registered with
# the receiver), then {"user"} or {"error"} once Looker's answer came and was redeemed.
_LOGIN = """
import json, sys
from looker_nb_auth import LookerSession, LookerAuthError
from looker_nb_auth.client.loopback import LoopbackReceiver

api, guid, redirect = sys.argv[1:4]
session = LookerSession(api, client_guid=guid, redirect_uri=redirect)
receiver = LoopbackReceiver(redirect)
request = session.start_login()
try:
    receiver.register(request.state)
except LookerAuthError as exc:
    print(json.dumps({"error": str(exc)}), flush=True)
    sys.exit(1)
print(json.dumps({"url": request.url}), flush=True)
result = receiver.wait(request.state, timeout=float(sys.argv[4]))
if result is None:
    print(json.dumps({"error": "no answer"}), flush=True)
    sys.exit(1)
user = session.complete_login(result)
print(json.dumps({"user": user.email}), flush=True)
receiver.close()
"""


class LoginProcess:
    """One process running ``_LOGIN``; its lines are JSON."""

    def __init__(self, looker: FakeLooker, redirect_uri: str, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _LOGIN, looker.api_url, GUID, redirect_uri, str(TIMEOUT)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env=env,
        )

    def line(self) -> dict[str, str]:
        out: IO[str] | None = self.process.stdout
        assert out is not None
        line = out.readline()  # the process prints or exits; TIMEOUT bounds its waits
        if not line:
            self.process.wait(TIMEOUT)
            assert self.process.stderr is not None
            pytest.fail(f"the login process exited: {self.process.stderr.read()}")
        message: dict[str, str] = json.loads(line)
        return message

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(TIMEOUT)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def redirect_uri(looker: FakeLooker) -> str:
    uri = f"http://127.0.0.1:{free_port()}/looker-nb-auth/callback"
    looker.register_app(GUID, uri, display_name="shared", description="Shared loopback tests.")
    return uri


@pytest.fixture
def start(
    looker: FakeLooker, redirect_uri: str, tmp_path: Path
) -> Iterator[Callable[[], LoginProcess]]:
    started: list[LoginProcess] = []
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("LOOKER_NB_AUTH_", "LOOKERSDK_"))
    }
    env["LOOKER_NB_AUTH_CACHE_DIR"] = str(tmp_path)  # this user's key for the shared listener

    def start_one() -> LoginProcess:
        process = LoginProcess(looker, redirect_uri, env)
        started.append(process)
        return process

    yield start_one
    for process in started:
        process.stop()


def follow(redirected: str) -> httpx.Response:
    with httpx.Client(trust_env=False, timeout=10.0) as browser:
        return browser.get(redirected)


def test_two_processes_log_in_at_once_through_one_port(
    start: Callable[[], LoginProcess],
) -> None:
    first = start()
    first_url = first.line()["url"]  # pending: it holds the port
    second = start()
    second_url = second.line()["url"]  # pending too
    # The second login's answer first, then the first's: each reaches its own process.
    assert follow(authorize_in_browser(second_url)).status_code == 200
    assert follow(authorize_in_browser(first_url)).status_code == 200
    assert first.line() == {"user": "ada@example.com"}
    assert second.line() == {"user": "ada@example.com"}


def test_when_the_process_holding_the_port_ends_another_takes_it_over(
    start: Callable[[], LoginProcess],
) -> None:
    first = start()
    assert "url" in first.line()  # pending: it holds the port
    second = start()
    second_url = second.line()["url"]
    first.process.send_signal(signal.SIGKILL)  # the kernel holding the port dies
    first.process.wait(TIMEOUT)
    # The second process binds the port now; its login goes on.
    assert follow(authorize_in_browser(second_url)).status_code == 200
    assert second.line() == {"user": "ada@example.com"}
