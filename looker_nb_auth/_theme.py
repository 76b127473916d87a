"""The inline styles of the package's HTML reprs (explores, fields, listings of Looks and
dashboards): JupyterLab's theme variables, with fallbacks for VS Code and nbviewer, so a dark
theme stays readable. In an untrusted output JupyterLab's sanitizer drops the style values it
cannot check (``var(...)``), and the table inherits the theme's colours instead."""

from __future__ import annotations

__all__ = ["BOX", "CELL", "CODE", "DIM", "LINE", "LINK"]

BOX = (
    "font-family: var(--jp-ui-font-family, inherit); font-size: var(--jp-ui-font-size1, 13px);"
    " color: var(--jp-ui-font-color1, inherit);"
)
CELL = "padding: 2px 8px; text-align: left; vertical-align: top;"
LINE = "border-bottom: 1px solid var(--jp-border-color2, #ccc);"
DIM = "color: var(--jp-ui-font-color2, #666);"
LINK = "color: var(--jp-content-link-color, #1a73e8);"
CODE = "font-family: var(--jp-code-font-family, monospace); white-space: nowrap;"
