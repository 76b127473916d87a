"""A terminal login (``looker-nb-auth login``) whose loopback port a notebook's kernel already
holds: the kernel's listener serves the callback page, and the page sends the person back to the
terminal, not to a notebook.

Real processes: a kernel-like process holding the port with a login of its own, and the real
command on a pseudo-terminal, against the Looker stand-in; httpx as the browser.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from admin_helpers import console_script
from support import PtyCommand, free_port, user_environment

from looker_nb_auth.fake_looker import FakeLooker, authorize_in_browser

GUID = "shared-loopback-terminal"
TIMEOUT = 60.0  # a bound for each wait on a process, never reached when things work

# A notebook's kernel with a login pending on the loopback port, so it holds the port: prints
# "holding" once it does, lets go when its stdin closes.
_HOLDER = """
import sys
from looker_nb_auth.client.loopback import LoopbackReceiver
from looker_nb_auth.oauth.state import new_state

receiver = LoopbackReceiver(sys.argv[1])
receiver.register(new_state())
print("holding", flush=True)
sys.stdin.read()
receiver.close()
"""


@pytest.fixture
def redirect_uri(looker: FakeLooker) -> str:
    uri = f"http://127.0.0.1:{free_port()}/looker-nb-auth/callback"
    looker.register_app(GUID, uri, display_name="shared", description="Shared loopback tests.")
    return uri


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """One OS user's environment for both: the same key for the shared port, no keyring."""
    return user_environment(tmp_path / "cache")


@pytest.fixture
def kernel_holding_the_port(redirect_uri: str, env: dict[str, str]) -> Iterator[None]:
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, redirect_uri],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert holder.stdin is not None and holder.stdout is not None
    try:
        assert holder.stdout.readline() == "holding\n"
        yield
    finally:
        holder.stdin.close()  # it lets go of the port and exits
        try:
            holder.wait(TIMEOUT)
        finally:
            if holder.poll() is None:
                holder.kill()
                holder.wait(TIMEOUT)
            holder.stdout.close()


@pytest.fixture
def terminal_login(
    looker: FakeLooker, redirect_uri: str, env: dict[str, str], tmp_path: Path
) -> Iterator[PtyCommand]:
    where = ["--base-url", looker.api_url, "--client-guid", GUID, "--redirect-uri", redirect_uri]
    login = PtyCommand([*console_script(), "login", *where], env, tmp_path)
    yield login
    login.close()


@pytest.mark.parametrize(
    ("approve", "sentence", "exit_code"),
    [
        (
            True,
            "You are logged in to Looker. You can close this window and return to your terminal.",
            0,
        ),
        (
            False,
            "You did not allow access in Looker; run looker-nb-auth login in your terminal to "
            "try again.",
            1,
        ),
    ],
)
@pytest.mark.usefixtures("kernel_holding_the_port")
def test_a_terminal_login_served_by_a_kernel_s_listener_sends_the_person_back_to_the_terminal(
    terminal_login: PtyCommand, approve: bool, sentence: str, exit_code: int
) -> None:
    url = terminal_login.read_until("(Ctrl-C stops).\n", TIMEOUT).splitlines()[1]
    with httpx.Client(trust_env=False, timeout=TIMEOUT) as browser:
        page = browser.get(authorize_in_browser(url, approve=approve))
    assert terminal_login.finish(TIMEOUT) == exit_code
    assert f"<h1>{sentence}</h1>" in page.text
    assert "notebook" not in page.text
