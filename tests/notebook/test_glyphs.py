"""Every character the progress line and the login widget's sentences can show has a glyph in
the fonts a Debian Chromium draws with, so none is an empty box.

Those fonts: DejaVu Sans (``fonts-dejavu-core``, the first choice of ``fontconfig-config``'s
dependency and Debian's ``sans-serif``) and Liberation Sans (``fonts-liberation``, recommended by
``chromium-common``; fontconfig maps JupyterLab's ``helvetica, arial`` to it). Either may be the
only one installed, so a character must be in both. No emoji font is assumed: "⏳" (U+23F3) is in
neither, "⬇" (U+2B07) and "✔" (U+2714) only in DejaVu Sans.
"""

from __future__ import annotations

import ast
import io
import sys
import unicodedata
from pathlib import Path

import pytest

from looker_nb_auth.notebook import progress as progress_module
from looker_nb_auth.notebook.progress import Progress
from looker_nb_auth.notebook.widget import FALLBACK, TEXTS

PACKAGE = Path(progress_module.__file__).resolve().parents[1]

#: The characters beyond ASCII allowed in what the user reads. Each is in DejaVu Sans Book and in
#: Liberation Sans Regular: ``fc-list "DejaVu Sans:style=Book:charset=2026" file`` and
#: ``fc-list "Liberation Sans:style=Regular:charset=2026" file`` both list a file (Debian 12:
#: fonts-dejavu-core 2.37, fonts-liberation 1.07.4), and likewise for each code point here.
COVERED = {
    "\u00a0",  # no-break space
    "\u00b7",  # middle dot
    "\u00d7",  # multiplication sign
    "\u2013",  # en dash
    "\u2014",  # em dash
    "\u2019",  # right single quotation mark
    "\u201c",  # left double quotation mark
    "\u201d",  # right double quotation mark
    "\u2022",  # bullet
    "\u2026",  # horizontal ellipsis
    "\u2192",  # rightwards arrow
    "\u2193",  # downwards arrow
}


def uncovered(text: str) -> list[str]:
    """The characters of ``text`` that a default font may lack, as ``'⏳' U+23F3 HOURGLASS…``."""
    return [
        f"{char!r} U+{ord(char):04X} {unicodedata.name(char, '?')}"
        for char in dict.fromkeys(text)
        if not (char.isascii() or char in COVERED)  # ASCII: every font; controls: no glyph
    ]


class Terminal(io.StringIO):
    """What a terminal receives on stderr (the progress line writes only to a terminal)."""

    def isatty(self) -> bool:
        return True


class Clock:
    """A clock the test moves: every line shows at once, with no waiting."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


def progress_lines(monkeypatch: pytest.MonkeyPatch) -> str:
    """Every kind of line a query's progress shows: running, receiving, counted, finished, and
    failed, on a terminal (the text a notebook shows is the same line)."""
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    done = Progress("Look 1", clock=Clock())
    done.running()
    done.receiving(12_345)
    done.counted(4_000)
    done.finished(4_000)
    failed = Progress("Query abc", clock=Clock())
    failed.running()
    failed.failed(stopped=True)
    return terminal.getvalue().replace("\r", "\n")


def test_every_progress_line_has_a_glyph_in_every_default_font(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shown = progress_lines(monkeypatch)
    for part in ("running the query", "receiving the result", "4,000 rows", "stopped after"):
        assert part in shown, shown  # every kind of line was drawn
    assert uncovered(shown) == [], shown


def test_every_widget_sentence_has_a_glyph_in_every_default_font() -> None:
    assert uncovered("".join(TEXTS.values()) + FALLBACK) == []


def _sentences(path: Path) -> str:
    """Every string literal of a module but its docstrings: whatever it may say to a user."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return "".join(
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        if id(node) not in docstrings
    )


def test_every_sentence_the_package_says_has_a_glyph_in_every_default_font() -> None:
    """The widget shows the session's errors and the controller's sentences too: every string
    of the package (not its docstrings, not the stand-in's pages, which play Looker's)."""
    modules = [p for p in PACKAGE.rglob("*.py") if "fake_looker" not in p.parts]
    assert PACKAGE / "notebook" / "progress.py" in modules
    found = {
        str(path.relative_to(PACKAGE)): bad
        for path in modules
        if (bad := uncovered(_sentences(path)))
    }
    assert found == {}
