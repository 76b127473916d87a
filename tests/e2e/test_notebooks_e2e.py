"""Every notebook in ``notebooks/`` runs top to bottom in the browser, login included.

Run → Run All Cells, complete Looker's popup when the login widget shows up, wait until every
code cell has run, then check that no cell failed (in the page and in the saved .ipynb).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import TUTORIALS, Jupyter
from .helpers import (
    CELL_TIMEOUT,
    LoginWidget,
    complete_looker_login,
    open_login_popup,
)

NOTEBOOKS = sorted(TUTORIALS.glob("*.ipynb"))


@pytest.mark.parametrize(
    "name",
    [pytest.param(path.name, id=path.stem) for path in NOTEBOOKS]
    or [pytest.param(None, id="no-notebooks")],
)
def test_notebook_runs_in_the_browser(jupyter: Jupyter, name: str | None) -> None:
    if name is None:
        pytest.fail(f"no notebooks found in {TUTORIALS}")
    notebook = jupyter.open(name)
    notebook.run_all()

    widgets = notebook.panel.locator(".looker-nb-auth")
    expect(widgets.first).to_be_visible(timeout=CELL_TIMEOUT)
    widget = LoginWidget(widgets.first)
    popup = open_login_popup(notebook.page, widget)
    complete_looker_login(popup, redirect_uri=jupyter.server.redirect_uri)

    notebook.expect_all_executed()
    stderr = notebook.panel.locator(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
    )
    tracebacks = [t for t in stderr.all_inner_texts() if re.search(r"Traceback|Error\b", t)]
    assert not tracebacks, tracebacks

    saved = notebook.save()
    code_cells = [cell for cell in saved.cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in code_cells), "a code cell did not run"
    errors = [
        f"cell {number}: {output.ename}: {output.evalue}"
        for number, cell in enumerate(code_cells)
        for output in cell.outputs
        if output.output_type == "error"
    ]
    assert not errors, errors
    failed_streams = [
        output.text
        for cell in code_cells
        for output in cell.outputs
        if output.output_type == "stream" and "Traceback" in output.text
    ]
    assert not failed_streams, failed_streams
