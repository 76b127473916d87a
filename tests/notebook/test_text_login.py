"""login() outside a notebook front end: plain Python, an IPython terminal, a script.

The login runs in a real child process against the Looker stand-in; the test plays the person:
it reads what the process prints, logs in on Looker's real pages, and pastes or follows the
redirect.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from support import clean_environment

from looker_nb_auth.fake_looker import FakeLooker, authorize_in_browser

PASTE_GUID = "text-paste"
PASTE_REDIRECT = "https://notebooks.example/looker-nb-auth/callback"
TIMEOUT = 60


def _script(tmp_path: Path, looker: FakeLooker, redirect_uri: str, guid: str, wait: bool) -> Path:
    script = tmp_path / "login_script.py"
    script.write_text(
        "from looker_nb_auth import login\n"
        f"session = login({looker.api_url!r}, client_guid={guid!r}, "
        f"redirect_uri={redirect_uri!r}, wait={wait!r})\n"
        "print('USER', session.user.email if session.is_logged_in else None, flush=True)\n"
    )
    return script


@pytest.fixture
def paste_app(looker: FakeLooker) -> None:
    looker.register_app(PASTE_GUID, PASTE_REDIRECT, display_name="text", description="Text.")


def _run(command: list[str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, cwd=cwd, env=clean_environment(PYTHONUNBUFFERED="1"),
    )  # fmt: skip


def _lines_until(process: subprocess.Popen[str], marker: str) -> list[str]:
    """What the process printed up to and including the first line containing ``marker``."""
    assert process.stdout is not None
    lines: list[str] = []
    while marker not in (lines[-1] if lines else ""):
        line = process.stdout.readline()
        assert line, f"the process ended before printing {marker!r}: {lines}"
        lines.append(line.rstrip("\n"))
    return lines


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        process.kill()
        process.communicate(timeout=TIMEOUT)  # reaps it and closes its pipes


@pytest.mark.parametrize("python", [["python"], ["python", "-m", "IPython", "--no-banner"]])
def test_wait_in_a_terminal_prints_the_url_and_asks_for_the_pasted_address(
    looker: FakeLooker,
    paste_app: None,
    tmp_path: Path,
    processes: list[subprocess.Popen[str]],
    python: list[str],
) -> None:
    script = _script(tmp_path, looker, PASTE_REDIRECT, PASTE_GUID, wait=True)
    process = _run([sys.executable, *python[1:], str(script)], tmp_path)
    processes.append(process)
    printed = _lines_until(process, "/auth?")
    assert printed[-2:] == ["Open this URL, log in to Looker and allow access:", printed[-1]]
    redirected = authorize_in_browser(printed[-1].strip())
    assert process.stdin is not None
    process.stdin.write(redirected + "\n")
    process.stdin.flush()
    (done,) = _lines_until(process, "USER")[-1:]
    assert done.endswith(
        "Then paste the address of the page Looker sent you to: USER ada@example.com"
    )
    assert process.wait(TIMEOUT) == 0


def test_without_wait_a_script_says_how_to_finish(
    looker: FakeLooker, paste_app: None, tmp_path: Path
) -> None:
    script = _script(tmp_path, looker, PASTE_REDIRECT, PASTE_GUID, wait=False)
    process = _run([sys.executable, str(script)], tmp_path)
    out, _ = process.communicate(timeout=TIMEOUT)
    lines = out.splitlines()
    assert lines[0] == "Open this URL, log in to Looker and allow access:"
    assert "/auth?" in lines[1]
    assert lines[2:] == [
        "Then run session.complete_login('<the address Looker sent you to>').",
        "USER None",
    ]
    assert "LoginWidget object" not in out


def test_wait_on_a_loopback_redirect_uri_takes_the_browser_s_redirect(
    looker: FakeLooker, tmp_path: Path, processes: list[subprocess.Popen[str]]
) -> None:
    with socket.socket() as sock:  # a free port for the loopback redirect URI
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    redirect = f"http://127.0.0.1:{port}/looker-nb-auth/callback"
    looker.register_app("text-loopback", redirect, display_name="loop", description="Loop.")
    script = _script(tmp_path, looker, redirect, "text-loopback", wait=True)
    process = _run([sys.executable, str(script)], tmp_path)
    processes.append(process)
    printed = _lines_until(process, "Waiting for it")
    assert printed[-1] == (
        f"This process takes Looker's answer at {redirect}, so use a browser on this machine. "
        "Waiting for it (Ctrl-C stops)."
    )
    with httpx.Client(trust_env=False, timeout=30) as browser:
        page = browser.get(authorize_in_browser(printed[-2].strip()))
    assert page.status_code == 200
    assert _lines_until(process, "USER")[-1] == "USER ada@example.com"
    assert process.wait(TIMEOUT) == 0
