"""A query's progress line, where the user looks: on a real terminal, and in a real IPython kernel.

The terminal rows run a script on a pseudo-terminal (its stderr the pty's slave end, as in a
terminal window); the script starts its own Looker stand-in on the real clock, logs in through
Looker's pages and runs ``session.run_look(1)``. The test reads the terminal as it fills up.

The kernel rows start a real ipykernel with ``jupyter_client`` (no Jupyter server) and read its
iopub channel as a notebook front end does: the ``display_data`` that opens the status line and
the ``update_display_data`` messages that rewrite it. The stand-in runs in this process, so the
test sets how long the query task runs and sees the requests the kernel makes.
"""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import threading
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kernels import Cell, FrontEnd, start_front_end
from support import PtyCommand, clean_environment

from looker_nb_auth.fake_looker import FakeLooker

TIMEOUT = 60.0  # a bound for every wait, never reached when things work
GUID = "progress-tests"
REDIRECT = "http://127.0.0.1:8888/looker-nb-auth/callback"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")

#: Logs in to a stand-in of its own (real clock), then runs Look 1, whose task runs argv[1]
#: seconds, with ``progress=`` argv[2]; prints the rows and how long run_look took.
SCRIPT = f"""\
import sys, time
from looker_nb_auth import LookerSession
from looker_nb_auth.fake_looker import FakeLooker, authorize_in_browser

seconds, progress = float(sys.argv[1]), sys.argv[2] == "on"
with FakeLooker() as looker:
    looker.register_app({GUID!r}, {REDIRECT!r}, display_name="progress", description="Tests.")
    session = LookerSession(
        base_url=looker.api_url, client_guid={GUID!r}, redirect_uri={REDIRECT!r}
    )
    session.complete_login(authorize_in_browser(session.start_login().url))
    looker.config.query_task_seconds = seconds
    started = time.monotonic()
    frame = session.run_look(1, progress=progress)
    print(f"rows: {{len(frame)}} in {{time.monotonic() - started:.2f}} s", flush=True)
"""
DONE = re.compile(r"rows: 4 in (\d+\.\d\d) s\n")


def _environment() -> dict[str, str]:
    return {**clean_environment(), "PYTHONUNBUFFERED": "1"}


def _screen(raw: str) -> list[str]:
    """The rows a terminal shows after ``raw``: ``\r`` goes back to the row's start and later
    text overwrites it, a wide character (``表``) takes two columns (half of one overwritten
    erases it). Trailing blanks are dropped."""
    rows: list[str] = []
    row: list[str] = []  # one entry per column; "" is the right half of a wide character
    column = 0
    for char in raw:
        if char == "\r":
            column = 0
        elif char == "\n":
            rows.append("".join(row).rstrip())
            row, column = [], 0
        else:
            width = 2 if unicodedata.east_asian_width(char) in "WF" else 1
            row += [" "] * (column + width - len(row))
            if row[column] == "" and column > 0:
                row[column - 1] = " "
            end = column + width - 1
            if end + 1 < len(row) and row[end + 1] == "" and row[end] != "":
                row[end + 1] = " "
            row[column : column + width] = [char] + [""] * (width - 1)
            column += width
    rows.append("".join(row).rstrip())
    return rows


class Terminal(PtyCommand):
    """The script on a pseudo-terminal (stderr too, unless ``stderr`` is given)."""

    def __init__(
        self,
        args: list[str],
        cwd: Path,
        *,
        stderr: int | None = None,
        environment: dict[str, str] | None = None,
    ) -> None:
        super().__init__(args, {**_environment(), **(environment or {})}, cwd, stderr=stderr)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Callable[..., Terminal]]:
    script = tmp_path / "look.py"
    script.write_text(SCRIPT)
    started: list[Terminal] = []

    def start(
        seconds: float,
        progress: str = "on",
        *,
        stderr: int | None = None,
        environment: dict[str, str] | None = None,
    ) -> Terminal:
        term = Terminal(
            [sys.executable, str(script), str(seconds), progress],
            tmp_path,
            stderr=stderr,
            environment=environment,
        )
        started.append(term)
        return term

    yield start
    for term in started:
        term.close()


# -- on a terminal --------------------------------------------------------------------------------


def test_a_long_query_shows_a_line_rewritten_in_place_then_what_came_back(
    terminal: Callable[..., Terminal],
) -> None:
    term = terminal(1.5)
    running = r"Look 1: Looker is running the query… \d+\.\d s"
    shown = term.read_until(re.compile(running))
    assert "rows:" not in shown  # run_look has not returned: the line shows while Looker runs
    assert re.match("\r" + running, term.raw), term.raw  # at the start of the line
    assert re.fullmatch(running, _screen(term.raw)[-1]), term.raw

    term.read_until("rows: 4")
    assert term.finish() == 0
    raw = term.raw
    final = re.search(r"\rLook 1: done, 4 rows in (\d+\.\d) s *\r\n", raw)
    assert final is not None, raw
    assert float(final.group(1)) >= 1.5  # the task ran 1.5 s: the line says how long it took
    status, after = raw[: final.start()], raw[final.end() :]
    assert "\n" not in status  # every update rewrote the one line (\r), none added a line
    assert status.count("\r") >= 1 and status.startswith("\rLook 1: Looker is running")
    assert DONE.fullmatch(after.replace("\r\n", "\n")), after  # the line ended with its newline
    # What the terminal shows in the end: the final line, with nothing of the earlier ones left.
    shows = _screen(raw)
    assert shows[0] == f"Look 1: done, 4 rows in {final.group(1)} s", repr(raw)
    assert shows[1:] == [after.replace("\r\n", ""), ""], repr(raw)


