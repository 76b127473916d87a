"""A query's progress where the user looks: a status line under the cell, or on a terminal.

In a notebook (an IPython kernel) the line is a display that updates in place
(``display(..., display_id=True)``): it works in JupyterLab, Notebook 7, Voila, VS Code and
Colab without widgets. On a terminal it is one ``\\r``-rewritten line on stderr. Elsewhere (a
script whose stderr is a file, a cron job) nothing is shown. A query done within
`SHOW_AFTER` seconds (``LOOKER_NB_AUTH_PROGRESS_AFTER`` in the environment, if set) shows
nothing at all; one that shows says at the end what it brought back.

The line is words, "…" and digits only: no emoji or symbol glyph, which a browser without an
emoji font (Chromium on a plain Debian) draws as an empty box (``tests/notebook/test_glyphs.py``).
"""

from __future__ import annotations

import contextlib
import html
import os
import signal
import sys
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["SHOW_AFTER", "Progress"]

SHOW_AFTER = 0.5  # seconds before a status line appears (LOOKER_NB_AUTH_PROGRESS_AFTER)
_EVERY = 0.25  # seconds between updates


def _show_after() -> float:
    value = os.environ.get("LOOKER_NB_AUTH_PROGRESS_AFTER", "")
    try:
        return max(float(value), 0.0) if value else SHOW_AFTER
    except ValueError:
        return SHOW_AFTER


def _seconds(elapsed: float) -> str:
    if elapsed < 60:
        return f"{elapsed:.1f} s"
    minutes, seconds = divmod(int(elapsed), 60)
    return f"{minutes} min {seconds:02d} s"


def _size(count: int) -> str:
    if count < 1000:
        return f"{count:,} B"
    size = count / 1000
    for unit in ("kB", "MB"):
        if size < 1000:
            return f"{size:,.1f} {unit}"
        size /= 1000
    return f"{size:,.1f} GB"


def _columns(text: str) -> int:
    """The terminal columns ``text`` takes: wide characters (a Look's title in CJK) take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


@contextlib.contextmanager
def _whole() -> Iterator[None]:
    """Kernel > Interrupt (SIGINT) waits until the block is done, then lands: a line the front
    end was sent is a line the kernel knows it sent (else its end would open a second line).

    The interrupt is held by Python's handler, not by blocking the signal: a kernel has other
    threads, and the signal sent to the process goes to one that does not block it, while
    Python runs its handler in the main thread all the same (blocking it there held nothing).
    """
    if threading.current_thread() is not threading.main_thread() or (
        signal.getsignal(signal.SIGINT) is None  # a handler Python could not set back
    ):
        yield  # only the main thread may set a handler, and only it gets KeyboardInterrupt
        return
    caught: list[int] = []
    original = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, original)
        if caught:
            signal.raise_signal(signal.SIGINT)  # lands now, by the handler it was meant for


def _notebook_display() -> Callable[[str, bool], None] | None:
    """An updatable display in an IPython kernel, or None outside one."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        return None
    from IPython.display import display

    handle: Any = None

    def show(line: str, final: bool) -> None:
        nonlocal handle
        markup = (
            '<div class="looker-nb-auth-progress" style="font-family: var(--jp-ui-font-family,'
            f' sans-serif)">{html.escape(line, quote=False)}</div>'
        )
        html_bundle = {"text/html": markup, "text/plain": line}
        with _whole():
            if handle is None:
                handle = display(html_bundle, raw=True, display_id=True)  # type: ignore[no-untyped-call]
            else:
                handle.update(html_bundle, raw=True)

    return show


def _terminal_display() -> Callable[[str, bool], None] | None:
    stream = sys.stderr
    if not (hasattr(stream, "isatty") and stream.isatty()):
        return None
    width = 0

    def show(line: str, final: bool) -> None:
        nonlocal width
        # pad to the columns the last line took, so none of it stays on the screen
        padding = " " * max(width - _columns(line), 0)
        stream.write("\r" + line + padding + ("\n" if final else ""))
        stream.flush()
        width = 0 if final else _columns(line)

    return show


class Progress:
    """``running`` while Looker runs the query, ``receiving`` while the result arrives, then
    ``finished``/``failed``: each turns into a status line once `SHOW_AFTER` has passed."""

    def __init__(
        self,
        what: str,
        *,
        enabled: bool = True,
        started: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._what = what
        self._clock = clock
        self._started = clock() if started is None else started
        self._after = _show_after()
        self._last = 0.0
        self._shown = False
        self._show: Callable[[str, bool], None] | None = None
        if enabled:
            self._show = _notebook_display() or _terminal_display()
        self.rows = 0
        self.received = 0

    @property
    def elapsed(self) -> float:
        return self._clock() - self._started

    def _line(self, line: str, *, final: bool = False) -> None:
        if self._show is None:
            return
        now = self._clock()
        if not self._shown and (final or now - self._started < self._after):
            return  # quick queries show nothing; a quiet final line stays quiet
        if not final and now - self._last < _EVERY:
            return
        self._last = now
        self._shown = True
        self._show(line, final)

    def running(self) -> None:
        self._line(f"{self._what}: Looker is running the query… {_seconds(self.elapsed)}")

    def receiving(self, received: int) -> None:
        self.received = received
        rows = f"{self.rows:,} rows, " if self.rows else ""
        size = f"{_size(received)}, " if received else ""
        self._line(f"{self._what}: receiving the result… {rows}{size}{_seconds(self.elapsed)}")

    def counted(self, rows: int) -> None:
        self.rows = rows
        self.receiving(self.received)

    def finished(self, rows: int) -> None:
        self._line(f"{self._what}: done, {rows:,} rows in {_seconds(self.elapsed)}", final=True)

    def failed(self, *, stopped: bool) -> None:
        """The call raised: the line says it ended and points at the error, whose sentence the
        cell shows once, right below."""
        how = "stopped" if stopped else "failed"
        self._line(f"{self._what}: {how} after {_seconds(self.elapsed)}; see below.", final=True)
