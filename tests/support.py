"""Shared test helpers: the registered app, and the whole code flow through Looker's pages."""

from __future__ import annotations

import codecs
import os
import pty
import re
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from looker_nb_auth import LookerSession, LookerUser
from looker_nb_auth.fake_looker import FakeLooker, ManualClock, authorize_in_browser

CLIENT_GUID = "looker-nb-auth-tests"
REDIRECT_URI = "http://127.0.0.1:8888/looker-nb-auth/callback"
ADA = "ada@example.com"
GRACE = "grace@example.com"


def make_session(looker: FakeLooker, clock: ManualClock, **kwargs: object) -> LookerSession:
    """A session on the stand-in whose token clock is the test's (expiry without sleeping)."""
    options: dict[str, object] = {
        "base_url": looker.api_url,
        "client_guid": CLIENT_GUID,
        "redirect_uri": REDIRECT_URI,
        **kwargs,
    }
    session = LookerSession(**options)  # type: ignore[arg-type]
    session._tokens.clock = clock.now
    return session


def log_in(session: LookerSession, email: str = ADA, *, approve: bool = True) -> LookerUser:
    """The whole code flow: authorize URL, Looker's login and consent forms, callback, redeem."""
    request = session.start_login()
    redirected = authorize_in_browser(request.url, email=email, approve=approve)
    return session.complete_login(redirected)


@contextmanager
def lock_held_elsewhere(cache_file: Path) -> Iterator[None]:
    """Another process (a frozen kernel, a hung mount) holds the cache file's lock meanwhile."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600); "
            "fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); sys.stdin.read()",
            str(cache_file.with_name(cache_file.name + ".lock")),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        yield
    finally:
        holder.communicate("")  # closes its stdin: it exits and the lock goes


@dataclass
class Demo:
    process: subprocess.Popen[bytes]
    terminal: Terminal
    url: str
    base: str
    headers: dict[str, str]
    folder: Path  # the demo's temporary folder (the notebooks are in its notebooks/)


class Terminal:
    """The demo's terminal: a pseudo-terminal, read line by line until it closes."""

    def __init__(self) -> None:
        self.master, self.slave = pty.openpty()
        self._reader = open(self.master, "rb", buffering=0)  # noqa: SIM115 - closed in close()

    def lines(self) -> Iterator[str]:
        buffer = b""
        while True:
            try:
                chunk = self._reader.read(4096)
            except OSError:  # EIO: every process holding the terminal has gone
                chunk = b""
            if not chunk:
                if buffer:
                    yield buffer.decode(errors="replace")
                return
            buffer += chunk
            *complete, buffer = buffer.split(b"\n")
            for line in complete:
                yield line.decode(errors="replace") + "\n"

    def close(self) -> None:
        self._reader.close()


PTY_TIMEOUT = 60.0  # a bound for waits on a terminal's output, never reached when things work


