"""How a listing of Looks or dashboards looks: a plain-text table for a terminal, a small HTML
table for a notebook.

The HTML takes its colours from JupyterLab's theme variables, with fallbacks for VS Code and
nbviewer, so a dark theme stays readable; every value is escaped (titles and descriptions are
anyone's text), and each title links to the item in Looker in a new tab (``rel=noopener``: the
opened page gets no handle on the notebook's window).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from .._theme import BOX, CELL, DIM, LINE, LINK

__all__ = ["Row", "html_table", "text_table"]

#: One item of a listing: its cells (in the headers' order) and the URL its title opens.
Row = tuple[Sequence[str], str]

_WIDEST = 40  # characters of a text cell; longer values end with "…"


def _cut(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _WIDEST else flat[: _WIDEST - 1] + "…"


def text_table(title: str, headers: Sequence[str], rows: Sequence[Row], note: str) -> str:
    """``title`` on its line, then the rows in aligned columns, then ``note`` (when any)."""
    cells = [list(headers), *([_cut(c) for c in cells] for cells, _url in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [title]
    if rows:
        lines += [
            "  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
            for row in cells
        ]
    if note:
        lines.append(note)
    return "\n".join(lines)


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def html_table(
    title: str, headers: Sequence[str], rows: Sequence[Row], note: str, *, link_column: int = 1
) -> str:
    """A table whose ``link_column`` cell opens the item's URL in a new tab."""
    head = "".join(f'<th style="{CELL}{LINE}">{_e(h)}</th>' for h in headers)
    body = []
    for cells, url in rows:
        shown = []
        for i, cell in enumerate(cells):
            value = _e(cell)
            if i == link_column and url:
                value = (
                    f'<a href="{_e(url)}" target="_blank" rel="noopener" style="{LINK}">{value}</a>'
                )
            shown.append(f'<td style="{CELL}">{value}</td>')
        body.append(f"<tr>{''.join(shown)}</tr>")
    footer = f'<div style="{DIM}">{_e(note)}</div>' if note else ""
    return (
        f'<div style="{BOX}"><div><b>{_e(title)}</b></div>'
        f'<table style="border-collapse: collapse;"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>{footer}</div>"
    )
