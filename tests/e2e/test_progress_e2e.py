"""A running query's status line under the cell, in JupyterLab 4 and Notebook 7.

The cell logs in through the widget and Looker's popup, then runs ``session.run_look(1)`` while
the stack's Looker stand-in makes query tasks run for a while (``query_task_seconds``): the line
says Looker is running the query, then what came back, above the DataFrame. Kernel > Interrupt
during a task ends the line with the cancel, the cell with a one-sentence ``QueryCancelled``,
and stops the task at Looker.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import expect

from .conftest import Jupyter
from .helpers import (
    EXECUTED,
    LOGIN,
    UI_TIMEOUT,
    Notebook,
    log_in_through_the_widget,
    write_notebook,
)

LOOK = "session.run_look(1)"
RUNNING = "Looker is running the query"
CANCELLED = re.compile(
    r"^QueryCancelled: The query was cancelled after \d+\.\d s and stopped at Looker; nothing "
    r"of its result was kept\.$"
)


@contextmanager
def tasks_running_for(jupyter: Jupyter, seconds: float) -> Iterator[None]:
    """The stack's stand-in runs every query task ``seconds`` long meanwhile (it is shared by
    every test of the session, so the old value comes back whatever happens)."""
    config = jupyter.looker.config
    before = config.query_task_seconds
    config.query_task_seconds = seconds
    try:
        yield
    finally:
        config.query_task_seconds = before


def _logged_in_notebook(jupyter: Jupyter, stem: str) -> Notebook:
    """A notebook whose first cell logged in through the widget; the second runs Look 1."""
    notebook = jupyter.open(write_notebook(jupyter.notebook_path(stem), [LOGIN, LOOK]))
    log_in_through_the_widget(notebook, jupyter.server.redirect_uri)
    return notebook


def test_a_long_query_shows_its_progress_then_what_came_back_above_the_frame(
    jupyter: Jupyter,
) -> None:
    notebook = _logged_in_notebook(jupyter, "progress")
    output = notebook.output(1)
    line = output.locator(".looker-nb-auth-progress")
    with tasks_running_for(jupyter, 4):
        notebook.run(1, wait=False)
        expect(line).to_contain_text(f"Look 1: {RUNNING}…", timeout=UI_TIMEOUT)
        expect(line).to_contain_text("Look 1: done, 4 rows in", timeout=UI_TIMEOUT)
    expect(notebook.prompt(1)).to_have_text(EXECUTED)
    expect(line).to_have_count(1)  # one line, updated in place
    assert re.fullmatch(r"Look 1: done, 4 rows in \d+\.\d s", line.inner_text().strip())
    table = output.locator("table")
    expect(table).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(4)
    expect(table).to_contain_text("orders.region")
    shown, frame = line.bounding_box(), table.bounding_box()
    assert shown is not None and frame is not None
    assert shown["y"] + shown["height"] <= frame["y"]  # the line above the DataFrame
    assert "Traceback" not in notebook.output_text(1)


def test_kernel_interrupt_cancels_a_running_query_and_stops_it_at_looker(
    jupyter: Jupyter,
) -> None:
    notebook = _logged_in_notebook(jupyter, "progress-cancel")
    output = notebook.output(1)
    line = output.locator(".looker-nb-auth-progress")
    looker = jupyter.looker
    seen = len(looker.requests)
    with tasks_running_for(jupyter, 600):
        notebook.run(1, wait=False)
        expect(line).to_contain_text(f"Look 1: {RUNNING}…", timeout=UI_TIMEOUT)
        notebook.menu("Kernel", "kernelmenu:interrupt")
        expect(line).to_contain_text("Look 1: stopped after ", timeout=UI_TIMEOUT)
    expect(notebook.prompt(1)).to_have_text(EXECUTED)
    expect(line).to_have_count(1)
    errors = output.locator(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
    )
    expect(errors).to_have_count(1)
    said = errors.inner_text().strip()
    assert CANCELLED.fullmatch(said), said  # one sentence, no traceback
    assert said.removeprefix("QueryCancelled: ") not in line.inner_text()  # said once, below
    assert line.inner_text().strip().endswith("; see below.")
    text = notebook.output_text(1)
    assert "Traceback" not in text and "KeyboardInterrupt" not in text, text

    requests = looker.requests[seen:]
    polled = {
        found.group(1)
        for method, path in requests
        if method == "GET"
        and (found := re.fullmatch(r"/api/4\.0/query_tasks/([^/]+)/results", path))
    }
    assert len(polled) == 1, requests
    (task_id,) = polled
    assert ("DELETE", f"/api/4.0/running_queries/{task_id}") in requests, requests