def test_progress_false_shows_nothing(terminal: Callable[..., Terminal]) -> None:
    term = terminal(1.5, "off")
    assert term.finish() == 0
    done = DONE.fullmatch(term.output)
    assert done is not None, term.raw  # the run's own print, and nothing else
    assert float(done.group(1)) >= 1.5  # long enough that a line would have shown


#: A query faster than this shows nothing; a generous threshold, so a busy machine cannot turn
#: the quick query below into a slow one.
QUICK = {"LOOKER_NB_AUTH_PROGRESS_AFTER": "20"}


def test_a_quick_query_shows_nothing(terminal: Callable[..., Terminal]) -> None:
    term = terminal(0, environment=QUICK)
    assert term.finish() == 0
    assert DONE.fullmatch(term.output), term.raw


def test_nothing_is_written_to_a_stderr_that_is_not_a_terminal(
    terminal: Callable[..., Terminal],
) -> None:
    """stdout is still the terminal; stderr is a pipe (a log file, a cron job's mail)."""
    term = terminal(1.5, stderr=subprocess.PIPE)
    assert term.finish() == 0
    assert term.process.stderr is not None
    errors = term.process.stderr.read()
    term.process.stderr.close()
    assert errors == b""
    done = DONE.fullmatch(term.output)  # and nothing on stdout's terminal either
    assert done is not None, term.raw
    assert float(done.group(1)) >= 1.5


# -- in an IPython kernel -------------------------------------------------------------------------


def status_line(cell: Cell) -> list[dict[str, Any]]:
    """The status line's messages in ``cell``: its display_data, then its update_display_data."""
    return [
        m["content"]
        for m in cell.of("display_data", "update_display_data")
        if "looker-nb-auth-progress" in m["content"]["data"].get("text/html", "")
    ]


@pytest.fixture
def stand_in() -> Iterator[FakeLooker]:
    with FakeLooker() as looker:
        looker.register_app(GUID, REDIRECT, display_name="progress", description="Tests.")
        yield looker


@pytest.fixture
def kernel(tmp_path: Path, stand_in: FakeLooker) -> Iterator[FrontEnd]:
    """A kernel logged in to the stand-in (the login's pages walked from inside the kernel)."""
    kernel = start_front_end(tmp_path, _environment(), FrontEnd)
    try:
        kernel.run(
            "from looker_nb_auth import LookerSession\n"
            "from looker_nb_auth.fake_looker import authorize_in_browser\n"
            f"session = LookerSession(base_url={stand_in.api_url!r}, client_guid={GUID!r}, "
            f"redirect_uri={REDIRECT!r})\n"
            "session.complete_login(authorize_in_browser(session.start_login().url))\n"
        )
        yield kernel
    finally:
        kernel.close()


def _display_id(content: dict[str, Any]) -> str:
    display_id = content.get("transient", {}).get("display_id")
    assert isinstance(display_id, str) and display_id, content
    return display_id


def _check_bundle(content: dict[str, Any]) -> str:
    """The status line's text/plain; its HTML is the same text in the package's div."""
    data = content["data"]
    text = data["text/plain"]
    html = data["text/html"]
    assert html.startswith('<div class="looker-nb-auth-progress"'), html
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert html.endswith(f">{escaped}</div>"), (html, text)
    return str(text)


def test_in_a_kernel_the_line_is_one_display_updated_in_place(
    kernel: FrontEnd, stand_in: FakeLooker
) -> None:
    stand_in.config.query_task_seconds = 1.5
    cell = kernel.run("frame = session.run_look(1)\nframe")

    first, *updates = status_line(cell)
    display_id = _display_id(first)
    assert cell.of("display_data")[0]["content"] is first  # opened once, as a display_data
    assert len(cell.of("display_data")) == 1  # ...and never a second line
    assert updates, "the line was never updated"
    assert all(_display_id(u) == display_id for u in updates)
    assert [m["content"] for m in cell.of("update_display_data")] == updates
    lines = [_check_bundle(content) for content in status_line(cell)]
    assert lines[0].startswith("Look 1: Looker is running the query… "), lines
    assert re.fullmatch(r"Look 1: done, 4 rows in \d+\.\d s", lines[-1]), lines
    assert not any(line.startswith("Look 1: done") for line in lines[:-1]), lines
    # The DataFrame comes after the line's last word.
    kinds = [m["msg_type"] for m in cell.messages]
    assert kinds.index("execute_result") > len(kinds) - 1 - kinds[::-1].index("update_display_data")
    (result,) = cell.of("execute_result")
    assert "<table" in result["content"]["data"]["text/html"]