class PtyCommand:
    """A command running on a pseudo-terminal (stdin, stdout and, unless ``stderr`` is given,
    stderr), as in a person's terminal window."""

    def __init__(
        self, args: list[str], env: dict[str, str], cwd: Path, *, stderr: int | None = None
    ) -> None:
        master, slave = pty.openpty()
        try:
            self.process = subprocess.Popen(
                args,
                stdin=slave,
                stdout=slave,
                stderr=slave if stderr is None else stderr,
                env=env,
                cwd=cwd,
                close_fds=True,
            )
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)
        self._master = master
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.raw = ""  # what the terminal got, \r and all (its \n arrive as \r\n)
        self._ended = False

    @property
    def output(self) -> str:
        """Everything shown so far, with the terminal's \\r\\n as \\n."""
        return self.raw.replace("\r\n", "\n")

    def _read(self, deadline: float) -> bool:
        """Take what the terminal shows next; False once the command closed it."""
        remaining = deadline - time.monotonic()
        if self._ended or remaining <= 0:
            return False
        ready, _, _ = select.select([self._master], [], [], remaining)
        if not ready:
            return True
        try:
            chunk = os.read(self._master, 4096)
        except OSError:  # EIO: every end of the terminal's other side is closed
            chunk = b""
        if not chunk:
            self._ended = True
            return False
        self.raw += self._decoder.decode(chunk)
        return True

    def read_until(self, text: str | re.Pattern[str], timeout: float = PTY_TIMEOUT) -> str:
        """The output up to now, once it holds ``text`` (or a match of the pattern)."""
        deadline = time.monotonic() + timeout
        pattern = text if isinstance(text, re.Pattern) else re.compile(re.escape(text))
        while not pattern.search(self.output):
            if not self._read(deadline):
                raise AssertionError(f"no {text!r} on the terminal; it shows: {self.raw!r}")
        return self.output

    def interrupt(self, timeout: float = PTY_TIMEOUT) -> None:
        """Ctrl-C, as the terminal sends it: SIGINT (the pty is not the child's controlling
        terminal, so typing ^C would not). First wait until the command's main thread sleeps
        (in the read or wait that follows the text just read): a SIGINT that arrives before
        the read starts stays pending until a line is typed, for any Python program."""
        status = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/stat")
        deadline = time.monotonic() + timeout
        while status.read_text().rsplit(")", 1)[1].split()[0] != "S":
            assert time.monotonic() < deadline, "the command never waited for its input"
            time.sleep(0.005)  # polling the process's state, not guessing how long it takes
        self.process.send_signal(signal.SIGINT)

    def type(self, line: str) -> None:
        os.write(self._master, (line + "\n").encode())

    def finish(self, timeout: float = PTY_TIMEOUT) -> int:
        """Read until the command closes the terminal; its exit code."""
        deadline = time.monotonic() + timeout
        while self._read(deadline):
            pass
        return self.process.wait(max(deadline - time.monotonic(), 1.0))

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(PTY_TIMEOUT)
        os.close(self._master)


def clean_environment(**extra: str) -> dict[str, str]:
    """This process's environment without the package's, Looker's or JupyterHub's settings,
    plus ``extra``: what a child process (a kernel, the CLI) starts from."""
    dropped = ("LOOKERSDK_", "LOOKER_NB", "JUPYTERHUB_")
    return {**{k: v for k, v in os.environ.items() if not k.startswith(dropped)}, **extra}


def user_environment(cache_dir: Path, **extra: str) -> dict[str, str]:
    """One OS user's clean environment: its token cache (and the shared loopback port's key) in
    ``cache_dir``, as the 0600 file, no keyring; unbuffered output."""
    keyless = {k: v for k, v in clean_environment().items() if not k.startswith("PYTHON_KEYRING")}
    return {
        **keyless,
        "LOOKER_NB_AUTH_CACHE_DIR": str(cache_dir),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int) -> bool:
    """Nothing listens there (closed connections may linger in TIME_WAIT, as with any server
    that closes first: SO_REUSEADDR, which listeners set, ignores those)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def access_token(session: LookerSession) -> str:
    """The session's current access token, as the wire carries it."""
    token = session._tokens.token
    assert token is not None
    return token.access_token.reveal()


@contextmanager
def started_demo(command: list[str]) -> Iterator[Demo]:
    """``command`` (a ``looker-nb-auth demo``) on a terminal of its own, in its own process
    group, as a terminal runs it; yields once it printed the URL to open."""
    port = free_port()
    terminal = Terminal()
    process = subprocess.Popen(
        [*command, "--port", str(port)],
        stdin=terminal.slave,
        stdout=terminal.slave,
        stderr=terminal.slave,
        start_new_session=True,
    )
    os.close(terminal.slave)  # the demo (and whatever it starts) holds it now
    said: list[str] = []
    url = folder = None
    for line in terminal.lines():  # the demo prints the URL once JupyterLab answers
        said.append(line)
        if found := re.search(r"Notebooks copied to (\S+)", line):
            folder = Path(found.group(1)).parent
        if found := re.search(r"(http://127\.0\.0\.1:\d+/lab/tree/01-\S+\.ipynb\S+)", line):
            url = found.group(1).strip()
            break
    assert url is not None and folder is not None, f"the demo did not start: {said}"
    token = url.split("token=")[1]
    base = f"http://127.0.0.1:{port}"
    yield Demo(process, terminal, url, base, {"Authorization": f"token {token}"}, folder)
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    terminal.close()
