"""What the server saves of a login widget's output: its text, not its widget view.

A widget view in a saved notebook points at a model that lived in the kernel. Reopened, with
JupyterLab 4's and Notebook 7's default settings (no widget state saved), ipywidgets' renderer
finds no model and draws "Error displaying widget: model not found", and it wins over the text
beside it. So every save drops the view of an output the login widget marked
(``WIDGET_OUTPUT_KEY`` in its metadata) and keeps its text, which says the button was
disconnected from its kernel and to run the cell again. The page that is open keeps its live
widget: only the file changes.
"""

from __future__ import annotations

from typing import Any

from .._protocol import WIDGET_OUTPUT_KEY, WIDGET_VIEW_MIME

__all__ = ["drop_login_widget_views"]


def drop_login_widget_views(model: dict[str, Any], **_: Any) -> None:
    """A ``ContentsManager`` pre-save hook: a notebook's login widget outputs lose their view."""
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    for cell in model["content"].get("cells") or []:
        if not isinstance(cell, dict):
            continue
        for output in cell.get("outputs") or []:
            if not isinstance(output, dict):
                continue
            metadata, data = output.get("metadata"), output.get("data")
            if (
                isinstance(metadata, dict)
                and WIDGET_OUTPUT_KEY in metadata
                and isinstance(data, dict)
            ):
                data.pop(WIDGET_VIEW_MIME, None)
