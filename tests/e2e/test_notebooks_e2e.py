"""Every notebook in ``notebooks/`` runs as its first cell tells the reader to: one cell at a
time from the top, with Shift+Enter, login included.

Shift+Enter runs the selected cell and selects the next. A cell that waits for the login
(``login(wait=True)``) shows its **Log in to Looker** button right under it, in view; the test
clicks it and completes Looker's popup, then clicks the next cell and goes on, as the reader
does. Past the last cell, Shift+Enter opens a new cell, where the reader's own first line
(``session.run_look(1)``) must work: the tutorial leaves them logged in. No cell may show an
error, anything on stderr (a warning), or warning or traceback text: in the page, and in the
saved .ipynb.
"""

from __future__ import annotations

import re
from typing import Any

import nbformat
import pytest
from playwright.sync_api import expect

from .conftest import TUTORIALS, Jupyter
from .helpers import (
    CELL_TIMEOUT,
    EXECUTED,
    LOGGED_IN_PAGE,
    LoginWidget,
    Notebook,
    complete_looker_login,
    expect_callback_page,
    open_login_popup,
)

NOTEBOOKS = sorted(TUTORIALS.glob("*.ipynb"))
#: Python's warning or error text in an output (a traceback, ``UserWarning: …``); not a sentence
#: a cell prints on purpose, such as Looker's own "SQL Error: …".
_TROUBLE = re.compile(r"Traceback \(most recent call last\)|\b[A-Z]\w*(Warning|Error|Exception):")
_ACTIVE = re.compile(r"\bjp-mod-active\b")
_STDERR = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
#: What the reader types into the new cell after the tutorial's last one.
OWN_CELL = "session.run_look(1)"


def output_problems(code_cells: list[Any]) -> list[str]:
    """What a tutorial must never show: an ``error`` output, anything on stderr (warnings go
    there, a ``ResultTruncated`` too), or warning or traceback text in any other output."""
    found: list[str] = []
    for number, cell in enumerate(code_cells):
        for output in cell.outputs:
            where = f"code cell {number} ({cell.source.splitlines()[0]!r})"
            if output.output_type == "error":
                found.append(f"{where}: {output.ename}: {output.evalue}")
            elif output.output_type == "stream" and output.name == "stderr":
                found.append(f"{where} wrote to stderr: {output.text}")
            else:
                texts = [output.get("text", "")]
                texts += [v for v in output.get("data", {}).values() if isinstance(v, str)]
                found += [f"{where}: {t}" for t in texts if _TROUBLE.search(t)]
    return found


class Reader:
    """Runs a notebook as its reader does: Shift+Enter on the selected cell, the login in the
    popup when a cell waits for it."""

    def __init__(self, jupyter: Jupyter, notebook: Notebook) -> None:
        self.jupyter = jupyter
        self.notebook = notebook
        self.signed_in = False  # whether this browser is signed in to Looker (no form again)

    def shift_enter(self, index: int) -> None:
        """Shift+Enter on cell ``index`` (any kind), which must be the selected one."""
        expect(self.notebook.cells.nth(index)).to_have_class(_ACTIVE)
        self.notebook.page.keyboard.press("Shift+Enter")

    def log_in(self, cell: int, code_cell: int) -> None:
        """The cell waits for the login: its button is in view; click it, finish the popup,
        then click the next cell (the click on the button took the keyboard focus)."""
        notebook = self.notebook
        widget = notebook.widget(code_cell)
        expect(notebook.prompt(code_cell)).to_have_text(re.compile(r"^\s*\[\*\]:\s*$"))
        expect(widget.button("login")).to_be_in_viewport()
        popup = open_login_popup(notebook.page, widget)
        redirect_uri = self.jupyter.server.redirect_uri
        if self.signed_in:  # Looker remembers the user and the approval: straight back
            expect_callback_page(popup, redirect_uri, LOGGED_IN_PAGE)
        else:
            complete_looker_login(popup, redirect_uri=redirect_uri)
            self.signed_in = True
        widget.expect_status("logged_in")
        expect(notebook.prompt(code_cell)).to_have_text(EXECUTED, timeout=CELL_TIMEOUT)
        notebook.cells.nth(cell + 1).click()  # "click the next cell"


@pytest.mark.parametrize(
    "name",
    [pytest.param(path.name, id=path.stem) for path in NOTEBOOKS]
    or [pytest.param(None, id="no-notebooks")],
)
def test_notebook_runs_cell_by_cell_in_the_browser(jupyter: Jupyter, name: str | None) -> None:
    if name is None:
        pytest.fail(f"no notebooks found in {TUTORIALS}")
    tutorial = nbformat.read(TUTORIALS / name, as_version=4)  # type: ignore[no-untyped-call]
    assert "Shift+Enter" in tutorial.cells[0].source  # how to run it, which the test does
    notebook = jupyter.open(name)
    reader = Reader(jupyter, notebook)
    notebook.cells.first.click()
    code_cell = -1
    for index, cell in enumerate(tutorial.cells):
        reader.shift_enter(index)
        if cell.cell_type != "code":
            continue
        code_cell += 1
        if "login(wait=True" in cell.source:
            reader.log_in(index, code_cell)
        else:
            prompt = notebook.prompt(code_cell)
            expect(prompt).to_have_text(EXECUTED, timeout=CELL_TIMEOUT)

    # Past the last cell: a new cell, in edit mode, for the reader's own code.
    own = notebook.code_cell(code_cell + 1)
    expect(own).to_have_class(_ACTIVE)
    notebook.page.keyboard.type(OWN_CELL)
    notebook.page.keyboard.press("Shift+Enter")
    expect(notebook.prompt(code_cell + 1)).to_have_text(EXECUTED, timeout=CELL_TIMEOUT)
    expect(own.locator(".jp-OutputArea-output table")).to_be_visible()
    notebook.expect_kernel_idle()
    for widget in notebook.panel.locator(".looker-nb-auth").all():  # every view, the top one too
        LoginWidget(widget).expect_status("logged_in")
    assert notebook.panel.locator(_STDERR).all_inner_texts() == []  # nothing pink

    saved = notebook.save()
    code_cells = [cell for cell in saved.cells if cell.cell_type == "code"]
    empty = code_cells.pop()  # the one the last Shift+Enter opened
    assert (empty.source, code_cells[-1].source) == ("", OWN_CELL)
    assert all(cell.execution_count for cell in code_cells), "a code cell did not run"
    assert output_problems(code_cells) == []
