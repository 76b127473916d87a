"""A real ipykernel driven as a notebook front end drives it, over jupyter_client's channels.

Cells go out on the shell channel; their iopub messages are kept per cell, in order. No Jupyter
server: the way VS Code, Colab or a remote kernel start one.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from jupyter_client.manager import KernelManager

TIMEOUT = 60.0  # a bound for each wait on the kernel, never reached when things work

F = TypeVar("F", bound="FrontEnd")


@dataclass
class Cell:
    """What one execute request produced on iopub, in order."""

    msg_id: str
    messages: list[dict[str, Any]] = field(default_factory=list)
    idle: bool = False

    def of(self, *kinds: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["msg_type"] in kinds]

    @property
    def stdout(self) -> str:
        return "".join(m["content"]["text"] for m in self.of("stream") if _is_stdout(m))

    @property
    def shown(self) -> list[dict[str, Any]]:
        """The data of each display_data, as a front end would render it."""
        return [m["content"]["data"] for m in self.of("display_data")]

    @property
    def errors(self) -> list[str]:
        return [f"{m['content']['ename']}: {m['content']['evalue']}" for m in self.of("error")]


def _is_stdout(message: Mapping[str, Any]) -> bool:
    return bool(message["content"]["name"] == "stdout")


class FrontEnd:
    """A kernel, its channels, and the cells sent to it."""

    def __init__(self, manager: KernelManager) -> None:
        self.manager = manager
        self.client = manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=TIMEOUT)
        self.cells: dict[str, Cell] = {}
        self.seen: list[str] = []  # the iopub message types so far, for failure messages

    def close(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)

    def take(self, msg: dict[str, Any]) -> None:
        """One iopub message: kept with the cell it answers (subclasses look at more)."""
        self.seen.append(msg["msg_type"])
        cell = self.cells.get(msg["parent_header"].get("msg_id", ""))
        if cell is None:
            return
        cell.messages.append(msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            cell.idle = True

    def until(self, what: str, done: Callable[[], bool]) -> None:
        """Read iopub until ``done()`` holds; fail after ``TIMEOUT`` saying what was awaited."""
        deadline = time.monotonic() + TIMEOUT
        while not done():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                pytest.fail(f"no {what} within {TIMEOUT:g} s; iopub said {self.seen[-20:]}")
            try:
                msg = self.client.get_iopub_msg(timeout=remaining)
            except queue.Empty:  # the deadline check above reports it
                continue
            self.take(msg)

    def execute(self, code: str, *, allow_stdin: bool = False) -> Cell:
        """Send a cell; returns at once (``run`` waits for it)."""
        msg_id = self.client.execute(code, allow_stdin=allow_stdin)
        cell = self.cells[msg_id] = Cell(msg_id)
        return cell

    def reply(self, cell: Cell) -> dict[str, Any]:
        """Wait for the end of the cell; its execute reply's content."""
        self.until(f"end of cell {cell.msg_id}", lambda: cell.idle)
        deadline = time.monotonic() + TIMEOUT
        while True:  # skip replies to others (wait_for_ready may have sent kernel_info twice)
            reply = self.client.get_shell_msg(timeout=max(deadline - time.monotonic(), 0.1))
            if reply["parent_header"].get("msg_id") == cell.msg_id:
                content: dict[str, Any] = reply["content"]
                return content

    def finish(self, cell: Cell) -> Cell:
        """Wait until the cell ran; it must have succeeded."""
        reply = self.reply(cell)
        assert reply["status"] == "ok" and not cell.errors, (reply, cell.of("error", "stream"))
        return cell

    def run(self, code: str) -> Cell:
        return self.finish(self.execute(code))

    def input_request(self) -> dict[str, Any]:
        """The kernel's ``input()``, as it reaches a front end on the stdin channel."""
        msg = self.client.get_stdin_msg(timeout=TIMEOUT)
        assert msg["msg_type"] == "input_request", msg
        content: dict[str, Any] = msg["content"]
        return content


def start_front_end(cwd: Path, env: dict[str, str], kind: type[F]) -> F:
    """A new ipykernel started with ``jupyter_client`` alone, and its front end."""
    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(cwd=str(cwd), env=env)
    try:
        return kind(manager)
    except BaseException:
        manager.shutdown_kernel(now=True)
        raise