def test_in_a_kernel_a_quick_query_shows_no_line(kernel: FrontEnd, stand_in: FakeLooker) -> None:
    stand_in.config.query_task_seconds = 0
    kernel.run(f"import os\nos.environ.update({QUICK!r})")
    cell = kernel.run("frame = session.run_look(1)\nprint(len(frame))")
    assert cell.of("display_data", "update_display_data") == []
    (printed,) = cell.of("stream")
    assert printed["content"]["text"] == "4\n"


def test_an_interrupted_query_ends_its_line_with_the_cancel_and_stops_at_looker(
    kernel: FrontEnd, stand_in: FakeLooker
) -> None:
    stand_in.config.query_task_seconds = 600
    cell = kernel.execute("session.run_look(1)")
    # The line shows once Looker has run the task for a while: the query is under way.
    kernel.until("the status line", lambda: bool(status_line(cell)))
    polled = [
        p
        for m, p in stand_in.requests
        if m == "GET" and re.search(r"/query_tasks/[^/]+/results", p)
    ]
    assert polled, stand_in.requests
    task_id = polled[-1].split("/")[-2]
    kernel.manager.interrupt_kernel()
    reply = kernel.reply(cell)

    assert reply["status"] == "error"
    assert reply["ename"] == "QueryCancelled"
    assert [_ANSI.sub("", line) for line in reply["traceback"]] == [
        f"QueryCancelled: {reply['evalue']}"
    ]  # one sentence, no traceback
    assert reply["evalue"].startswith("The query was cancelled after ")
    assert reply["evalue"].endswith(" s and stopped at Looker; nothing of its result was kept.")
    (error,) = cell.of("error")
    assert error["content"]["ename"] == "QueryCancelled"

    lines = [_check_bundle(content) for content in status_line(cell)]
    assert {_display_id(content) for content in status_line(cell)} == {
        _display_id(status_line(cell)[0])
    }
    assert re.fullmatch(r"Look 1: stopped after \d+\.\d s; see below\.", lines[-1]), lines
    assert not any(reply["evalue"] in line for line in lines)  # the sentence is said once
    # The line's last word came before the error.
    kinds = [m["msg_type"] for m in cell.messages]
    assert kinds.index("error") > len(kinds) - 1 - kinds[::-1].index("update_display_data")

    assert ("DELETE", f"/api/4.0/running_queries/{task_id}") in stand_in.requests
    status = kernel.run(f"print(session.client.get('query_tasks/{task_id}').json()['status'])")
    assert [m["content"]["text"] for m in status.of("stream")] == ["killed\n"]


def test_ctrl_c_while_the_line_is_opened_keeps_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """Kernel > Interrupt may land while ``display()`` opens the line, after the front end got
    it: the line's end must still update that line, not open a second one. A kernel has other
    threads, and the signal sent to the process may go to any of them, while Python runs its
    handler in the main thread all the same: here it goes to a bystander thread, and the test
    waits until Python's C handler has run there (its wakeup byte) before the line goes on."""
    from types import SimpleNamespace

    import IPython
    import IPython.display

    from looker_nb_auth.notebook import progress as progress_module

    sent: list[tuple[str, str]] = []
    woken, wakeup = socket.socketpair()
    wakeup.setblocking(False)
    other = threading.Event()
    bystander = threading.Thread(target=other.wait)

    class Handle:
        def __init__(self, display_id: str) -> None:
            self.display_id = display_id

        def update(self, bundle: dict[str, str], raw: bool) -> None:
            sent.append((self.display_id, bundle["text/plain"]))

    def display(bundle: dict[str, str], raw: bool, display_id: bool) -> Handle:
        handle = Handle(f"line-{len(sent)}")
        sent.append((handle.display_id, bundle["text/plain"]))
        if len(sent) == 1:  # the interrupt, once the front end has the line
            assert bystander.ident is not None
            signal.pthread_kill(bystander.ident, signal.SIGINT)
            woken.recv(1)  # the signal has been taken, in the bystander thread
        return handle

    monkeypatch.setattr(IPython, "get_ipython", lambda: SimpleNamespace(kernel=object()))
    monkeypatch.setattr(IPython.display, "display", display)
    ticks = iter(range(100))
    line = progress_module.Progress("Look 1", clock=lambda: float(next(ticks)))
    bystander.start()
    previous = signal.set_wakeup_fd(wakeup.fileno())
    try:
        with pytest.raises(KeyboardInterrupt):
            line.running()
    finally:
        signal.set_wakeup_fd(previous)
        other.set()
        bystander.join()
        woken.close()
        wakeup.close()
    line.failed(stopped=True)
    assert [display_id for display_id, _ in sent] == ["line-0", "line-0"], sent
    assert sent[-1][1].startswith("Look 1: stopped after ")
