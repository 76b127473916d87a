"""Several kernels on one machine share a loopback redirect URI's single port (the ``voila``
command's viewers, two notebooks in VS Code): whoever binds it first takes Looker's answer for
all, and hands each answer to the kernel that started that login and to no one else.

Real processes, each running a login on its own ``LoopbackReceiver`` against the Looker stand-in;
httpx as the browser.
"""

from __future__ import annotations

import json
import signal
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

import httpx
import pytest
from support import free_port, port_is_free, user_environment

from looker_nb_auth import Secret
from looker_nb_auth.client.loopback import LoopbackReceiver
from looker_nb_auth.client.loopback_key import loopback_key
from looker_nb_auth.client.loopback_listener import PEER_HEADER, PEER_PREFIX
from looker_nb_auth.fake_looker import FakeLooker, authorize_in_browser
from looker_nb_auth.oauth.state import new_state

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
    env = user_environment(tmp_path)  # this user's key for the shared listener

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


# -- in one process: two receivers stand for two kernels ------------------------------------


@pytest.fixture
def key_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LOOKER_NB_AUTH_CACHE_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture
def two_kernels(key_dir: Path, redirect_uri: str) -> Iterator[tuple[LoopbackReceiver, ...]]:
    """The first holds the port; the second registers its logins there."""
    holder, other = LoopbackReceiver(redirect_uri), LoopbackReceiver(redirect_uri)
    yield holder, other
    other.close()
    holder.close()


def peer_post(redirect_uri: str, op: str, body: dict[str, object], key: str | None) -> int:
    headers = {PEER_HEADER: key} if key is not None else {}
    base = redirect_uri.split("/looker-nb-auth/")[0]
    with httpx.Client(trust_env=False, timeout=10.0) as client:
        return client.post(f"{base}{PEER_PREFIX}{op}", json=body, headers=headers).status_code


def test_only_this_users_kernels_may_register_there(
    two_kernels: tuple[LoopbackReceiver, ...], redirect_uri: str, key_dir: Path
) -> None:
    holder, _ = two_kernels
    holder.register(new_state())
    body = {"state": new_state(), "owner": "someone"}
    assert peer_post(redirect_uri, "register", body, key=None) == 403  # a page, another user
    assert peer_post(redirect_uri, "register", body, key="A" * 43) == 403
    assert peer_post(redirect_uri, "register", body, key=loopback_key()) == 201


def test_the_answer_goes_only_to_the_kernel_that_registered_its_state(
    two_kernels: tuple[LoopbackReceiver, ...], redirect_uri: str
) -> None:
    holder, other = two_kernels
    holder.register(new_state())
    state = new_state()
    other.register(state)  # the port is taken: registered on the holder's listener
    assert follow(f"{redirect_uri}?code=the-code&state={state}").status_code == 200
    key = loopback_key()
    # a third kernel that knows the state (and the key) does not get the code
    assert peer_post(redirect_uri, "pickup", {"state": state, "owner": "x", "wait": 0}, key) == 404
    assert peer_post(redirect_uri, "forget", {"state": state, "owner": "x"}, key) == 204
    assert holder.wait(state, timeout=0) is None  # nor does the kernel holding the port
    result = other.wait(state, timeout=TIMEOUT)
    assert result is not None and result.code == Secret("the-code")


def test_cancel_in_a_kernel_without_the_port_reaches_its_waiting_login(
    two_kernels: tuple[LoopbackReceiver, ...],
) -> None:
    holder, other = two_kernels
    holder.register(new_state())
    state = new_state()
    other.register(state)
    results: list[object] = []
    waiting = threading.Thread(target=lambda: results.append(other.wait(state, timeout=TIMEOUT)))
    waiting.start()
    # Parked there or about to be: either way the wait ends with no code.
    other.forget(state)
    waiting.join(TIMEOUT)
    assert not waiting.is_alive()
    (result,) = results
    assert result is None or getattr(result, "error", None) == "cancelled"


def test_the_port_stays_while_another_kernels_login_is_pending(
    two_kernels: tuple[LoopbackReceiver, ...], redirect_uri: str
) -> None:
    holder, other = two_kernels
    mine, theirs = new_state(), new_state()
    holder.register(mine)
    other.register(theirs)
    holder.forget(mine)  # the holder's own login ends: it keeps listening for the other's
    port = urlsplit(redirect_uri).port or 80
    assert not port_is_free(port)
    assert follow(f"{redirect_uri}?code=c&state={theirs}").status_code == 200
    assert other.wait(theirs, timeout=TIMEOUT) is not None
    assert port_is_free(port)  # nothing pending anywhere: the port is let go


def test_when_the_holder_closes_a_waiting_kernel_takes_the_port_over(
    two_kernels: tuple[LoopbackReceiver, ...], redirect_uri: str
) -> None:
    holder, other = two_kernels
    holder.register(new_state())
    state = new_state()
    other.register(state)
    holder.close()  # its kernel shuts down: the port is free, the other's login lost there
    # The other kernel's wait finds its listener gone, binds the port and keeps its login there.
    assert other.wait(state, timeout=2.0) is None  # no answer yet; still pending
    port = urlsplit(redirect_uri).port or 80
    assert not port_is_free(port)
    assert follow(f"{redirect_uri}?code=c&state={state}").status_code == 200
    result = other.wait(state, timeout=TIMEOUT)
    assert result is not None and result.code == Secret("c")


def test_the_key_is_this_users_alone(key_dir: Path) -> None:
    key = loopback_key()
    assert key is not None and len(key) >= 43
    path = key_dir / "loopback.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert loopback_key() == key  # the same for every kernel
    path.chmod(0o644)  # readable by others: not used
    assert loopback_key() is None
