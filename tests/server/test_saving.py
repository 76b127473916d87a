"""A notebook saved through the server keeps a login widget's text, not its widget view, so a
reopened notebook does not say "Error displaying widget: model not found"
(tests/e2e/test_truth_e2e.py: the same in JupyterLab and Notebook 7)."""

from __future__ import annotations

import asyncio
import inspect
import json
from pathlib import Path
from typing import Any

import nbformat

from looker_nb_auth._protocol import WIDGET_VIEW_MIME
from looker_nb_auth.notebook.widget import FALLBACK, LoginWidget


def _save(serverapp: Any, loop: asyncio.AbstractEventLoop, outputs: list[Any]) -> dict[str, Any]:
    notebook = nbformat.v4.new_notebook()  # type: ignore[no-untyped-call]
    cell = nbformat.v4.new_code_cell("session = login()")  # type: ignore[no-untyped-call]
    cell.outputs = outputs
    notebook.cells.append(cell)
    model = {"type": "notebook", "format": "json", "content": notebook}
    saved = serverapp.contents_manager.save(model, "saved.ipynb")
    if inspect.isawaitable(saved):
        loop.run_until_complete(saved)
    path = Path(serverapp.root_dir) / "saved.ipynb"
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _display(data: dict[str, Any], metadata: dict[str, Any]) -> Any:
    return nbformat.v4.new_output(  # type: ignore[no-untyped-call]
        "display_data", data=data, metadata=metadata
    )


def test_a_saved_login_widget_keeps_its_text_and_loses_its_view(
    jp_serverapp: Any, jp_asyncio_loop: asyncio.AbstractEventLoop
) -> None:
    widget = LoginWidget()
    try:
        bundle = widget._repr_mimebundle_()  # what display(widget) sends
    finally:
        widget.close()
    assert bundle is not None
    data, metadata = bundle
    assert WIDGET_VIEW_MIME in data
    saved = _save(jp_serverapp, jp_asyncio_loop, [_display(data, metadata)])
    (output,) = saved["cells"][0]["outputs"]
    assert WIDGET_VIEW_MIME not in output["data"]
    assert "".join(output["data"]["text/plain"]) == FALLBACK
    assert FALLBACK in "".join(output["data"]["text/html"])


def test_other_widgets_are_saved_as_they_are(
    jp_serverapp: Any, jp_asyncio_loop: asyncio.AbstractEventLoop
) -> None:
    view = {"version_major": 2, "version_minor": 1, "model_id": "abc"}
    saved = _save(jp_serverapp, jp_asyncio_loop, [_display({WIDGET_VIEW_MIME: view}, {})])
    (output,) = saved["cells"][0]["outputs"]
    assert output["data"][WIDGET_VIEW_MIME] == view
