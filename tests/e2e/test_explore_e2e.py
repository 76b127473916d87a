"""Tab completion of explores and fields in a real JupyterLab 4 and Notebook 7, with the kernel
logged in to the Looker stand-in through the widget.

The reader types into a cell's editor (CodeMirror 6) and presses Tab: the UI asks the kernel
(ipykernel, IPython's completer with Jedi) and shows the answers in its completer popup
(``.jp-Completer``). ``explore.fields.orders.`` offers the view's fields (attributes),
``explore["orders.`` whole field names (``_ipython_key_completions_``), and
``session.explore("`` the model names and ``session.explore("demo", "`` that model's explores
(the matcher ``explore/complete.py`` registers). Choosing an item writes it into the cell, which
then runs. ``tests/explore/test_completion.py`` checks the same completions against IPython's
completer directly, with and without Jedi.
"""

from __future__ import annotations

from playwright.sync_api import Locator, expect

from .conftest import Jupyter
from .helpers import (
    CELL_TIMEOUT,
    EXECUTED,
    LOGIN,
    Notebook,
    log_in_through_the_widget,
    write_notebook,
)

BROWSE = 'explore = session.explore("demo", "orders")'


def _logged_in_notebook(jupyter: Jupyter) -> Notebook:
    """A notebook logged in through the widget, ``explore`` opened, and four empty cells."""
    notebook = jupyter.open(
        write_notebook(jupyter.notebook_path("tab"), [LOGIN, BROWSE, "", "", "", ""])
    )
    log_in_through_the_widget(notebook, jupyter.server.redirect_uri)
    notebook.run(1)
    return notebook


def _tab(notebook: Notebook, cell: int, text: str, expected: str) -> tuple[Locator, list[str]]:
    """Type ``text`` into the empty code cell ``cell``, press Tab, wait for the popup to offer
    ``expected``; return the popup and what it offers (each item's text to insert)."""
    editor = notebook.code_cell(cell).locator(".cm-content")
    editor.click()
    notebook.page.keyboard.type(text)
    expect(editor).to_have_text(text)
    notebook.page.keyboard.press("Tab")
    completer = notebook.page.locator(".jp-Completer")
    expect(completer.locator(f'li.jp-Completer-item[data-value="{expected}"]')).to_be_visible()
    items = completer.locator("li.jp-Completer-item")
    return completer, [str(item.get_attribute("data-value")) for item in items.all()]


def _dismiss(notebook: Notebook, completer: Locator) -> None:
    notebook.page.keyboard.press("Escape")
    expect(completer).to_be_hidden()


def test_tab_completes_fields_field_names_and_models_in_the_browser(jupyter: Jupyter) -> None:
    notebook = _logged_in_notebook(jupyter)

    completer, offered = _tab(notebook, 2, "explore.fields.orders.", "created_month")
    assert {"created_month", "total_sale_price", "region"} <= set(offered), offered
    assert "sql_error" not in offered  # a hidden field is not offered
    completer.locator('li.jp-Completer-item[data-value="created_month"]').click()
    expect(completer).to_be_hidden()
    editor = notebook.code_cell(2).locator(".cm-content")
    expect(editor).to_have_text("explore.fields.orders.created_month")
    notebook.page.keyboard.press("Shift+Enter")  # the chosen name runs
    expect(notebook.prompt(2)).to_have_text(EXECUTED, timeout=CELL_TIMEOUT)
    expect(notebook.output(2)).to_contain_text("<Field orders.created_month")

    completer, offered = _tab(notebook, 3, 'explore["orders.', "orders.created_month")
    assert {"orders.created_month", "orders.total_sale_price"} <= set(offered), offered
    _dismiss(notebook, completer)

    completer, offered = _tab(notebook, 4, 'session.explore("', "demo")
    assert set(offered) == {"demo", "finance"}, offered  # the models, not file names
    _dismiss(notebook, completer)

    completer, offered = _tab(notebook, 5, 'session.explore("demo", "', "orders")
    assert {"orders", "events"} <= set(offered), offered  # that model's explores
    _dismiss(notebook, completer)
